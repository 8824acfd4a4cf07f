package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * The body of the response a client's request gets, as a source: nothing until the head is in,
 * then each poll gives one slice, read from the socket only when the graph can move it — the
 * backpressure of DESIGN N1. A slice is a view of the connection's read buffer, valid until the
 * next poll.
 */
final class ResponseBodySource extends AbstractSource<ByteBuffer> {
    private final ClientExchange exchange;

    ResponseBodySource(Catalyst catalyst, ClientExchange exchange, String name) {
        super(catalyst, name);
        this.exchange = exchange;
    }

    /** Nothing to give before the response's head. */
    @Override
    protected boolean handleInitiallyAvailable() {
        return false;
    }

    @Override
    protected void handleOpen() {
        exchange.handleEndpointOpened();
    }

    @Override
    public ByteBuffer handlePoll() throws IOException {
        ClientConnection connection = exchange.handleConnection();
        if (connection == null) {
            if (exchange.handleDone()) {
                handleEnd(); // read to its end in the poll that ended the exchange
                return null;
            }
            return handleNothing(false);
        }
        return connection.handleNextBodySlice(this);
    }

    @Override
    protected void handleArm() {
        ClientConnection connection = exchange.handleConnection();
        if (connection != null) {
            connection.handleWantRead();
        }
    }

    /** The head is in: the body may be polled. */
    void handleHeadArrived() {
        handleSetAvailable();
    }

    /** The socket is readable. */
    void handleReadable() {
        handleSetAvailable();
    }

    /** The body has no bytes now: the bit is cleared until the socket is readable (DESIGN N2). */
    void handleNothingNow() {
        handleClearAvailable();
    }

    void handleBodyEnded() {
        handleEnd();
    }

    void handleFailed(Throwable cause) {
        handleFail(cause);
    }

    @Override
    protected void handleRelease() {
        if (!handleIsEnded()) {
            exchange.handleEndpointClosedEarly(handleCloseCause());
        }
    }
}
