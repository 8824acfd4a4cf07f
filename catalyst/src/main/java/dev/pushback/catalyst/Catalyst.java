package dev.pushback.catalyst;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import dev.pushback.catalyst.internal.Access;
import dev.pushback.catalyst.internal.Core;

/**
 * One thread around a {@link java.nio.channels.Selector}: keeps one availability bit per endpoint
 * and runs a fiber only when every bit of its mask is set (DESIGN N1). It is also a serial
 * executor (DESIGN T1): all IO and graph changes happen on its thread, one task at a time, in
 * submission order.
 *
 * <pre>{@code
 * try (Catalyst catalyst = Catalyst.open()) {
 *     Graph graph = Graph.on(catalyst);
 *     graph.stdin().to(graph.stdout());
 *     graph.start();
 *     catalyst.loop();          // or runOnce(timeout) from a host loop, or hand it to an AgentRunner
 * }
 * }</pre>
 *
 * <p>Every method is safe from any thread. Functions given to graphs run on the catalyst thread
 * and must not block (DESIGN T4).
 */
public final class Catalyst implements Agent, Executor, AutoCloseable {
    /** Default chunk size: the most bytes one move carries. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    /** Default fairness budget: moves a ready fiber makes per round (DESIGN N15). */
    public static final int DEFAULT_MOVES_PER_ROUND = 16;

    static {
        Access.installCores(catalyst -> catalyst.core);
    }

    /**
     * How a catalyst is set up.
     *
     * <pre>{@code
     * Catalyst.open(Catalyst.Config.defaults().withName("io").withErrors((what, e) -> log.warn(what, e)));
     * }</pre>
     *
     * @param name the thread and agent name
     * @param chunkSize bytes per pooled buffer, the largest chunk one move carries
     * @param movesPerRound the fairness budget of a ready fiber per round
     * @param errors where failures nobody else observes are reported, once each (a failed task,
     *     a failed fiber, a failing handler): what failed, and why
     * @param clock the clock timers run on; tests give one they move by hand
     */
    public record Config(String name, int chunkSize, int movesPerRound, BiConsumer<String, Throwable> errors,
                         NanoClock clock) {
        public Config {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(errors, "errors");
            Objects.requireNonNull(clock, "clock");
            if (chunkSize < 16) {
                throw new IllegalArgumentException("chunkSize must be at least 16: " + chunkSize);
            }
            if (movesPerRound < 1) {
                throw new IllegalArgumentException("movesPerRound must be positive: " + movesPerRound);
            }
        }

        /** Defaults: 64 KiB chunks, 16 moves per round, failures printed to stderr, the system clock. */
        public static Config defaults() {
            return new Config("catalyst", DEFAULT_CHUNK_SIZE, DEFAULT_MOVES_PER_ROUND, Catalyst::printError,
                new SystemNanoClock());
        }

        public Config withName(String name) {
            return new Config(name, chunkSize, movesPerRound, errors, clock);
        }

        public Config withChunkSize(int chunkSize) {
            return new Config(name, chunkSize, movesPerRound, errors, clock);
        }

        public Config withMovesPerRound(int movesPerRound) {
            return new Config(name, chunkSize, movesPerRound, errors, clock);
        }

        public Config withErrors(BiConsumer<String, Throwable> errors) {
            return new Config(name, chunkSize, movesPerRound, errors, clock);
        }

        public Config withClock(NanoClock clock) {
            return new Config(name, chunkSize, movesPerRound, errors, clock);
        }
    }

    /**
     * Counters of a catalyst at one moment.
     *
     * @param rounds rounds run so far
     * @param checks readiness checks made: one per fiber taken from the ready queue, so this grows
     *     with ready endpoints, not with the number of fibers (DESIGN C3)
     * @param fibers live fibers
     * @param openEndpoints endpoints bound and not yet closed
     * @param allocatedBits bits allocated in the availability bitset
     * @param timers timers scheduled and not yet run
     * @param retainedBytes data bytes held by endpoints now (pending writes, hand-offs, buffers)
     * @param peakRetainedBytes the most bytes ever held at once
     */
    public record Stats(long rounds, long checks, int fibers, int openEndpoints, int allocatedBits, long timers,
                        long retainedBytes, long peakRetainedBytes) {}

    private final Core core;

    Catalyst(Config config, Runnable hostWakeup) {
        this.core = new Core(this, config, hostWakeup);
    }

    /** A catalyst with {@link Config#defaults()}. */
    public static Catalyst open() {
        return new Catalyst(Config.defaults(), null);
    }

    public static Catalyst open(Config config) {
        return new Catalyst(Objects.requireNonNull(config, "config"), null);
    }

    public Config config() {
        return core.config();
    }

    @Override
    public String roleName() {
        return core.config().name();
    }

    /**
     * Runs {@code task} on the catalyst thread after every task submitted before it, with a
     * happens-before edge from this call to the run. Lock-free; wakes the catalyst if it sleeps.
     * A task that throws is reported through {@link Config#errors()}.
     *
     * @throws RejectedExecutionException once the catalyst is closed
     */
    @Override
    public void execute(Runnable task) {
        core.execute(task);
    }

    /**
     * Runs {@code task} on the catalyst thread; the future completes there with its result, so
     * stages chained without an executor run on the catalyst thread too and must not block (T4).
     */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        return submit(task, Runnable::run);
    }

    /**
     * Runs {@code task} on the catalyst thread and completes the future through {@code completeOn},
     * so that the caller's chained stages run on the caller's terms, never on the catalyst thread.
     *
     * <pre>{@code
     * catalyst.submit(catalyst::stats, myExecutor).thenAccept(stats -> log(stats)); // log runs on myExecutor
     * }</pre>
     */
    public <T> CompletableFuture<T> submit(Callable<T> task, Executor completeOn) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(completeOn, "completeOn");
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            T value;
            try {
                value = task.call();
            } catch (Throwable t) {
                completeOn.execute(() -> result.completeExceptionally(t));
                return;
            }
            completeOn.execute(() -> result.complete(value));
        });
        return result;
    }

    /** Whether the calling thread is the one running this catalyst now. */
    public boolean inCatalyst() {
        return core.inCatalyst();
    }

    /** Runs rounds on the calling thread until nothing is open or {@link #close()} is called. */
    public void loop() {
        core.loop();
    }

    /**
     * One round: runs due tasks and timers, one select (blocking at most {@code timeoutMillis}, 0
     * for none, and not at all when work is already waiting), then the ready fibers.
     *
     * @return the amount of work done: tasks, timers, ready keys and moves
     */
    public int runOnce(long timeoutMillis) {
        return core.runOnce(timeoutMillis);
    }

    /** {@link Agent} duty cycle: one round that never blocks. */
    @Override
    public int doWork() {
        return core.runOnce(0);
    }

    /** {@link Agent} hook: the runner stops, so the catalyst closes on the runner's thread. */
    @Override
    public void onClose() {
        close();
    }

    /**
     * Keeps {@link #loop()} running while nothing is open — a host that will add graphs later —
     * until the returned action is run (once; later runs do nothing). Safe from any thread.
     *
     * <pre>{@code
     * Runnable release = catalyst.keepLooping();
     * new Thread(catalyst::loop).start();
     * ... start graphs from anywhere ...
     * release.run();                      // loop() returns once what is open has finished
     * }</pre>
     */
    public Runnable keepLooping() {
        core.execute(core::handleRetainLoop);
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true) && !core.isClosed()) {
                core.execute(core::handleReleaseLoop);
            }
        };
    }

    /** Data bytes held by endpoints now (pending writes, hand-offs, explicit buffers; DESIGN N3). */
    public long retainedBytes() {
        return core.retainedBytes();
    }

    /** The most bytes ever held at once. */
    public long peakRetainedBytes() {
        return core.peakRetainedBytes();
    }

    /**
     * The catalyst's counters: exact on the catalyst thread or while no thread runs it, else as
     * the last round left them.
     */
    public Stats stats() {
        return core.stats();
    }

    /**
     * Closes the catalyst: running fibers fail with {@link CatalystClosedException}, every
     * endpoint and channel is closed, helper threads stop. Safe from any thread; from another
     * thread it waits until the catalyst thread has closed everything.
     */
    @Override
    public void close() {
        core.close();
    }

    /** Completes once the catalyst has closed. */
    public CompletableFuture<Void> terminated() {
        return core.terminated();
    }

    public boolean isClosed() {
        return core.isClosed();
    }

    @Override
    public String toString() {
        return "catalyst " + core.config().name();
    }

    private static void printError(String what, Throwable cause) {
        if (cause instanceof CatalystClosedException) {
            return;
        }
        System.err.println("pushback: " + what + ": " + cause);
    }
}
