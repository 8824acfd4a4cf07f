package dev.pushback.catalyst.spi;

import dev.pushback.catalyst.Catalyst;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A sink of byte chunks with the pending-element rule (DESIGN N3, N8): an offered chunk is written
 * once; what is left is copied into the sink's own pending buffer, the bit is cleared and the sink
 * drains the pending bytes when the underlying IO is writable again. Chunks offered in the same
 * move while bytes are pending are appended (an expansion, or a diamond, DESIGN N9).
 */
public abstract class AbstractByteSink extends AbstractSink<ByteBuffer> {
    private ByteBuffer h_pending;
    private ByteBuffer h_large; // kept for elements over a chunk, so slow sinks allocate once

    protected AbstractByteSink(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    /** Writes without blocking; returns the bytes written, possibly 0. */
    protected abstract int handleWrite(ByteBuffer source) throws IOException;

    /** Arranges to call {@link #handleDrain()} once the underlying IO can take bytes again. */
    protected abstract void handleArmDrain();

    @Override
    public final void handleAccept(ByteBuffer chunk) throws IOException {
        if (h_pending == null && chunk.hasRemaining()) {
            handleWrite(chunk);
        }
        if (chunk.hasRemaining()) {
            handleAppendPending(chunk);
            handleClearAvailable();
            handleArmDrain();
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

    /** One pending chunk: the unwritten rest of one element (DESIGN N3). */
    @Override
    public long retainedBound() {
        return reactor.pool().chunkSize();
    }

    /** The unwritten rest of one element of at most {@code elementBytes}. */
    @Override
    public long retainedBound(long elementBytes) {
        return elementBytes;
    }

    @Override
    protected boolean handleHasPending() {
        return h_pending != null;
    }

    @Override
    public final long handlePendingBytes() {
        return h_pending == null ? 0 : h_pending.remaining();
    }

    @Override
    protected void handleRelease() throws Exception {
        if (h_pending != null) {
            reactor.handleRetain(-h_pending.remaining());
            handleReturn(h_pending);
            h_pending = null;
        }
        h_large = null;
    }
}
