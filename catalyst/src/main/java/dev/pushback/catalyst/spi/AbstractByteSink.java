package dev.pushback.catalyst.spi;

import dev.pushback.catalyst.Catalyst;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A sink of byte chunks with the pending-element rule (DESIGN N3, N8): an offered chunk is written
 * once; what is left is copied into the sink's own pending buffer, the bit is cleared and the sink
 * drains the pending bytes when the underlying IO is writable again. Chunks offered in the same
 * move while bytes are pending are appended (an expansion, or a diamond, DESIGN N9).
 *
 * <p>Small elements are gathered (DESIGN N16): an element smaller than a sixteenth of a chunk is copied
 * into one pooled chunk instead of being written on its own, and the chunk is written when it is
 * full, when a larger element comes, or at the end of the round — before the catalyst could
 * sleep, so a line typed on a terminal still goes out at once. A round of short lines is then one
 * write, not one per line. What is gathered is the sink's one pending chunk, counted in
 * {@link #retainedBound(long)}; a gather that is only partly written becomes the pending element.
 */
public abstract class AbstractByteSink extends AbstractSink<ByteBuffer> {
    private ByteBuffer h_pending;
    private ByteBuffer h_large; // kept for elements over a chunk, so slow sinks allocate once
    // Small elements gathered into one write (N16), in fill mode; null until the first small one.
    private ByteBuffer h_gather;
    private int h_gathered; // bytes in h_gather, counted as retained, whatever mode the buffer is in
    private boolean h_flushQueued;
    private final Runnable h_flushAtRoundEnd = this::handleFlushAtRoundEnd;

    protected AbstractByteSink(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    /** Writes without blocking; returns the bytes written, possibly 0. */
    protected abstract int handleWrite(ByteBuffer source) throws IOException;

    /** Arranges to call {@link #handleDrain()} once the underlying IO can take bytes again. */
    protected abstract void handleArmDrain();

    @Override
    public final void handleAccept(ByteBuffer chunk) throws IOException {
        handleTake(chunk, gatherBelow());
    }

    /**
     * Takes a chunk its caller has gathered already — a protocol stage's framed output, written
     * once a round — so it is written now, after what this sink gathered, and not gathered again.
     * What the IO does not take is pending, as for any element.
     */
    public final void handleAcceptGathered(ByteBuffer chunk) throws IOException {
        handleTake(chunk, 0);
    }

    /** Takes {@code chunk} whole; one shorter than {@code gatherBelow} is gathered (N16). */
    private void handleTake(ByteBuffer chunk, int gatherBelow) throws IOException {
        if (h_pending == null && chunk.hasRemaining()) {
            int length = chunk.remaining();
            ByteBuffer gather = h_gather;
            if (h_gathered > 0) {
                if (length <= gather.remaining() && length < gatherBelow) {
                    handleGather(gather, chunk);
                    return;
                }
                handleFlushGathered(); // a larger element: what is gathered goes first, in order
            } else if (length < gatherBelow) {
                if (gather == null) {
                    gather = h_gather = reactor.pool().handleAcquire();
                }
                handleGather(gather, chunk);
                return;
            }
            if (h_pending == null) {
                handleWrite(chunk);
            }
        }
        if (chunk.hasRemaining()) {
            handleAppendPending(chunk);
            handleClearAvailable();
            handleArmDrain();
        }
    }

    /**
     * Elements shorter than this are gathered: a sixteenth of a chunk (4 KiB of 64), so a gathered
     * write replaces at least sixteen. Larger ones go out as they are: copying them would cost
     * about what the writes it saves cost (measured on tee, whose pipe reads are 8 to 64 KiB).
     */
    private int gatherBelow() {
        return reactor.pool().chunkSize() >>> 4;
    }

    private void handleGather(ByteBuffer gather, ByteBuffer chunk) throws IOException {
        int length = chunk.remaining();
        boolean first = h_gathered == 0;
        gather.put(chunk);
        h_gathered += length;
        reactor.handleRetain(length);
        if (gather.remaining() < gatherBelow()) {
            handleFlushGathered(); // full: no small element would fit any more
        } else if (first && !h_flushQueued) {
            h_flushQueued = true;
            reactor.handleAtRoundEnd(h_flushAtRoundEnd);
        }
    }

    private void handleFlushAtRoundEnd() {
        h_flushQueued = false;
        if (handleIsClosed()) {
            return;
        }
        try {
            handleFlushGathered();
        } catch (IOException e) {
            if (handleIsFinishing()) {
                handleReportFinishing(e); // no fiber feeds it any more to carry the failure
            }
            handleClose(e);
            return;
        }
        handleFinishIfDrained();
    }

    /**
     * Writes what is gathered. What the IO does not take becomes the pending element (the gather
     * buffer itself, no copy): the bit is cleared until it drains.
     */
    private void handleFlushGathered() throws IOException {
        ByteBuffer gather = h_gather;
        if (h_gathered == 0 || h_pending != null) {
            return;
        }
        gather.flip();
        int written = handleWrite(gather);
        h_gathered -= written;
        reactor.handleRetain(-written);
        if (gather.hasRemaining()) {
            h_pending = gather; // read mode: the unwritten rest, counted as retained already
            h_gather = null;
            h_gathered = 0;
            handleClearAvailable();
            handleArmDrain();
        } else {
            gather.clear();
        }
    }

    private void handleAppendPending(ByteBuffer chunk) {
        int length = chunk.remaining();
        if (h_pending == null) {
            h_pending = length <= reactor.pool().chunkSize() ? reactor.pool().handleAcquire() : handleLarge(length);
            h_pending.clear().flip();
        } else if (h_pending.capacity() - h_pending.limit() < length) {
            ByteBuffer larger = ByteBuffer.allocateDirect(
                Math.max(h_pending.remaining() + length, 2 * h_pending.capacity()));
            larger.put(h_pending).flip();
            handleReturn(h_pending);
            h_pending = larger;
        }
        int start = h_pending.position();
        h_pending.position(h_pending.limit()).limit(h_pending.limit() + length);
        h_pending.put(chunk).position(start);
        reactor.handleRetain(length);
    }

    /**
     * Writes pending bytes until none are left (then the sink is available again) or the
     * underlying IO takes no more (then it stays armed).
     */
    protected final void handleDrain() {
        if (h_pending == null || handleIsClosed()) {
            return;
        }
        try {
            while (h_pending.hasRemaining()) {
                int written = handleWrite(h_pending);
                reactor.handleRetain(-written);
                if (written == 0) {
                    handleArmDrain();
                    return;
                }
            }
        } catch (IOException e) {
            handleClose(e);
            return;
        }
        handleReturn(h_pending);
        h_pending = null;
        handleSetAvailable();
        handleFinishIfDrained();
    }

    private ByteBuffer handleLarge(int length) {
        if (h_large == null || h_large.capacity() < length) {
            h_large = ByteBuffer.allocateDirect(length);
        }
        return h_large;
    }

    private void handleReturn(ByteBuffer buffer) {
        if (buffer.capacity() == reactor.pool().chunkSize()) {
            reactor.pool().handleRelease(buffer);
        } else if (h_large == null || buffer.capacity() > h_large.capacity()) {
            h_large = buffer;
        }
    }

    /** One pending chunk, and one gathered chunk (DESIGN N3, N16). */
    @Override
    public long retainedBound() {
        return 2L * reactor.pool().chunkSize();
    }

    /**
     * The unwritten rest of one element of at most {@code elementBytes}, after a gathered chunk
     * that was only partly written: a larger element that follows small ones is taken whole.
     */
    @Override
    public long retainedBound(long elementBytes) {
        return elementBytes + gatheredBound();
    }

    /** One element per path, and the one gathered chunk the sink has whatever the paths. */
    @Override
    public long retainedBound(long elementBytes, int paths) {
        return (retainedBound(elementBytes) - gatheredBound()) * paths + gatheredBound();
    }

    /** The most bytes gathered and not yet written (DESIGN N16): one chunk. */
    protected final long gatheredBound() {
        return reactor.pool().chunkSize();
    }

    @Override
    protected boolean handleHasPending() {
        return h_pending != null || h_gathered > 0;
    }

    /** Whether the unwritten rest of an element waits for the IO to take it (the bit is clear). */
    protected final boolean handleHasPendingElement() {
        return h_pending != null;
    }

    /**
     * The pending element and the gathered bytes; a sink that holds bytes below its elements (a
     * TLS sink's records made and not yet written) adds them, so that an owner waiting for this
     * to reach 0 knows everything is out.
     */
    @Override
    public long handlePendingBytes() {
        return (h_pending == null ? 0 : h_pending.remaining()) + h_gathered;
    }

    @Override
    protected void handleRelease() throws Exception {
        if (h_pending != null) {
            reactor.handleRetain(-h_pending.remaining());
            handleReturn(h_pending);
            h_pending = null;
        }
        if (h_gather != null) {
            reactor.handleRetain(-h_gathered); // a write that failed left the buffer in either mode
            reactor.pool().handleRelease(h_gather);
            h_gather = null;
            h_gathered = 0;
        }
        h_large = null;
    }
}
