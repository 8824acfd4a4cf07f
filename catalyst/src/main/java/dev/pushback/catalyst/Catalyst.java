package dev.pushback.catalyst;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;

/**
 * One thread around a {@link Selector}: keeps one availability bit per endpoint and runs a fiber
 * only when every bit of its mask is set (DESIGN N1). It is also a serial executor (DESIGN T1):
 * all IO and graph changes happen on its thread, one task at a time, in submission order.
 *
 * <pre>{@code
 * try (Catalyst catalyst = Catalyst.open()) {
 *     catalyst.execute(() -> System.out.println("on the catalyst thread"));
 *     catalyst.runOnce(0);      // or loop(), or hand it to an AgentRunner
 * }
 * }</pre>
 *
 * <p>Methods named {@code handle*} must run on the catalyst thread (DESIGN T3); with assertions
 * on they check it. Every other public method is safe from any thread.
 */
public final class Catalyst implements Agent, Executor, AutoCloseable {
    /** Default chunk size: the most bytes one move carries. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    /** Default fairness budget: moves a ready fiber makes per round (DESIGN N15). */
    public static final int DEFAULT_MOVES_PER_ROUND = 16;

    private static final long TICK_NANOS = 1L << 20; // about a millisecond

    /**
     * How a catalyst is set up.
     *
     * @param name the thread and agent name
     * @param chunkSize bytes per pooled buffer, the largest chunk one move carries
     * @param movesPerRound the fairness budget of a ready fiber per round
     * @param errors where failures nobody else observes are reported (a failed task, a failed fiber)
     */
    public record Config(String name, int chunkSize, int movesPerRound, BiConsumer<String, Throwable> errors) {
        public Config {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(errors, "errors");
            if (chunkSize < 16) {
                throw new IllegalArgumentException("chunkSize must be at least 16: " + chunkSize);
            }
            if (movesPerRound < 1) {
                throw new IllegalArgumentException("movesPerRound must be positive: " + movesPerRound);
            }
        }

        /** Defaults: 64 KiB chunks, 16 moves per round, failures printed to stderr. */
        public static Config defaults() {
            return new Config("catalyst", DEFAULT_CHUNK_SIZE, DEFAULT_MOVES_PER_ROUND, Catalyst::printError);
        }

        public Config withName(String name) {
            return new Config(name, chunkSize, movesPerRound, errors);
        }

        public Config withChunkSize(int chunkSize) {
            return new Config(name, chunkSize, movesPerRound, errors);
        }

        public Config withMovesPerRound(int movesPerRound) {
            return new Config(name, chunkSize, movesPerRound, errors);
        }

        public Config withErrors(BiConsumer<String, Throwable> errors) {
            return new Config(name, chunkSize, movesPerRound, errors);
        }
    }

    /** Receives readiness of a registered channel. */
    public interface ReadyHandler {
        /** Called on the catalyst thread with the ready operations of the channel's key. */
        void handleReady(int readyOps);
    }

    private final Config config;
    // Null when hosted: the host polls the channels and no selector is ever selected.
    private final Selector selector;
    final HostedPolling hosted;
    private final BufferPool pool;
    private final MpscUnboundedXaddArrayQueue<Runnable> tasks = new MpscUnboundedXaddArrayQueue<>(256);
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean closeRequested;
    private volatile boolean closed;
    private volatile long retainedBytes;
    private volatile long peakRetainedBytes;

    final AvailabilityBits h_bits = new AvailabilityBits();
    int h_openEndpoints;
    private final ArrayDeque<Fiber> h_ready = new ArrayDeque<>();
    private final List<Fiber> h_fibers = new ArrayList<>();
    private ArrayList<Runnable> h_roundEnd = new ArrayList<>();
    private ArrayList<Runnable> h_roundEndSpare = new ArrayList<>();
    // Insertion-ordered, O(1) removal: an endpoint closing must not cost O(endpoints) (C5).
    private final Set<Endpoint> h_bound = new LinkedHashSet<>();
    private final DeadlineTimerWheel h_wheel;
    private final Long2ObjectHashMap<Runnable> h_timerActions = new Long2ObjectHashMap<>();
    private final DeadlineTimerWheel.TimerHandler h_onTimer = this::handleTimerExpired;
    private final Consumer<SelectionKey> h_onSelected = this::handleSelected;
    private long h_earliestDeadline = Long.MAX_VALUE;
    private long h_retained;
    private long h_rounds;
    private long h_checks;
    private boolean h_keysCancelled;
    private int h_keepAlive;

    Catalyst(Config config, HostedPolling hosted) {
        this.config = config;
        this.hosted = hosted;
        this.pool = new BufferPool(config.chunkSize());
        try {
            this.selector = hosted == null ? Selector.open() : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        this.h_wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, System.nanoTime(), TICK_NANOS, 512);
    }

    /** A catalyst with {@link Config#defaults()}. */
    public static Catalyst open() {
        return new Catalyst(Config.defaults(), null);
    }

    public static Catalyst open(Config config) {
        return new Catalyst(config, null);
    }

    public Config config() {
        return config;
    }

    @Override
    public String roleName() {
        return config.name();
    }

    // ---------------------------------------------------------------- serial executor (T1, T2)

    /**
     * Runs {@code task} on the catalyst thread after every task submitted before it, with a
     * happens-before edge from this call to the run. Lock-free; wakes the selector if it sleeps.
     *
     * @throws RejectedExecutionException once the catalyst is closed
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            throw new RejectedExecutionException(config.name() + " is closed");
        }
        tasks.offer(task);
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            wakeup();
        }
    }

    private void wakeup() {
        if (hosted == null) {
            selector.wakeup();
        } else {
            hosted.wakeup();
        }
    }

    /** Marks the thread running the catalyst as about to block; tasks submitted from now on wake it. */
    void markSleeping() {
        sleeping.set(true);
    }

    void markAwake() {
        sleeping.set(false);
    }

    boolean hasTasks() {
        return !tasks.isEmpty();
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
     * catalyst.submit(catalyst::retainedBytes, myExecutor).thenAccept(bytes -> log(bytes)); // log runs on myExecutor
     * }</pre>
     */
    public <T> CompletableFuture<T> submit(Callable<T> task, Executor completeOn) {
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
        return owner.get() == Thread.currentThread();
    }

    /** With assertions on, checks that a {@code handle*} method runs on the catalyst (DESIGN T3). */
    public boolean handleAssertOwner() {
        Thread current = owner.get();
        if (current != Thread.currentThread()) {
            throw new IllegalStateException("handle* method called on " + Thread.currentThread().getName()
                + ", not on the catalyst thread" + (current == null ? " (the catalyst is not running)" : " " + current.getName()));
        }
        return true;
    }

    // ---------------------------------------------------------------- running modes (DESIGN 6)

    /** Runs rounds on the calling thread until nothing is open or {@link #close()} is called. */
    public void loop() {
        requireOwnSelector();
        boolean entered = enter();
        try {
            while (!closeRequested && handleIsAlive()) {
                handleRound(-1);
            }
            handleCloseIfRequested();
        } finally {
            leave(entered);
        }
    }

    /**
     * One round: runs due tasks and timers, one select (blocking at most {@code timeoutMillis}, 0
     * for none, and not at all when work is already waiting), then the ready fibers.
     *
     * @return the amount of work done: tasks, timers, ready keys and moves
     */
    public int runOnce(long timeoutMillis) {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeoutMillis);
        }
        requireOwnSelector();
        if (closed) {
            return 0;
        }
        boolean entered = enter();
        try {
            int work = handleRound(timeoutMillis);
            handleCloseIfRequested();
            return work;
        } finally {
            leave(entered);
        }
    }

    /** {@link Agent} duty cycle: one round that never blocks. */
    @Override
    public int doWork() {
        return runOnce(0);
    }

    /** {@link Agent} hook: the runner stops, so the catalyst closes on the runner's thread. */
    @Override
    public void onClose() {
        close();
    }

    /** Whether anything is open: endpoints, fibers, timers, queued tasks or keep-alive holds. */
    public boolean handleIsAlive() {
        return h_openEndpoints > 0 || !h_fibers.isEmpty() || h_wheel.timerCount() > 0
            || !tasks.isEmpty() || h_keepAlive > 0;
    }

    /** Keeps {@link #loop()} running while nothing else is open (a listener, a host). */
    public void handleRetainLoop() {
        h_keepAlive++;
    }

    public void handleReleaseLoop() {
        h_keepAlive--;
    }

    private void requireOwnSelector() {
        if (hosted != null) {
            throw new IllegalStateException(config.name() + " is hosted: its host runs it through HostedPolling");
        }
    }

    boolean enter() {
        Thread me = Thread.currentThread();
        Thread current = owner.get();
        if (current == me) {
            return false;
        }
        if (!owner.compareAndSet(null, me)) {
            throw new IllegalStateException(config.name() + " is already run by " + owner.get());
        }
        return true;
    }

    void leave(boolean entered) {
        if (entered) {
            owner.set(null);
        }
    }

    private int handleRound(long timeoutMillis) {
        h_rounds++;
        int work = handleRunTasks() + handleExpireTimers();
        int selected;
        try {
            if (work > 0 || !h_ready.isEmpty() || !h_roundEnd.isEmpty() || timeoutMillis == 0 || closeRequested) {
                selected = selector.selectNow(h_onSelected);
            } else {
                long wait = handleSelectTimeout(timeoutMillis);
                sleeping.set(true);
                if (!tasks.isEmpty() || closeRequested) {
                    selected = selector.selectNow(h_onSelected);
                } else {
                    selected = selector.select(h_onSelected, wait);
                }
                sleeping.set(false);
                work += handleRunTasks() + handleExpireTimers();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("select failed", e);
        }
        work += selected + handleRunFibers() + handleRunRoundEnd();
        if (h_keysCancelled) {
            handleFlushCancelledKeys();
        }
        return work;
    }

    /**
     * A channel closed while registered keeps its file descriptor until the selector deregisters
     * its key in a select; without this, a peer would not see end of stream until the next round.
     */
    private void handleFlushCancelledKeys() {
        h_keysCancelled = false;
        try {
            selector.selectNow(h_onSelected);
        } catch (IOException e) {
            throw new UncheckedIOException("select failed", e);
        }
    }

    /** Milliseconds to block: until the next timer, capped by the caller; 0 means forever. */
    private long handleSelectTimeout(long timeoutMillis) {
        long wait = timeoutMillis < 0 ? 0 : timeoutMillis;
        if (h_wheel.timerCount() > 0) {
            long untilTimer = h_earliestDeadline - System.nanoTime();
            long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilTimer + TICK_NANOS));
            wait = wait == 0 ? millis : Math.min(wait, millis);
        }
        return wait;
    }

    private int handleRunTasks() {
        int count = 0;
        Runnable task;
        // Bounded, so a task that submits tasks cannot starve IO.
        int limit = Math.max(64, tasks.size());
        while (count < limit && (task = tasks.poll()) != null) {
            count++;
            try {
                task.run();
            } catch (Throwable t) {
                config.errors().accept("task failed", t);
            }
        }
        return count;
    }

    private void handleSelected(SelectionKey key) {
        handleReady((Interest) key.attachment(), key.readyOps());
    }

    void handleReady(Interest interest, int readyOps) {
        try {
            interest.handler.handleReady(readyOps);
        } catch (Throwable t) {
            config.errors().accept("readiness handler failed", t);
        }
    }

    /** A round without a select, for a host that polls: tasks, due timers, ready fibers. */
    int handleHostedRound() {
        h_rounds++;
        int work = handleRunTasks() + handleExpireTimers() + handleRunFibers() + handleRunRoundEnd();
        handleCloseIfRequested();
        return work;
    }

    /** Nanoseconds the thread running the catalyst may block: 0 when work waits, MAX_VALUE when no timer. */
    long handleWaitNanos() {
        if (!tasks.isEmpty() || !h_ready.isEmpty() || !h_roundEnd.isEmpty() || closeRequested) {
            return 0;
        }
        if (h_wheel.timerCount() == 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, h_earliestDeadline - System.nanoTime());
    }

    private int handleRunFibers() {
        int moves = 0;
        int count = h_ready.size();
        for (int i = 0; i < count; i++) {
            Fiber fiber = h_ready.pollFirst();
            fiber.h_queued = false;
            h_checks++;
            if (!fiber.h_live) {
                continue;
            }
            moves += fiber.handleRun(config.movesPerRound());
            if (fiber.h_live && fiber.handleIsReady()) {
                handleWake(fiber); // budget spent: next round, behind the others (N15)
            }
        }
        return moves;
    }

    /** Queues a fiber to be checked this round or the next (DESIGN C3). */
    void handleWake(Fiber fiber) {
        if (!fiber.h_queued && fiber.h_live) {
            fiber.h_queued = true;
            h_ready.addLast(fiber);
        }
    }

    /**
     * Runs {@code action} once at the end of this round, after the ready fibers: for work that
     * gathers what the round produced, such as one socket write for several framed responses.
     * Added by a round-end action, it runs at the end of the next round, which does not block.
     */
    public void handleAtRoundEnd(Runnable action) {
        assert handleAssertOwner();
        h_roundEnd.add(action);
    }

    private int handleRunRoundEnd() {
        int count = h_roundEnd.size();
        if (count == 0) {
            return 0;
        }
        ArrayList<Runnable> running = h_roundEnd;
        h_roundEnd = h_roundEndSpare;
        for (int i = 0; i < count; i++) {
            try {
                running.get(i).run();
            } catch (Throwable t) {
                config.errors().accept("round-end action failed", t);
            }
        }
        running.clear();
        h_roundEndSpare = running;
        return count;
    }

    /**
     * Readiness checks made so far: one per fiber taken from the ready queue. A fiber is queued
     * only when an endpoint it waits on turned available, so this grows with ready endpoints, not
     * with the number of fibers (DESIGN C3).
     */
    public long handleChecks() {
        return h_checks;
    }

    /** Rounds run so far. */
    public long handleRounds() {
        return h_rounds;
    }

    // ---------------------------------------------------------------- graphs

    /**
     * Starts fibers: binds their unbound endpoints, giving each fiber's new bits one word where
     * they fit (DESIGN C2), registers the fibers as waiters and queues them for a first check.
     * A fiber's mask is set by {@code setMasks} after binding.
     */
    public void handleStart(List<Fiber> fibers, Consumer<Fiber> setMasks) {
        assert handleAssertOwner();
        if (closeRequested || closed) {
            for (Fiber fiber : fibers) {
                fiber.done().completeExceptionally(new RejectedExecutionException(config.name() + " is closed"));
            }
            return;
        }
        for (Fiber fiber : fibers) {
            List<Endpoint> unbound = new ArrayList<>();
            for (Endpoint endpoint : fiber.uses()) {
                if (endpoint.h_bit < 0 && !endpoint.handleIsClosed() && !unbound.contains(endpoint)) {
                    unbound.add(endpoint);
                }
            }
            int[] bits = h_bits.allocate(unbound.size());
            for (int i = 0; i < bits.length; i++) {
                Endpoint endpoint = unbound.get(i);
                h_bound.add(endpoint);
                try {
                    endpoint.handleBind(bits[i]);
                } catch (Exception e) {
                    endpoint.handleClose(e);
                }
            }
        }
        for (Fiber fiber : fibers) {
            fiber.h_live = true;
            fiber.h_index = h_fibers.size();
            h_fibers.add(fiber);
            for (Endpoint endpoint : fiber.waitsOn()) {
                endpoint.handleAddWaiter(fiber);
            }
        }
        for (Fiber fiber : fibers) {
            Throwable unstartable = handleClosedBeforeStart(fiber);
            if (unstartable != null) {
                fiber.handleFail(unstartable);
                continue;
            }
            setMasks.accept(fiber);
            handleWake(fiber);
        }
    }

    /**
     * Why a fiber cannot start: an endpoint it uses closed before it had a bit (its open failed,
     * or it was closed already). Such an endpoint has no bit to put in a mask.
     */
    private static Throwable handleClosedBeforeStart(Fiber fiber) {
        for (Endpoint endpoint : fiber.uses()) {
            if (endpoint.h_bit < 0 && endpoint.handleIsClosed()) {
                Throwable failure = endpoint.closed().handle((ok, f) -> f).getNow(null);
                return failure != null ? failure : new IOException(endpoint.name() + " was closed before its graph started");
            }
        }
        return null;
    }

    /** Removes a fiber; false when it was already gone. */
    boolean handleRetire(Fiber fiber) {
        if (!fiber.h_live) {
            return false;
        }
        fiber.h_live = false;
        Fiber last = h_fibers.remove(h_fibers.size() - 1);
        if (last != fiber) {
            h_fibers.set(fiber.h_index, last);
            last.h_index = fiber.h_index;
        }
        fiber.h_index = -1;
        for (Endpoint endpoint : fiber.waitsOn()) {
            endpoint.handleRemoveWaiter(fiber);
        }
        return true;
    }

    void handleUnbind(Endpoint endpoint) {
        h_bits.free(endpoint.h_bit);
        endpoint.handleUnbound();
        h_bound.remove(endpoint);
    }

    void handleReport(Fiber fiber, Throwable cause) {
        config.errors().accept("fiber " + fiber.name() + " failed", cause);
    }

    /** Live fibers. */
    public int handleFiberCount() {
        return h_fibers.size();
    }

    /** Endpoints bound and not yet closed. */
    public int handleOpenEndpoints() {
        return h_openEndpoints;
    }

    /** Bits allocated in the bitset. */
    public int handleAllocatedBits() {
        return h_bits.allocatedCount();
    }

    /** The endpoints currently on the frontier: bit clear and some fiber waiting (DESIGN N2). */
    public List<Endpoint> handleFrontier() {
        List<Endpoint> frontier = new ArrayList<>();
        for (Endpoint endpoint : h_bound) {
            if (!endpoint.handleIsClosed() && endpoint.handleWaiterCount() > 0 && !endpoint.handleIsAvailable()) {
                frontier.add(endpoint);
            }
        }
        return frontier;
    }

    // ---------------------------------------------------------------- channels

    /**
     * Registers a channel (made non-blocking) waiting for nothing yet; {@code handler} hears its
     * readiness once the returned interest names some operations.
     */
    public Interest handleRegister(SelectableChannel channel, ReadyHandler handler) throws IOException {
        assert handleAssertOwner();
        channel.configureBlocking(false);
        if (hosted != null) {
            Interest interest = new Interest(this, channel, handler, null);
            hosted.handleRegistered(interest);
            return interest;
        }
        SelectionKey key = channel.register(selector, 0);
        Interest interest = new Interest(this, channel, handler, key);
        key.attach(interest);
        return interest;
    }

    /** Cancels an interest and closes its channel; the descriptor is released before this round ends. */
    public void handleDeregister(Interest interest) throws IOException {
        assert handleAssertOwner();
        interest.handleCancel();
        if (hosted != null) {
            hosted.handleDeregistered(interest);
        } else {
            h_keysCancelled = true;
        }
        interest.channel().close();
    }

    public BufferPool pool() {
        return pool;
    }

    // ---------------------------------------------------------------- memory accounting (N3)

    /** Called by endpoints when they start or stop holding data bytes not yet delivered. */
    public void handleRetain(long bytes) {
        h_retained += bytes;
        assert h_retained >= 0 : "retained bytes went negative";
        retainedBytes = h_retained;
        if (h_retained > peakRetainedBytes) {
            peakRetainedBytes = h_retained;
        }
    }

    /** Data bytes held by endpoints now (pending writes, hand-offs, explicit buffers). */
    public long retainedBytes() {
        return retainedBytes;
    }

    /** The most bytes ever held at once. */
    public long peakRetainedBytes() {
        return peakRetainedBytes;
    }

    // ---------------------------------------------------------------- timers (N12)

    /** The catalyst's clock, in nanoseconds. */
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Runs {@code action} on the catalyst at or soon after {@code deadlineNanos}; returns a timer id. */
    public long handleScheduleAt(long deadlineNanos, Runnable action) {
        assert handleAssertOwner();
        long id = h_wheel.scheduleTimer(deadlineNanos);
        h_timerActions.put(id, action);
        h_earliestDeadline = Math.min(h_earliestDeadline, deadlineNanos);
        return id;
    }

    /** Cancels a timer; false if it already ran or was cancelled. */
    public boolean handleCancelTimer(long timerId) {
        if (h_timerActions.remove(timerId) == null) {
            return false;
        }
        h_wheel.cancelTimer(timerId);
        return true;
    }

    /** From any thread: runs {@code action} on the catalyst after {@code delayNanos}. */
    public void schedule(long delayNanos, Runnable action) {
        execute(() -> handleScheduleAt(nanoTime() + delayNanos, action));
    }

    private int handleExpireTimers() {
        if (h_wheel.timerCount() == 0) {
            return 0;
        }
        long now = System.nanoTime();
        if (now < h_earliestDeadline) {
            return 0;
        }
        int expired = 0;
        // The wheel advances one tick per poll; catch up to now.
        do {
            expired += h_wheel.poll(now, h_onTimer, Integer.MAX_VALUE);
        } while (h_wheel.timerCount() > 0 && h_wheel.currentTickTime() <= now);
        long[] earliest = {Long.MAX_VALUE};
        h_wheel.forEach((deadline, id) -> earliest[0] = Math.min(earliest[0], deadline));
        h_earliestDeadline = earliest[0];
        return expired;
    }

    private boolean handleTimerExpired(TimeUnit unit, long now, long timerId) {
        Runnable action = h_timerActions.remove(timerId);
        if (action != null) {
            try {
                action.run();
            } catch (Throwable t) {
                config.errors().accept("timer action failed", t);
            }
        }
        return true;
    }

    /** Timers scheduled and not yet run. */
    public long handleTimerCount() {
        return h_wheel.timerCount();
    }

    // ---------------------------------------------------------------- closing

    /**
     * Closes the catalyst: running fibers fail with {@link CatalystClosedException}, every
     * endpoint and channel is closed, helper threads stop. Safe from any thread; from another
     * thread it waits until the catalyst thread has closed everything.
     */
    @Override
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
                wakeup();
                awaitClosed();
                return;
            }
            try {
                handleCloseIfRequested();
            } finally {
                leave(entered);
            }
            if (hosted != null) {
                hosted.wakeup(); // a host blocked in its own poll learns that there is no more to wait for
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

    /** Completes once the catalyst has closed. */
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
        CatalystClosedException cause = new CatalystClosedException(config.name() + " closed");
        for (Fiber fiber : new ArrayList<>(h_fibers)) {
            fiber.handleFail(cause);
        }
        for (Endpoint endpoint : new ArrayList<>(h_bound)) {
            endpoint.handleClose(endpoint.handleIsClosed() ? null : cause);
        }
        closed = true;
        handleRunTasks(); // tasks already queued still run, so their futures complete
        Runnable late;
        while ((late = tasks.poll()) != null) {
            try {
                late.run();
            } catch (Throwable t) {
                config.errors().accept("task failed", t);
            }
        }
        h_timerActions.clear();
        h_wheel.clear();
        try {
            if (selector != null) {
                selector.close();
            }
        } catch (IOException e) {
            config.errors().accept("closing the selector failed", e);
        }
        terminated.complete(null); // before the latch: close() returns only once this is done
        closedLatch.countDown();
    }

    private static void printError(String what, Throwable cause) {
        if (cause instanceof CatalystClosedException) {
            return;
        }
        System.err.println("pushback: " + what + ": " + cause);
    }
}
