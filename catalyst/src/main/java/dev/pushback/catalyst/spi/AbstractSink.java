package dev.pushback.catalyst.spi;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.Sink;


/**
 * An endpoint that takes elements. Its bit means "writable": a fiber offers an element only while
 * the bit is set. A sink takes an offered element whole; what it cannot write now becomes its one
 * pending element and its bit stays clear until that is written (DESIGN N3, N8).
 *
 * <p>A sink counts the fibers that feed it; when the last one has ended and nothing is pending,
 * the sink finishes and closes (DESIGN N6, N11).
 *
 * @param <T> the element type; byte sinks take {@link java.nio.ByteBuffer} chunks
 */
public abstract class AbstractSink<T> extends Endpoint implements Sink<T> {
    private int h_upstream;
    private boolean h_finishing;

    protected AbstractSink(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    /** Takes an element whole: writes what it can now and keeps the rest pending. */
    public final void handleOffer(T element) throws Exception {
        assert reactor.handleAssertOwner();
        if (handleIsClosed()) {
            throw handleClosedFailure();
        }
        handleAccept(element);
    }

    /**
     * The sink's own part of {@link #handleOffer}: takes an element while the sink is open. Public
     * so that a compiled fiber can call it from its own, per-pipeline class after checking
     * {@link #handleIsClosed()} — a call made inside {@code handleOffer} would be one call site
     * shared by every sink of the program (DESIGN C4).
     */
    public abstract void handleAccept(T element) throws Exception;

    /** Whether the sink holds data not yet written. */
    protected abstract boolean handleHasPending();

    /** Bytes held pending, for the retained-bytes count; typed sinks that hold none return 0. */
    public long handlePendingBytes() {
        return 0;
    }

    /**
     * The most data bytes this sink can hold when fed elements of at most {@code elementBytes}:
     * what it adds to {@link Catalyst#retainedBytes()} at worst (DESIGN N3).
     */
    public long retainedBound(long elementBytes) {
        return retainedBound();
    }

    /**
     * The same when {@code paths} routes of one move lead into this sink (a diamond, DESIGN N9):
     * each may leave an element pending. Config-time: safe from any thread.
     */
    public long retainedBound(long elementBytes, int paths) {
        return retainedBound(elementBytes) * paths;
    }

    /**
     * Told by the compiler, before the graph starts, the largest element the fibers feeding this
     * sink can offer, so that a sink can size its buffers once. Config-time: safe from any thread.
     */
    public void expectElementBytes(long elementBytes) {}

    /** Called before the sink closes at the end of its input (flush, shut down output). */
    protected void handleFinish() throws Exception {}

    /** One more fiber feeds this sink. */
    public final void handleAddUpstream() {
        h_upstream++;
    }

    /** A fiber feeding this sink has ended; after the last one, the sink finishes. */
    public final void handleUpstreamEnded() {
        if (--h_upstream == 0) {
            h_finishing = true;
            if (!handleIsClosed()) {
                try {
                    handleInputEnded();
                } catch (Exception e) {
                    handleFailedFinishing(e);
                    return;
                }
            }
            handleFinishIfDrained();
        }
    }

    /**
     * The last fiber feeding this sink has ended: a sink that frames its output may add what
     * closes it (a last chunk) here, as pending output; it closes once that is written.
     */
    protected void handleInputEnded() throws Exception {}

    /**
     * The consumer wants nothing more — a Reactive Streams cancel, not a failure (DESIGN N11): the
     * sink closes and every fiber feeding it ends now, as if its input had ended (its sources
     * close, its other sinks hear the end), and nothing is reported. {@code reason}, when not
     * null, is the consumer's own failure: it completes {@link #closed()} exceptionally.
     *
     * <p>Only for a sink whose graph has started (it has its bit): a sink cancelled before that
     * must wait for {@link #handleOpen()}, since its fibers are not yet waiting on it.
     */
    public final void handleCancel(Throwable reason) {
        handleCloseAndTellWaiters(reason, fiber -> fiber.handleSinkCancelled(this));
    }

    /**
     * The sink failed on its own — its IO broke, a connection it needs could not be made: it
     * closes with {@code cause} and the fibers that feed it fail now (DESIGN N11), with that one
     * cause, reported once — not at their next offer, which waits until their source gives, and
     * so could hold the failure back for as long as the source is quiet.
     */
    protected final void handleFail(Throwable cause) {
        handleCloseAndTellWaiters(cause, fiber -> fiber.handleFail(cause));
    }

    /** Whether every fiber feeding the sink has ended. */
    public final boolean handleIsFinishing() {
        return h_finishing;
    }

    /** Closes the sink if its input has ended and nothing is pending. */
    protected final void handleFinishIfDrained() {
        if (!h_finishing || handleIsClosed() || handleHasPending()) {
            return;
        }
        try {
            handleFinish();
            handleClose(null);
        } catch (Exception e) {
            handleFailedFinishing(e);
        }
    }

    /**
     * Finishing failed after every fiber feeding the sink had ended, so no fiber reports it:
     * the sink reports it, once, and closes with it.
     */
    private void handleFailedFinishing(Exception e) {
        handleReportFinishing(e);
        handleClose(e);
    }

    /**
     * Reports a failure to finish, once; a sink whose owner reports it with more context (an HTTP
     * exchange, with its request line) leaves it to the owner.
     */
    protected void handleReportFinishing(Exception e) {
        reactor.handleReport(name() + " failed while finishing", e);
    }
}
