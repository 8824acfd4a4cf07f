package dev.pushback.catalyst.spi;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.Executor;

import dev.pushback.catalyst.Catalyst;

/**
 * What an endpoint uses of the catalyst it belongs to: channel registration, timers, the buffer
 * pool, the retained-bytes account and the error reporter. Every endpoint has one ({@link
 * Endpoint#reactor}); {@link #of(Catalyst)} gives it for any catalyst.
 *
 * <pre>{@code
 * Interest interest = reactor.handleRegister(channel, ops -> handleReadable());
 * interest.handleSetOps(SelectionKey.OP_READ);   // on the frontier until the channel is readable
 * }</pre>
 *
 * <p>{@code handle*} methods run on the catalyst thread only (see the package documentation);
 * {@link #execute}, {@link #catalyst()}, {@link #config()}, {@link #nanoTime()} and
 * {@link #inCatalyst()} are safe from any thread.
 */
public interface Reactor extends Executor {
    /** The reactor of {@code catalyst}. */
    static Reactor of(Catalyst catalyst) {
        return dev.pushback.catalyst.internal.Core.of(catalyst);
    }

    /** The catalyst, as users see it. */
    Catalyst catalyst();

    Catalyst.Config config();

    /** Runs {@code task} on the catalyst thread, after every task submitted before it (DESIGN T2). */
    @Override
    void execute(Runnable task);

    /** Whether the calling thread runs this catalyst now. */
    boolean inCatalyst();

    /** The catalyst's clock, in nanoseconds: the one its timers run on. */
    long nanoTime();

    /** With assertions on: {@code assert reactor.handleAssertOwner();} checks the thread (DESIGN T3). */
    boolean handleAssertOwner();

    /** Direct buffers of one chunk, lent to endpoints. */
    BufferPool pool();

    /**
     * Registers a channel (made non-blocking), waiting for nothing yet; {@code handler} hears its
     * readiness once the returned interest names some operations.
     */
    Interest handleRegister(SelectableChannel channel, ReadyHandler handler) throws IOException;

    /** Cancels an interest and closes its channel; the descriptor is released before this round ends. */
    void handleDeregister(Interest interest) throws IOException;

    /** The endpoint starts ({@code bytes > 0}) or stops holding data bytes not yet delivered (DESIGN N3). */
    void handleRetain(long bytes);

    /** Runs {@code action} at or soon after {@code deadlineNanos} on {@link #nanoTime()}'s clock; returns a timer id. */
    long handleScheduleAt(long deadlineNanos, Runnable action);

    /** Cancels a timer; false if it already ran or was cancelled. */
    boolean handleCancelTimer(long timerId);

    /**
     * Runs {@code action} once at the end of this round, after the ready fibers: for work that
     * gathers what the round produced, such as one socket write for several framed responses.
     */
    void handleAtRoundEnd(Runnable action);

    /**
     * Runs {@code action} once the channels closed so far have given their file descriptors back
     * to the system. A selector keeps a registered channel's descriptor until it next selects, so
     * a budget of descriptors (DESIGN N13) returns a slot with this, not at {@code close()}: with
     * its own selector the catalyst runs the action at the end of this round, after releasing the
     * descriptors; hosted (DESIGN section 6), in the next round, after the host has selected.
     */
    void handleAfterChannelsClosed(Runnable action);

    /**
     * Runs {@code action} when the catalyst closes, on its thread, after its fibers have failed
     * with the close and before its selector closes: for a session the catalyst does not know as
     * an endpoint (a protocol connection that drives its own socket), so that a close reaches it
     * (DESIGN section 4). Runs at most once; an action that has nothing left to do returns.
     */
    void handleAtClose(Runnable action);

    /** Keeps {@code loop()} running while nothing else is open (a listener, a host). */
    void handleRetainLoop();

    void handleReleaseLoop();

    /** Rounds run so far: the number of the round running now, to tell one round from the next. */
    long handleRounds();

    /** Reports a failure nobody else observes, once, through the catalyst's error reporter. */
    void handleReport(String what, Throwable cause);
}
