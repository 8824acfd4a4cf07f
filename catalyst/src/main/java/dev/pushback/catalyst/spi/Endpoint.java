package dev.pushback.catalyst.spi;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.internal.Access;
import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.internal.Fiber;

/**
 * One side of IO that a fiber negotiates with: a {@link AbstractSource} (its bit means "readable") or a
 * {@link AbstractSink} (its bit means "writable"). The bit is sticky (DESIGN N2): it is set until an
 * operation proves the endpoint unavailable, and only then is the endpoint put on the frontier
 * (armed) so that the catalyst learns when it is available again.
 *
 * <p>Subclasses implement the IO; this class owns the bit, the fibers that wait on it and the
 * endpoint's lifecycle. All {@code handle*} methods run on the catalyst thread (DESIGN T3).
 */
public abstract class Endpoint {
    private static final Fiber[] NO_FIBERS = new Fiber[0];

    static {
        Access.installEndpoints(new Hooks());
    }

    /** What this endpoint uses of its catalyst: registration, timers, buffers, accounting. */
    protected final Reactor reactor;
    private final Core core;
    private final String name;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    int h_bit = -1;
    private Fiber[] h_waiters = NO_FIBERS;
    private int h_waiterCount;
    private boolean h_closed;
    private Throwable h_failure;

    protected Endpoint(Catalyst catalyst, String name) {
        this.core = Core.of(catalyst);
        this.reactor = core;
        this.name = name;
    }

    /** A short human-readable name, used in plans and error messages. */
    public final String name() {
        return name;
    }

    /** The catalyst this endpoint belongs to. */
    public final Catalyst catalyst() {
        return core.catalyst();
    }

    /** Completes when the endpoint has closed: normally, or exceptionally with its failure. */
    public final CompletableFuture<Void> closed() {
        return closed;
    }

    /** The availability bit, or -1 while the endpoint is not part of a running graph. */
    public final int handleBit() {
        return h_bit;
    }

    /** Whether the endpoint is known available (its bit is set). */
    public final boolean handleIsAvailable() {
        return h_bit >= 0 && core.handleIsSet(h_bit);
    }

    public final boolean handleIsClosed() {
        return h_closed;
    }

    /** The failure the endpoint closed with, or null: open, or closed without one (its end, a cancel). */
    public final Throwable handleCloseCause() {
        return h_failure;
    }

    /**
     * Why using this closed endpoint fails: the failure it closed with, so that a fiber still
     * feeding it fails with that one cause (reported once), or a plain "closed" when it closed
     * without one.
     */
    public final Exception handleClosedFailure() {
        if (h_failure instanceof Exception e) {
            return e;
        }
        return new java.io.IOException(name + " is closed", h_failure);
    }

    /**
     * The most data bytes this endpoint can hold beyond the one chunk a fiber moves — what it adds
     * to {@link Catalyst#retainedBytes()} at worst. Used by the compiler for a plan's bound (DESIGN N3).
     */
    public long retainedBound() {
        return 0;
    }

    /** Bytes of buffers the endpoint owns while open (a read buffer), for a plan's memory bound. */
    public long ownedBufferBytes() {
        return 0;
    }

    /** Whether the endpoint should start with its bit set: optimistic by default (DESIGN N2). */
    protected boolean handleInitiallyAvailable() {
        return true;
    }

    /** Called once when the endpoint joins a running graph and has its bit. */
    protected void handleOpen() throws Exception {}

    /**
     * Called when the bit is clear and some fiber waits on it: the endpoint must arrange to learn
     * when it becomes available (register interest, start a timer, wake a helper thread).
     */
    protected void handleArm() {}

    /** Releases the endpoint's resources; called once, by {@link #handleClose(Throwable)}. */
    protected void handleRelease() throws Exception {}

    /** Marks the endpoint available and wakes the fibers that wait on it. */
    protected final void handleSetAvailable() {
        assert core.handleAssertOwner();
        if (h_bit >= 0 && core.handleSet(h_bit)) {
            core.handleWakeAll(h_waiters, h_waiterCount);
        }
    }

    /** Marks the endpoint unavailable; if a fiber waits on it, it goes on the frontier. */
    protected final void handleClearAvailable() {
        assert core.handleAssertOwner();
        if (h_bit >= 0 && core.handleClear(h_bit) && h_waiterCount > 0) {
            handleArm();
        }
    }

    void handleBind(int bit) throws Exception {
        assert h_bit < 0;
        h_bit = bit;
        if (handleInitiallyAvailable()) {
            core.handleSet(bit);
        }
        core.handleEndpointOpened();
        handleOpen();
    }

    void handleAddWaiter(Fiber fiber) {
        if (h_waiterCount == h_waiters.length) {
            h_waiters = Arrays.copyOf(h_waiters, Math.max(2, h_waiterCount * 2));
        }
        h_waiters[h_waiterCount++] = fiber;
        if (h_bit >= 0 && !core.handleIsSet(h_bit) && !h_closed) {
            handleArm();
        }
    }

    void handleRemoveWaiter(Fiber fiber) {
        for (int i = 0; i < h_waiterCount; i++) {
            if (h_waiters[i] == fiber) {
                h_waiters[i] = h_waiters[--h_waiterCount];
                h_waiters[h_waiterCount] = null;
                break;
            }
        }
        if (h_closed && h_waiterCount == 0 && h_bit >= 0) {
            core.handleUnbind(this);
        }
    }

    /** Fibers currently waiting on this endpoint. */
    public final int handleWaiterCount() {
        return h_waiterCount;
    }

    /**
     * Closes the endpoint, then tells each fiber waiting on it now, so that it ends or fails at
     * once rather than at its next move, which may never come.
     */
    final void handleCloseAndTellWaiters(Throwable failure, java.util.function.Consumer<Fiber> tell) {
        assert core.handleAssertOwner();
        if (h_closed) {
            return;
        }
        handleClose(failure);
        // A copy: ending or failing a fiber removes it from the waiters.
        for (Fiber fiber : Arrays.copyOf(h_waiters, h_waiterCount)) {
            tell.accept(fiber);
        }
    }

    /**
     * Closes the endpoint once: releases its resources and its bit, and completes {@link #closed()}
     * (exceptionally when {@code failure} is not null). Waiting fibers are woken so that they see
     * the close.
     */
    public final void handleClose(Throwable failure) {
        assert core.handleAssertOwner();
        if (h_closed) {
            return;
        }
        h_closed = true;
        Throwable releaseFailure = null;
        try {
            handleRelease();
        } catch (Exception e) {
            releaseFailure = e;
        }
        if (h_bit >= 0) {
            core.handleEndpointClosed();
            // Waiters must run to observe the close, so the bit is set; it is given back only when
            // no fiber mask names it any more, so that a reused bit never confuses a fiber.
            handleSetAvailable();
            if (h_waiterCount == 0) {
                core.handleUnbind(this);
            }
        }
        Throwable cause = failure != null ? failure : releaseFailure;
        h_failure = cause;
        if (cause == null) {
            closed.complete(null);
        } else {
            closed.completeExceptionally(cause);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /** The runtime's access to the bit and the waiters, which endpoint authors never touch. */
    private static final class Hooks implements Access.EndpointHooks {
        @Override
        public int bit(Endpoint endpoint) {
            return endpoint.h_bit;
        }

        @Override
        public void bind(Endpoint endpoint, int bit) throws Exception {
            endpoint.handleBind(bit);
        }

        @Override
        public void unbound(Endpoint endpoint) {
            endpoint.h_bit = -1;
        }

        @Override
        public void addWaiter(Endpoint endpoint, Fiber fiber) {
            endpoint.handleAddWaiter(fiber);
        }

        @Override
        public void removeWaiter(Endpoint endpoint, Fiber fiber) {
            endpoint.handleRemoveWaiter(fiber);
        }
    }
}
