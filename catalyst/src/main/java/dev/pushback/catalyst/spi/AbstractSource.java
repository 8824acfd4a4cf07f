package dev.pushback.catalyst.spi;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.Source;

/**
 * An endpoint that gives elements. Its bit means "a poll may give an element". A fiber polls only
 * while the bit is set; a poll that finds nothing clears the bit (DESIGN N2).
 *
 * @param <T> the element type; byte sources give {@link java.nio.ByteBuffer} chunks
 */
public abstract class AbstractSource<T> extends Endpoint implements Source<T> {
    private boolean h_ended;

    protected AbstractSource(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    /**
     * Returns the next element, or {@code null} when there is none now — then the source has
     * cleared its bit — or when it has ended ({@link #handleIsEnded()}). The element stays valid
     * until {@link #handleConsumed()}.
     */
    public abstract T handlePoll() throws Exception;

    /**
     * The largest element this source gives, in bytes, for the plan's memory bound: the sinks it
     * feeds may have to hold one such element pending (DESIGN N3). One chunk unless the source
     * says otherwise. Config-time: safe from any thread.
     */
    public long maxElementBytes() {
        return reactor.config().chunkSize();
    }

    /** The element given by the last poll is no longer used; its buffer may be reused. */
    public void handleConsumed() {}

    /** Whether the source has given its last element. */
    public final boolean handleIsEnded() {
        return h_ended;
    }

    /**
     * What {@link #handlePoll()} returns when it has nothing now: the end of the stream if the
     * input has ended, else the bit is cleared (DESIGN N2). Always {@code null}.
     */
    protected final T handleNothing(boolean inputEnded) {
        if (inputEnded) {
            handleEnd();
        } else {
            handleClearAvailable();
        }
        return null;
    }

    /** Marks the end of the stream; the bit is set so that the waiting fiber polls and sees it. */
    protected final void handleEnd() {
        h_ended = true;
        handleSetAvailable();
    }

    /**
     * The source failed: it closes with {@code cause} and the fibers that read it fail now (DESIGN
     * N11) — not at their next poll, which would wait until every sink is writable again, and
     * so would hold a failure back from a consumer that has no demand.
     */
    protected final void handleFail(Throwable cause) {
        handleCloseAndTellWaiters(cause, fiber -> fiber.handleFail(cause));
    }
}
