package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;

/**
 * The body of a client's request, a byte sink: writable once the exchange has a connection (and,
 * with {@code Expect: 100-continue}, the server said to go on), and while the socket takes what
 * is framed — so whatever feeds it moves at the server's pace (DESIGN N1). Bytes are framed into
 * the connection's output (chunked unless a {@code Content-Length} was set), which writes them
 * once per round.
 */
final class RequestBodySink extends AbstractSink<ByteBuffer> {
    private final ClientExchange exchange;

    RequestBodySink(Catalyst catalyst, ClientExchange exchange, String name) {
        super(catalyst, name);
        this.exchange = exchange;
    }

    /** Nothing can be sent before the exchange has a connection. */
    @Override
    protected boolean handleInitiallyAvailable() {
        return false;
    }

    @Override
    protected void handleOpen() {
        exchange.handleEndpointOpened();
    }

    @Override
    public void handleAccept(ByteBuffer chunk) throws IOException {
        ClientConnection connection = exchange.handleConnection();
        if (connection == null) {
            if (exchange.handleDone()) {
                chunk.position(chunk.limit()); // answered already: the server wants no more of the body
                handleClearAvailable();
                return;
            }
            throw new IOException(exchange + ": the request is over"); // the bit is clear until a connection takes it
        }
        if (!connection.handleRequestBody(chunk)) {
            handleClearAvailable(); // the socket takes no more: wait until it does (DESIGN N1)
        }
    }

    @Override
    protected void handleInputEnded() throws IOException {
        ClientConnection connection = exchange.handleConnection();
        if (connection != null) {
            connection.handleRequestBodyEnded();
        }
    }

    /**
     * The server answered before the body was all sent and wants no more: the sink takes nothing
     * from now (its feeders are cancelled at the end of the round, outside the response's poll).
     */
    void handleRefuse() {
        handleClearAvailable();
    }

    /** The connection can take body bytes (again). */
    void handleWritable() {
        if (handleIsClosed()) {
            return;
        }
        handleSetAvailable();
        handleFinishIfDrained();
    }

    /** Pending: framed bytes the socket refused; the body is sent only once they are out. */
    @Override
    protected boolean handleHasPending() {
        ClientConnection connection = exchange.handleConnection();
        return connection != null && connection.handleOutputBlocked();
    }

    void handleFailed(Throwable cause) {
        handleFail(cause);
    }

    @Override
    protected void handleRelease() {
        if (!handleIsFinishing()) {
            exchange.handleEndpointClosedEarly(handleCloseCause());
        }
    }

    /** Framed bytes not yet written, one element framed, and a chunk's framing (DESIGN N3). */
    @Override
    public long retainedBound(long elementBytes) {
        return ConnectionOutput.COALESCE_BYTES + elementBytes + ConnectionOutput.CHUNK_FRAMING;
    }

    @Override
    public long retainedBound() {
        return retainedBound(reactor.pool().chunkSize());
    }
}
