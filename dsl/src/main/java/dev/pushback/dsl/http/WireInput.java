package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.spi.AbstractByteSource;

/**
 * What a connection has read from its {@link Wire} and not yet parsed: the last chunk the wire's
 * source gave (one pooled buffer, decrypted first for TLS), in read mode, parsed in place by a
 * {@link RequestReader} or a {@link ResponseReader}. A buffer is read again only once its parser
 * has taken all of it. Catalyst thread only.
 */
final class WireInput {
    /** {@link #handleFill()}: the socket has no bytes now. */
    static final int NOTHING_NOW = 0;
    /** {@link #handleFill()}: the peer has closed its side. */
    static final int END_OF_INPUT = -1;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Wire wire;
    private final AbstractByteSource in;
    private ByteBuffer h_in = EMPTY;
    private boolean h_readShort;

    WireInput(Wire wire) {
        this.wire = wire;
        this.in = wire.in();
    }

    /** The bytes read and not yet parsed, in read mode. */
    ByteBuffer handleBuffer() {
        return h_in;
    }

    boolean handleHasRemaining() {
        return h_in.hasRemaining();
    }

    /**
     * One read: bytes read, {@link #NOTHING_NOW} when none are there now, {@link #END_OF_INPUT}
     * at the end of the stream. After a read that did not fill the buffer, the socket is most
     * likely drained: the next fill waits for readiness instead of trying, which saves a read
     * that would find nothing. The selector is level-triggered, so bytes that did arrive are
     * reported at once. A TLS source gives a short chunk only when it holds nothing more itself,
     * so the same holds for it.
     */
    int handleFill() throws IOException {
        if (h_readShort) {
            h_readShort = false;
            return NOTHING_NOW;
        }
        ByteBuffer chunk = in.handlePoll();
        if (chunk == null) {
            h_in = EMPTY; // the source's buffer was cleared for the read
            return in.handleIsEnded() ? END_OF_INPUT : NOTHING_NOW;
        }
        h_in = chunk;
        h_readShort = chunk.limit() < chunk.capacity();
        return chunk.remaining();
    }

    /** The socket is to say when it is readable (the connection's {@code ReadyHandler} hears it). */
    void handleWantRead() {
        wire.handleAwaitReadable();
    }

    /** The connection closed: the source's buffer is no longer read. */
    void handleClose() {
        h_in = EMPTY;
    }
}
