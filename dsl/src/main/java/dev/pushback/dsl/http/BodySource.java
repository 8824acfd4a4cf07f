package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * The current request's body as a source: each poll gives one slice, read from the socket only
 * when the exchange's fiber can move it — the backpressure of DESIGN N1. A slice is a view of the
 * connection's read buffer, valid until the next poll. The socket is the connection's: a body not
 * read to its end is skipped after the exchange, or the connection closes.
 */
final class BodySource extends AbstractSource<ByteBuffer> {
    private final HttpConnection connection;

    BodySource(Catalyst catalyst, HttpConnection connection) {
        super(catalyst, "request body");
        this.connection = connection;
    }

    @Override
    public ByteBuffer handlePoll() throws IOException {
        return connection.handleNextBodySlice(this);
    }

    /** The body has no bytes now: the bit is cleared until the socket is readable (DESIGN N2). */
    void handleNothingNow() {
        handleClearAvailable();
    }

    /** The body is read to its end. */
    void handleBodyEnded() {
        handleEnd();
    }

    @Override
    protected void handleArm() {
        connection.handleWantRead();
    }

    /** The socket is readable. */
    void handleReadable() {
        handleSetAvailable();
    }
}
