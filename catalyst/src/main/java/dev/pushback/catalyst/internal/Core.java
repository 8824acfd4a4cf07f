package dev.pushback.catalyst.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.catalyst.HostedPolling;
import dev.pushback.catalyst.spi.BufferPool;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.catalyst.spi.ReadyHandler;

/**
 * The runtime behind a {@link Catalyst}: one round is tasks ({@link TaskQueue}), due timers
 * ({@link Timers}), a poll ({@link Poller}), the ready fibers ({@link Scheduler}) and the
 * round-end actions. It owns the thread that runs it for the length of a round (DESIGN T1) and
 * implements the endpoints' {@link Reactor}.
 *
 * <p>{@code handle*} methods and {@code h_} fields belong to the catalyst thread (DESIGN T3).
 */
public final class Core implements Reactor {
    static {
        IoClasses.initialise();
    }

    private final Catalyst catalyst;
    private final Catalyst.Config config;
    private final Poller poller;
    private final TaskQueue tasks;
    private final Timers h_timers;
    private final Scheduler h_scheduler = new Scheduler();
    private final BufferPool pool;
    /** Holds a catalyst that nobody runs while another thread reads its statistics. */
    private static final Thread STATS_READER = new Thread("pushback statistics reader");

    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean closeRequested;
    private volatile boolean closed;

    private volatile long retainedBytes;
    private volatile long peakRetainedBytes;
    // Published at the end of each round for readers on other threads (Catalyst.stats()): plain
    // fields, then the volatile round count, which a reader reads first — one fence a round, not six.
    private volatile long publishedRounds;
    private long publishedChecks;
    private int publishedFibers;
    private int publishedEndpoints;
    private int publishedBits;
    private long publishedTimers;

    private ArrayList<Runnable> h_roundEnd = new ArrayList<>();
    private ArrayList<Runnable> h_roundEndSpare = new ArrayList<>();
    private ArrayList<Runnable> h_afterClosed = new ArrayList<>();
    private final ArrayList<Runnable> h_atClose = new ArrayList<>();
    private ArrayList<Runnable> h_afterClosedSpare = new ArrayList<>();
    private long h_retained;
    private Throwable h_lastFiberFailure;
    private long h_rounds;
    private int h_keepAlive;
    private Throwable h_fatal;

    /**
     * @param hostWakeup null for a catalyst with its own selector; else the host's wake-up, and
     *     the host polls (DESIGN section 6)
     */
    public Core(Catalyst catalyst, Catalyst.Config config, Runnable hostWakeup) {
        this.catalyst = catalyst;
        this.config = config;
        this.pool = BufferPool.create(config.chunkSize());
        try {
            this.poller = hostWakeup == null ? new SelectorPoller(this) : new HostedPoller(this, hostWakeup);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        this.tasks = new TaskQueue(poller::wakeup);
        this.h_timers = new Timers(config.clock());
    }

    /** The core of a catalyst. */
    public static Core of(Catalyst catalyst) {
        return Access.core(Objects.requireNonNull(catalyst, "catalyst"));
    }

    @Override
    public Catalyst catalyst() {
        return catalyst;
    }

    @Override
    public Catalyst.Config config() {
        return config;
    }

    @Override
    public BufferPool pool() {
        return pool;
    }

    // ---------------------------------------------------------------- serial executor (T1, T2)

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            throw new RejectedExecutionException(config.name() + " is closed");
        }
        tasks.offer(task);
    }

    @Override
    public boolean inCatalyst() {
        return owner.get() == Thread.currentThread();
    }

    @Override
    public boolean handleAssertOwner() {
        Thread current = owner.get();
        if (current != Thread.currentThread()) {
            throw new IllegalStateException("handle* method called on " + Thread.currentThread().getName()
                + ", not on the catalyst thread" + (current == null ? " (the catalyst is not running)" : " " + current.getName()));
        }
        return true;
    }

    /** Takes the catalyst for the calling thread; false when it already had it. */
    boolean enter() {
        Thread me = Thread.currentThread();
        if (owner.get() == me) {
            return false;
        }
        while (!owner.compareAndSet(null, me)) {
            Thread holder = owner.get();
            if (holder != null && holder != STATS_READER) {
                throw new IllegalStateException(config.name() + " is already run by " + holder);
            }
            Thread.onSpinWait(); // a statistics reader holds it for a few reads, or it was just let go
        }
        return true;
    }

    void leave(boolean entered) {
        if (entered) {
            owner.set(null);
        }
    }

    // ---------------------------------------------------------------- running modes (DESIGN 6)

    public void loop() {
        requireOwnPoller();
        boolean entered = enter();
        try {
            while (!closeRequested && handleIsAlive()) {
                handleRound(0);
            }
            handleCloseIfRequested();
        } finally {
            leave(entered);
        }
    }

    public int runOnce(long timeoutMillis) {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeoutMillis);
        }
        requireOwnPoller();
        if (closed) {
            return 0;
        }
        boolean entered = enter();
        try {
            int work = handleRound(timeoutMillis == 0 ? -1 : timeoutMillis);
            handleCloseIfRequested();
            return work;
        } finally {
            leave(entered);
        }
    }

    private void requireOwnPoller() {
        if (poller instanceof HostedPoller) {
            throw new IllegalStateException(config.name() + " is hosted: its host runs it through HostedPolling");
        }
    }

    /** Whether anything is open: endpoints, fibers, timers, queued tasks or keep-alive holds. */
    public boolean handleIsAlive() {
        return h_scheduler.h_openEndpoints > 0 || h_scheduler.handleHasFibers() || h_timers.handleCount() > 0
            || !tasks.isEmpty() || h_keepAlive > 0;
    }

    @Override
    public void handleRetainLoop() {
        h_keepAlive++;
    }

    @Override
    public void handleReleaseLoop() {
        h_keepAlive--;
    }

    /** One round; {@code timeoutMillis} as {@link Poller#handlePoll}: 0 blocks until work, negative never blocks. */
    private int handleRound(long timeoutMillis) {
        h_rounds++;
        int work = tasks.handleRun(config.errors()) + h_timers.handleExpire(config.errors());
        int selected;
        try {
            if (work > 0 || h_scheduler.handleHasReady() || !h_roundEnd.isEmpty() || !h_afterClosed.isEmpty()
                || timeoutMillis < 0 || closeRequested) {
                selected = poller.handlePoll(-1);
            } else {
                long wait = timeoutMillis;
                if (h_timers.handleCount() > 0) {
                    long untilTimer = h_timers.handleMillisUntilDue();
                    wait = wait == 0 ? untilTimer : Math.min(wait, untilTimer);
                }
                tasks.markSleeping();
                if (!tasks.isEmpty() || closeRequested) {
                    selected = poller.handlePoll(-1);
                } else {
                    selected = poller.handlePoll(wait);
                }
                tasks.markAwake();
                work += tasks.handleRun(config.errors()) + h_timers.handleExpire(config.errors());
            }
        } catch (IOException | RuntimeException | Error e) {
            handleFatal("select failed", e);
            return work;
        }
        work += selected + h_scheduler.handleRunFibers(config.movesPerRound()) + handleRunRoundEnd();
        try {
            poller.handleFlushCancelled();
        } catch (IOException | RuntimeException | Error e) {
            handleFatal("releasing closed channels failed", e);
            return work;
        }
        work += handleRunAfterClosed();
        handlePublish();
        return work;
    }

    /**
     * The selector itself failed: nothing can learn readiness any more, so the catalyst is not
     * left half alive. It reports once and closes at the end of this round, failing every fiber
     * and future with the cause.
     */
    private void handleFatal(String what, Throwable cause) {
        if (h_fatal == null) {
            h_fatal = cause;
            config.errors().accept(config.name() + ": " + what + "; closing the catalyst", cause);
        }
        closeRequested = true;
    }

    void handleReady(ReadyHandler handler, int readyOps) {
        try {
            handler.handleReady(readyOps);
        } catch (Throwable t) {
            config.errors().accept("readiness handler failed", t);
        }
    }

    // ---------------------------------------------------------------- hosted polling (DESIGN 6)

    /** {@link HostedPolling#readFrontier}: reports changed interests, returns how long the host may block. */
    public long hostedReadFrontier(HostedPolling.FrontierVisitor visitor) throws Exception {
        if (closed) {
            return 0;
        }
        boolean entered = enter();
        try {
            hosted().handleReadChanges(visitor::interest);
            tasks.markSleeping();
            // A task submitted before the flag was set did not wake the host: do not block on it.
            return !tasks.isEmpty() ? 0 : handleWaitNanos();
        } finally {
            leave(entered);
        }
    }

    /** {@link HostedPolling#ready}. */
    public void hostedReady(SelectableChannel channel, int readyOps) {
        if (closed) {
            return;
        }
        boolean entered = enter();
        try {
            hosted().handleHostReady(channel, readyOps);
        } finally {
            leave(entered);
        }
    }

    /** {@link HostedPolling#run}: a round without a poll. */
    public int hostedRun() {
        if (closed) {
            return 0;
        }
        boolean entered = enter();
        try {
            tasks.markAwake();
            h_rounds++;
            // The host has selected since the last run, so channels closed then have their descriptors back.
            int work = handleRunAfterClosed();
            work += tasks.handleRun(config.errors()) + h_timers.handleExpire(config.errors())
                + h_scheduler.handleRunFibers(config.movesPerRound()) + handleRunRoundEnd();
            handlePublish();
            handleCloseIfRequested();
            return work;
        } finally {
            leave(entered);
        }
    }

    private HostedPoller hosted() {
        return (HostedPoller) poller;
    }

    /** Nanoseconds the thread running the catalyst may block: 0 when work waits, MAX_VALUE when no timer. */
    private long handleWaitNanos() {
        if (!tasks.isEmpty() || h_scheduler.handleHasReady() || !h_roundEnd.isEmpty() || !h_afterClosed.isEmpty()
            || closeRequested) {
            return 0;
        }
        return h_timers.handleNanosUntilDue();
    }

    // ---------------------------------------------------------------- fibers and endpoints

    /** Starts fibers (see {@link Scheduler#handleStart}); fails them when the catalyst is closing. */
    public void handleStart(List<Fiber> fibers, Consumer<Fiber> setMasks) {
        assert handleAssertOwner();
        if (closeRequested || closed) {
            for (Fiber fiber : fibers) {
                fiber.done().completeExceptionally(new RejectedExecutionException(config.name() + " is closed"));
            }
            return;
        }
        h_scheduler.handleStart(fibers, setMasks);
    }

    void handleWake(Fiber fiber) {
        h_scheduler.handleWake(fiber);
    }

    boolean handleRetire(Fiber fiber) {
        return h_scheduler.handleRetire(fiber);
    }

    AvailabilityBits h_bits() {
        return h_scheduler.h_bits;
    }

    /** Bit {@code bit} is set. */
    public boolean handleIsSet(int bit) {
        return h_scheduler.h_bits.get(bit);
    }

    /** Sets bit {@code bit}; false when it was set already. */
    public boolean handleSet(int bit) {
        if (h_scheduler.h_bits.get(bit)) {
            return false;
        }
        h_scheduler.h_bits.set(bit);
        return true;
    }

    /** Clears bit {@code bit}; false when it was clear already. */
    public boolean handleClear(int bit) {
        if (!h_scheduler.h_bits.get(bit)) {
            return false;
        }
        h_scheduler.h_bits.clear(bit);
        return true;
    }

    /** Queues the fibers to be checked this round or the next (C3). */
    public void handleWakeAll(Fiber[] fibers, int count) {
        for (int i = 0; i < count; i++) {
            h_scheduler.handleWake(fibers[i]);
        }
    }

    /** An endpoint has its bit and is open. */
    public void handleEndpointOpened() {
        h_scheduler.h_openEndpoints++;
    }

    /** An endpoint that had its bit has closed. */
    public void handleEndpointClosed() {
        h_scheduler.h_openEndpoints--;
    }

    /** Gives an endpoint's bit back: no fiber mask names it any more. */
    public void handleUnbind(Endpoint endpoint) {
        h_scheduler.handleUnbind(endpoint);
    }

    /**
     * Reports a fiber's failure once: the fiber, the stage that threw, and a hint where one is
     * known. Fibers that fail of one cause (a buffer's writer and its reader, the fibers of a
     * failed sink) report it once, by the first of them.
     */
    void handleReportFiber(Fiber fiber, String stage, Throwable cause) {
        if (cause == h_lastFiberFailure) {
            return;
        }
        h_lastFiberFailure = cause;
        config.errors().accept(fiber.name() + " failed" + (stage != null ? " in " + stage : "") + Hints.of(cause), cause);
    }

    @Override
    public void handleReport(String what, Throwable cause) {
        config.errors().accept(what, cause);
    }

    /** The endpoints on the frontier: bit clear and some fiber waiting (DESIGN N2). */
    public List<Endpoint> handleFrontier() {
        return h_scheduler.handleFrontier();
    }

    public int handleFiberCount() {
        return h_scheduler.handleFiberCount();
    }

    public int handleOpenEndpoints() {
        return h_scheduler.h_openEndpoints;
    }

    public int handleAllocatedBits() {
        return h_scheduler.h_bits.allocatedCount();
    }

    public long handleChecks() {
        return h_scheduler.h_checks;
    }

    @Override
    public long handleRounds() {
        return h_rounds;
    }

    public long handleTimerCount() {
        return h_timers.handleCount();
    }

    @Override
    public void handleAtRoundEnd(Runnable action) {
        assert handleAssertOwner();
        h_roundEnd.add(action);
    }

    private int handleRunRoundEnd() {
        if (h_roundEnd.isEmpty()) {
            return 0;
        }
        ArrayList<Runnable> running = h_roundEnd;
        h_roundEnd = h_roundEndSpare; // what the actions add runs at the next round's end
        int count = handleRunAll(running, "round-end action failed");
        h_roundEndSpare = running;
        return count;
    }

    /** Runs {@code actions} in order, a failure reported and the others run all the same; then empties the list. */
    private int handleRunAll(ArrayList<Runnable> actions, String failed) {
        int count = actions.size();
        for (int i = 0; i < count; i++) {
            try {
                actions.get(i).run();
            } catch (Throwable t) {
                config.errors().accept(failed, t);
            }
        }
        actions.clear();
        return count;
    }

    @Override
    public void handleAtClose(Runnable action) {
        assert handleAssertOwner();
        h_atClose.add(Objects.requireNonNull(action, "action"));
    }

    @Override
    public void handleAfterChannelsClosed(Runnable action) {
        assert handleAssertOwner();
        h_afterClosed.add(Objects.requireNonNull(action, "action"));
    }

    /** Runs the actions waiting for closed channels' descriptors; those they add wait for the next time. */
    private int handleRunAfterClosed() {
        if (h_afterClosed.isEmpty()) {
            return 0;
        }
        ArrayList<Runnable> running = h_afterClosed;
        h_afterClosed = h_afterClosedSpare;
        int count = handleRunAll(running, "action after channels closed failed");
        h_afterClosedSpare = running;
        return count;
    }

    // ---------------------------------------------------------------- channels

    @Override
    public Interest handleRegister(SelectableChannel channel, ReadyHandler handler) throws IOException {
        assert handleAssertOwner();
        channel.configureBlocking(false);
        return poller.handleRegister(channel, handler);
    }

    @Override
    public void handleDeregister(Interest interest) throws IOException {
        assert handleAssertOwner();
        poller.handleDeregister(interest);
        interest.channel().close();
    }

    // ---------------------------------------------------------------- memory accounting (N3)

    @Override
    public void handleRetain(long bytes) {
        h_retained += bytes;
        assert h_retained >= 0 : "retained bytes went negative";
        retainedBytes = h_retained;
        if (h_retained > peakRetainedBytes) {
            peakRetainedBytes = h_retained;
        }
    }

    public long retainedBytes() {
        return retainedBytes;
    }

    public long peakRetainedBytes() {
        return peakRetainedBytes;
    }

    // ---------------------------------------------------------------- statistics

    private void handlePublish() {
        publishedChecks = h_scheduler.h_checks;
        publishedFibers = h_scheduler.handleFiberCount();
        publishedEndpoints = h_scheduler.h_openEndpoints;
        publishedBits = h_scheduler.h_bits.allocatedCount();
        publishedTimers = h_timers.handleCount();
        publishedRounds = h_rounds; // last: the volatile write that publishes the others
    }

    /** Counters now on the catalyst thread (or when nobody runs it), else as the last round left them. */
    public Catalyst.Stats stats() {
        if (inCatalyst()) {
            return handleStats();
        }
        // Nobody runs it: read the counters as they are, holding it as a reader (a loop() starting
        // meanwhile waits for the few reads instead of failing as if another thread ran it).
        if (owner.compareAndSet(null, STATS_READER)) {
            try {
                return handleStats();
            } finally {
                owner.compareAndSet(STATS_READER, null);
            }
        }
        long rounds = publishedRounds; // first: the volatile read that sees the others
        return new Catalyst.Stats(rounds, publishedChecks, publishedFibers, publishedEndpoints,
            publishedBits, publishedTimers, retainedBytes, peakRetainedBytes);
    }

    private Catalyst.Stats handleStats() {
        return new Catalyst.Stats(h_rounds, h_scheduler.h_checks, h_scheduler.handleFiberCount(),
            h_scheduler.h_openEndpoints, h_scheduler.h_bits.allocatedCount(), h_timers.handleCount(),
            retainedBytes, peakRetainedBytes);
    }

    // ---------------------------------------------------------------- timers (N12)

    @Override
    public long nanoTime() {
        return h_timers.nanoTime();
    }

    @Override
    public long handleScheduleAt(long deadlineNanos, Runnable action) {
        assert handleAssertOwner();
        return h_timers.handleScheduleAt(deadlineNanos, action);
    }

    @Override
    public boolean handleCancelTimer(long timerId) {
        return h_timers.handleCancel(timerId);
    }

    // ---------------------------------------------------------------- closing

    public void close() {
        closeRequested = true;
        if (inCatalyst()) {
            return; // closes at the end of the current round
        }
        if (!closed) {
            boolean entered;
            try {
                entered = enter();
            } catch (IllegalStateException running) {
                poller.wakeup();
                awaitClosed();
                return;
            }
            try {
                handleCloseIfRequested();
            } finally {
                leave(entered);
            }
        }
        // Another thread may be closing it right now (closed is set before the close is done).
        awaitClosed();
    }

    private void awaitClosed() {
        boolean interrupted = false;
        while (true) {
            try {
                closedLatch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    public boolean isClosed() {
        return closed;
    }

    private void handleCloseIfRequested() {
        if (!closeRequested || closed) {
            return;
        }
        CatalystClosedException closing = h_fatal == null ? new CatalystClosedException(config.name() + " closed")
            : new CatalystClosedException(config.name() + " closed: its selector failed", h_fatal);
        h_scheduler.handleCloseAll(closing, config.errors());
        handleRunAll(h_atClose, "action at close failed");
        closed = true;
        tasks.handleDrain(config.errors()); // tasks already queued still run, so their futures complete
        h_timers.handleClear();
        try {
            poller.handleClose();
        } catch (IOException | RuntimeException | Error e) {
            config.errors().accept("closing the selector failed", e);
        }
        handleRunAfterClosed(); // the selector's close has released what it held
        handlePublish();
        terminated.complete(null); // before the latch: close() returns only once this is done
        closedLatch.countDown();
    }
}
