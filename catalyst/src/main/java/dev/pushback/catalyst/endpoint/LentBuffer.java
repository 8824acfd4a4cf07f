package dev.pushback.catalyst.endpoint;

import java.nio.ByteBuffer;

import dev.pushback.catalyst.spi.BufferPool;

/**
 * A buffer borrowed from the catalyst's pool only while it holds bytes, so that an idle
 * connection holds none (a TLS connection keeps records between reads and writes, but mostly it
 * keeps nothing). Kept in read mode: position to limit is what it holds. When the pool's chunks
 * are smaller than {@code size}, the buffer is the connection's own and is kept. Catalyst thread only.
 */
final class LentBuffer {
    private final BufferPool pool;
    private final boolean pooled;
    private final int capacity;
    private ByteBuffer h_buffer;

    LentBuffer(BufferPool pool, int size) {
        this.pool = pool;
        this.pooled = pool.chunkSize() >= size;
        this.capacity = pooled ? pool.chunkSize() : size;
    }

    /** The most bytes it can hold, for the memory bound (DESIGN N3). */
    int capacity() {
        return capacity;
    }

    /** The buffer, borrowed now if it was not: empty, in read mode. */
    ByteBuffer handleGet() {
        if (h_buffer == null) {
            h_buffer = pooled ? pool.handleAcquire() : ByteBuffer.allocateDirect(capacity);
            h_buffer.flip();
        }
        return h_buffer;
    }

    /** Bytes it holds. */
    int handleRemaining() {
        return h_buffer == null ? 0 : h_buffer.remaining();
    }

    boolean handleHasRemaining() {
        return h_buffer != null && h_buffer.hasRemaining();
    }

    /** Gives a pooled buffer back once it holds nothing. */
    void handleReleaseIfEmpty() {
        if (pooled && h_buffer != null && !h_buffer.hasRemaining()) {
            pool.handleRelease(h_buffer);
            h_buffer = null;
        }
    }

    /** Gives the buffer back, whatever it holds (the connection closed). */
    void handleRelease() {
        if (pooled && h_buffer != null) {
            pool.handleRelease(h_buffer);
        }
        h_buffer = null;
    }
}
