package dev.pushback.dsl.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.agrona.concurrent.NanoClock;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.compiler.internal.CompiledPlan;

/**
 * One catalyst driven by the test thread and nothing else: every round is a {@code runOnce} made
 * here, every look at catalyst state is a task run in such a round (DESIGN T3), and the clock only
 * moves when a test moves it, so timers fire exactly when a test says. Waiting is a bounded loop of
 * rounds that fails at its deadline and never passes on one. Helper threads (the blocking bridges)
 * and the kernel (pipes, loopback sockets) are the only other actors.
 */
final class Rig implements Closeable {
    /** A small chunk, so that a pipe or a socket fills after a few moves. */
    static final int CHUNK = 4096;
    /** The longest any wait may take before it fails: far beyond what a loaded 2-core machine needs. */
    private static final long DEADLINE_NANOS = 30_000_000_000L;
    private static final int MAX_ROUNDS = 2_000_000;
    private static final AtomicInteger RIGS = new AtomicInteger();

    /** A clock the test moves by hand: timers (intervals, HTTP timeouts) fire only when it is moved. */
    static final class ManualClock implements NanoClock {
        private final AtomicLong now = new AtomicLong(1_000_000_000L);

        @Override
        public long nanoTime() {
            return now.get();
        }

        void advance(long nanos) {
            now.addAndGet(nanos);
        }
    }

    /** What the catalyst's error reporter was told. */
    record Reported(String what, Throwable cause) {}

    final String name;
    final ManualClock clock = new ManualClock();
    final Catalyst catalyst;
    final Core core;
    final List<Reported> reported = new CopyOnWriteArrayList<>();
    private final List<Runnable> pumps = new ArrayList<>();
    private final ArrayDeque<Closeable> cleanup = new ArrayDeque<>();

    Rig() {
        name = "contract" + RIGS.incrementAndGet();
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName(name).withChunkSize(CHUNK).withClock(clock)
            .withErrors((what, cause) -> reported.add(new Reported(what, cause))));
        core = Core.of(catalyst);
    }

    /** Test-thread IO run before every round of a wait: a peer writing what it still has, a reader reading. */
    void pump(Runnable pump) {
        pumps.add(pump);
    }

    /** Closed (in reverse order) when the rig closes, after the catalyst. */
    <C extends Closeable> C closeLater(C closeable) {
        cleanup.push(closeable);
        return closeable;
    }

    /** Runs {@code query} on the catalyst, in a round of its own, and gives its result. */
    <T> T read(Callable<T> query) {
        CompletableFuture<T> result = catalyst.submit(query);
        catalyst.runOnce(0);
        assertThat(result).as("a task submitted before a round ran in it").isDone();
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** Runs {@code action} on the catalyst, then whatever it made ready, in one round. */
    void run(Runnable action) {
        read(() -> {
            action.run();
            return null;
        });
    }

    /** {@code count} rounds that do not block, each after the pumps. */
    void rounds(int count) {
        for (int i = 0; i < count; i++) {
            pumpAll();
            catalyst.runOnce(0);
        }
    }

    /**
     * Runs rounds until {@code condition}, evaluated on the catalyst, holds; fails when it does not
     * within the deadline. Each iteration pumps, checks, then runs a round that may block for up to
     * 10 ms waiting for the kernel or a helper thread (a task from one wakes it at once). Once the
     * catalyst has closed, only the pumps run (the kernel delivering what the close did).
     */
    void until(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        for (int round = 0; ; round++) {
            pumpAll();
            if (catalyst.isClosed()) {
                // nobody runs the catalyst any more: the test thread may read what it left
                if (condition.call()) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("not " + what + " after the catalyst closed");
                }
                Thread.onSpinWait();
                continue;
            }
            if (read(condition)) {
                return;
            }
            if (round >= MAX_ROUNDS || System.nanoTime() - deadline > 0) {
                throw new AssertionError("not " + what + " after " + round + " rounds");
            }
            catalyst.runOnce(10);
        }
    }

    private void pumpAll() {
        for (Runnable pump : pumps) {
            pump.run();
        }
    }

    // ---------------------------------------------------------------- what the catalyst holds

    /** A snapshot of what the catalyst holds for its endpoints, to compare before and after. */
    record Holdings(int lentBuffers, long retainedBytes, int openEndpoints, int allocatedBits, long timers, int fibers) {}

    Holdings holdings() {
        return catalyst.isClosed() ? handleHoldings() : read(this::handleHoldings);
    }

    /** On the catalyst (in a condition of {@link #until}), or once it has closed and nobody runs it. */
    Holdings handleHoldings() {
        return new Holdings(core.pool().handleLent(), core.retainedBytes(), core.handleOpenEndpoints(),
            core.handleAllocatedBits(), core.handleTimerCount(), core.handleFiberCount());
    }

    /** The fiber of {@code plan} that waits on {@code endpoint}. */
    static Fiber fiberOf(CompiledPlan plan, Endpoint endpoint) {
        for (Fiber fiber : plan.fibers()) {
            if (List.of(fiber.waitsOn()).contains(endpoint)) {
                return fiber;
            }
        }
        throw new AssertionError("no fiber of the plan waits on " + endpoint);
    }

    boolean onFrontier(Endpoint endpoint) {
        return core.handleFrontier().contains(endpoint);
    }

    /** Reports whose cause, or a cause of it, matches. */
    long reportsOf(Predicate<Throwable> cause) {
        return reported.stream().filter(r -> chainMatches(r.cause(), cause)).count();
    }

    /** Reports of {@code fiber}'s failure whose cause chain matches: one per failure (N11). */
    long reportsOf(Fiber fiber, Predicate<Throwable> cause) {
        return reported.stream().filter(r -> r.what().contains(fiber.name()) && chainMatches(r.cause(), cause)).count();
    }

    static boolean chainMatches(Throwable failure, Predicate<Throwable> test) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (test.test(t)) {
                return true;
            }
        }
        return false;
    }

    /** Why {@code future} failed, or null when it completed normally. */
    static Throwable failureOf(CompletableFuture<?> future) {
        return future.handle((ok, failure) -> failure).join();
    }

    /**
     * Threads this rig's catalyst made (the bridges' helpers are named after the catalyst): they
     * must all end once their endpoints are released. Waits for each within the deadline.
     */
    void assertHelperThreadsEnded() throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(name + "-")) {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                assertThat(thread.isAlive()).as("helper thread %s ended", thread.getName()).isFalse();
            }
        }
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            catalyst.close();
        } catch (RuntimeException e) {
            failure = new IOException("closing the catalyst failed", e);
        }
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
