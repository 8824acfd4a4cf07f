package dev.pushback.catalyst.spi;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct buffers of one chunk size, owned by the catalyst and lent to endpoints. An endpoint that
 * takes a buffer gives it back when it closes; nothing is allocated per chunk in steady state.
 * Catalyst thread only.
 */
public final class BufferPool {
    private final int chunkSize;
    private final ArrayDeque<ByteBuffer> h_free = new ArrayDeque<>();
    private int h_lent;

    private BufferPool(int chunkSize) {
        this.chunkSize = chunkSize;
    }

    /** A pool lending buffers of {@code chunkSize} bytes; each catalyst has one ({@link Reactor#pool()}). */
    public static BufferPool create(int chunkSize) {
        return new BufferPool(chunkSize);
    }

    /** The size of every buffer this pool lends. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Lends a cleared buffer of {@link #chunkSize()} bytes. */
    public ByteBuffer handleAcquire() {
        ByteBuffer buffer = h_free.pollLast();
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(chunkSize);
        }
        h_lent++;
        return buffer.clear();
    }

    /** Takes back a buffer lent by {@link #handleAcquire()}. */
    public void handleRelease(ByteBuffer buffer) {
        assert buffer.capacity() == chunkSize && buffer.isDirect() : "not a pool buffer";
        h_lent--;
        h_free.addLast(buffer);
    }

    /** Buffers lent and not yet returned. */
    public int handleLent() {
        return h_lent;
    }
}
