package dev.pushback.dsl.http;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletionException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.spi.Reactor;

/**
 * One pooled connection of an {@link HttpClient}: a client session on the catalyst (DESIGN
 * section 4) — one request out, its response in, then back to its pool, until either side
 * closes. It rides on the socket's endpoints, or TLS endpoints over them ({@link Wire}), writes
 * through a {@link ConnectionOutput} (a request's head and its first body bytes share a write)
 * and reads through a {@link ResponseReader}, one event at a time: the head as soon as it
 * comes, the body only as fast as the exchange's graph takes it (DESIGN N1) — a slow reader of
 * the response stops the connection reading, and the server's sending with it.
 *
 * <p>One timer looks after it: while idle, the idle timeout; during an exchange, the response
 * timeout, which runs only while the connection waits on the server (for the head once the
 * request is sent, for body bytes the graph asked for, for the socket to take request bytes),
 * and the second an {@code Expect: 100-continue} waits for the server's go-ahead.
 */
final class ClientConnection implements ReadyHandler, ConnectionOutput.Owner {
    /** How long a body waits for {@code 100 Continue} before it goes anyway (RFC 9110 §10.1.1; curl waits 1 s too). */
    static final long CONTINUE_NANOS = 1_000_000_000L;

    private enum State { CONNECTING, IDLE, EXCHANGE, CLOSED }

    private final Catalyst catalyst;
    private final Reactor reactor;
    private final ClientPools.Pool pool;
    private final HttpClient.Options options;
    private final Runnable h_timerFired = this::handleTimer;

    private State h_state = State.CONNECTING;
    private Wire h_wire;
    private ResponseReader h_reader;
    private ConnectionOutput h_output;
    private ClientExchange h_exchange;
    private int h_served; // exchanges this connection has finished
    private boolean h_requestEnded;
    private boolean h_headSeen;
    private boolean h_keepAlive;
    private boolean h_continueWait;
    private boolean h_starved; // the graph asked for body bytes the server has not sent
    private long h_bodyBytes;
    private long h_lastProgress;
    private long h_idleSince;
    private long h_continueDeadline;
    private long h_timer = -1;

    ClientConnection(Catalyst catalyst, ClientPools.Pool pool, HttpClient.Options options) {
        this.catalyst = catalyst;
        this.reactor = Reactor.of(catalyst);
        this.pool = pool;
        this.options = options;
    }

    /**
     * Connects for {@code first}, which the connection serves once connected.
     *
     * @throws IOException when no socket can be opened for it
     */
    void handleConnect(ClientExchange first) throws IOException {
        h_exchange = first;
        first.handleBegin(this);
        Origin origin = pool.origin;
        Wire.handleConnect(catalyst, origin.address(), options.connect(), origin.tls() ? options.tls() : null,
            origin.host(), origin.port(), this).whenComplete(this::handleConnected);
    }

    private void handleConnected(Wire wire, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            ClientExchange exchange = h_exchange;
            h_exchange = null;
            h_state = State.CLOSED;
            pool.handleClosed(this);
            if (exchange != null) {
                exchange.handleFail(exchange.handleFailure(cause.getMessage(), cause, cause instanceof SocketTimeoutException));
            }
            return;
        }
        if (h_state == State.CLOSED) {
            wire.handleCloseAbruptly(); // given up while connecting
            return;
        }
        h_wire = wire;
        h_reader = new ResponseReader(wire, options.limits());
        h_output = new ConnectionOutput(reactor, wire.out(), this);
        if (h_exchange != null) {
            handleStartExchange();
        } else {
            handleBecomeIdle();
        }
    }

    // ---------------------------------------------------------------- exchanges

    /** Takes {@code exchange}: now, or once connected. */
    void handleBegin(ClientExchange exchange) {
        h_exchange = exchange;
        exchange.handleBegin(this);
        if (h_state == State.IDLE) {
            handleStartExchange();
        }
    }

    private void handleStartExchange() {
        ClientExchange exchange = h_exchange;
        h_state = State.EXCHANGE;
        h_requestEnded = !exchange.handleHasBody();
        h_headSeen = false;
        h_keepAlive = false;
        h_starved = false;
        h_bodyBytes = 0;
        h_continueWait = exchange.handleExpectsContinue();
        long now = reactor.nanoTime();
        h_lastProgress = now;
        h_continueDeadline = now + CONTINUE_NANOS;
        byte[] head = exchange.handleHead();
        h_output.handleActive();
        h_output.handleRoom(head.length).put(head);
        h_reader.handleExpect(exchange.method());
        handleArmTimer(h_continueWait ? h_continueDeadline : now + options.responseTimeout().toNanos());
        try {
            h_output.handleFramed(); // written at the end of the round, with the body's first bytes if they come in it
        } catch (IOException e) {
            handleFailExchange("cannot send the request: " + e.getMessage(), e, false);
            return;
        }
        if (!h_requestEnded && !h_continueWait) {
            exchange.handleBody().handleWritable();
        }
        handleReadHead();
    }

    /** For the request's sink: frames body bytes; false when the socket takes no more now. */
    boolean handleRequestBody(ByteBuffer chunk) throws IOException {
        if (h_state != State.EXCHANGE || h_requestEnded) {
            throw new IOException(h_exchange + ": the request body cannot be sent any more");
        }
        int length = chunk.remaining();
        h_bodyBytes += length;
        long declared = h_exchange.handleContentLength();
        if (declared >= 0) {
            if (h_bodyBytes > declared) {
                throw new IOException(h_exchange + ": request body longer than its Content-Length " + declared);
            }
            h_output.handleRoom(length).put(chunk);
        } else if (length > 0) {
            h_output.handleFrameChunk(chunk);
        }
        return h_output.handleFramed();
    }

    /** For the request's sink: the body is complete. */
    void handleRequestBodyEnded() throws IOException {
        if (h_state != State.EXCHANGE || h_requestEnded) {
            return;
        }
        long declared = h_exchange.handleContentLength();
        if (declared < 0) {
            h_output.handleFrameLastChunk();
        } else if (h_bodyBytes < declared) {
            throw new IOException(h_exchange + ": request body shorter than its Content-Length " + declared);
        }
        h_requestEnded = true;
        h_lastProgress = reactor.nanoTime(); // the response timeout runs from here
        h_output.handleFramed();
    }

    boolean handleOutputBlocked() {
        return h_output != null && h_output.handleBlocked();
    }

    /** Reads until the response's head is in (interim responses dropped), or the socket has nothing now. */
    private void handleReadHead() {
        try {
            while (h_state == State.EXCHANGE && !h_headSeen) {
                int got = h_reader.handlePump();
                if (got == ResponseReader.NOTHING_NOW) {
                    h_reader.handleWantRead();
                    return;
                }
                if (got == ResponseReader.END_OF_INPUT) {
                    handleClosedBeforeResponse(null);
                    return;
                }
                HttpError error = h_reader.handleError();
                if (error != null) {
                    handleFailExchange("bad response from " + pool.origin + ": " + error.reason(), null, false);
                    return;
                }
                if (h_reader.handleInterim() != null) {
                    if (h_reader.handleInterim().status() == 100 && h_continueWait) {
                        handleContinue();
                    }
                    continue; // 1xx: the final response follows (RFC 9110 §15.2)
                }
                ResponseHead head = h_reader.handleHead();
                if (head != null) {
                    handleHeadArrived(head);
                }
            }
        } catch (IOException e) {
            handleClosedBeforeResponse(e);
        }
    }

    private void handleHeadArrived(ResponseHead head) {
        ClientExchange exchange = h_exchange;
        h_headSeen = true;
        h_keepAlive = head.keepAlive();
        h_lastProgress = reactor.nanoTime();
        if (h_continueWait) {
            // A final answer before 100 (417, 401, a redirect): the body is not sent, and as its
            // length was announced the connection cannot carry another request (RFC 9110 §10.1.1).
            h_continueWait = false;
            h_keepAlive = false;
        }
        exchange.handleHeadArrived(head);
        if (exchange.handleDone()) { // the response's action failed the exchange
            h_exchange = null;
            handleClose();
            return;
        }
        if (!exchange.handleReadsResponse()) {
            handleSkipBody();
        }
    }

    /** The server said to go on (or the wait is over): the body may move. */
    private void handleContinue() {
        h_continueWait = false;
        if (h_exchange != null && h_exchange.handleBody() != null) {
            h_exchange.handleBody().handleWritable();
        }
    }

    /**
     * The server closed, or the socket failed, before the response's head was in. A reused
     * connection that closes before any byte of the response was closed by the server while it
     * was idle: a request without a body goes again, once, on a new connection.
     */
    private void handleClosedBeforeResponse(IOException cause) {
        ClientExchange exchange = h_exchange;
        if (h_served > 0 && !h_reader.handleReadAny() && exchange.handleMayRetry()) {
            h_exchange = null;
            handleClose();
            exchange.handleRetry();
            return;
        }
        String what = cause != null ? "the connection to " + pool.origin + " failed before the response: " + cause.getMessage()
            : pool.origin + " closed the connection before it answered";
        handleFailExchange(what, cause, false);
    }

    /**
     * For the response's source: the next slice of the body, or null (nothing now, or the end).
     *
     * @throws HttpClientException when the response is bad or cut short: the source's fiber fails with it
     */
    ByteBuffer handleNextBodySlice(ResponseBodySource source) throws IOException {
        while (true) {
            if (h_reader.handleResponseEnded()) {
                handleResponseDone();
                source.handleBodyEnded();
                return null;
            }
            int got = h_reader.handlePump();
            if (got == ResponseReader.EVENT) {
                HttpError error = h_reader.handleError();
                if (error != null) {
                    throw handleFailInPoll("bad response body from " + pool.origin + ": " + error.reason(), null);
                }
                if (h_reader.handleSlice() != null) {
                    h_starved = false;
                    h_lastProgress = reactor.nanoTime();
                    return h_reader.handleSlice(); // valid until the next pump, i.e. the next poll
                }
            } else if (got == ResponseReader.NOTHING_NOW) {
                h_starved = true; // the graph wants more and the server has not sent it: the response timeout runs
                source.handleNothingNow();
                return null;
            } else {
                throw handleFailInPoll(pool.origin + " closed the connection in the middle of the response body", null);
            }
        }
    }

    /** Reads and drops a body no graph reads. */
    private void handleSkipBody() {
        try {
            while (!h_reader.handleResponseEnded()) {
                int got = h_reader.handlePump();
                if (got == ResponseReader.NOTHING_NOW) {
                    h_starved = true;
                    h_reader.handleWantRead();
                    return;
                }
                if (got == ResponseReader.END_OF_INPUT || h_reader.handleError() != null) {
                    String why = h_reader.handleError() != null ? "bad response body from " + pool.origin + ": "
                        + h_reader.handleError().reason() : pool.origin + " closed the connection in the middle of the response body";
                    handleFailExchange(why, null, false);
                    return;
                }
            }
        } catch (IOException e) {
            handleFailExchange("the connection to " + pool.origin + " failed: " + e.getMessage(), e, false);
            return;
        }
        handleResponseDone();
    }

    /**
     * The response is read to its end: the connection goes back to its pool at the end of the
     * round if the response keeps it alive and the request is all out; else it closes. A body the
     * server did not wait for (it answered early) is sent no further: its feeders end.
     */
    private void handleResponseDone() {
        ClientExchange exchange = h_exchange;
        h_exchange = null;
        h_served++;
        boolean requestComplete = h_requestEnded;
        exchange.handleResponseEnded();
        RequestBodySink body = exchange.handleBody();
        if (!requestComplete && body != null) {
            body.handleRefuse(); // no more offers from now: the feeders end at the end of the round
            reactor.handleAtRoundEnd(() -> {
                if (!body.handleIsClosed()) {
                    body.handleCancel(null);
                }
            });
        }
        boolean reusable = h_keepAlive && requestComplete;
        h_state = State.IDLE; // not in the pool until the end of the round: nothing begins on it before
        reactor.handleAtRoundEnd(() -> {
            if (h_state != State.IDLE) {
                return;
            }
            if (reusable && !h_output.handleBlocked() && h_reader.handleIdle()) {
                handleBecomeIdle();
            } else {
                handleClose();
            }
        });
    }

    private void handleBecomeIdle() {
        h_state = State.IDLE;
        h_idleSince = reactor.nanoTime();
        handleArmTimer(h_idleSince + options.idleTimeout().toNanos());
        h_reader.handleWantRead(); // to hear the server close it
        pool.handleIdle(this);
    }

    /** Idle, the socket is readable: the server closed it (or sent what no request asked for). */
    private void handleIdleRead() {
        try {
            int got = h_reader.handlePump();
            if (got == ResponseReader.NOTHING_NOW) {
                h_reader.handleWantRead();
                return;
            }
        } catch (IOException e) {
            // closed under it: dropped below
        }
        handleClose();
    }

    // ---------------------------------------------------------------- readiness, writing, timers

    @Override
    public void handleReady(int readyOps) {
        if (h_wire == null || h_state == State.CLOSED) {
            return;
        }
        h_lastProgress = reactor.nanoTime();
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            handleFlushAndResume();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            switch (h_state) {
                case IDLE -> handleIdleRead();
                case EXCHANGE -> {
                    if (!h_headSeen) {
                        handleReadHead();
                    } else if (h_exchange != null && h_exchange.handleReadsResponse()) {
                        h_exchange.handleResponseSource().handleReadable();
                    } else if (h_exchange != null) {
                        handleSkipBody();
                    }
                }
                default -> { }
            }
        }
    }

    void handleWantRead() {
        if (h_reader != null && h_state != State.CLOSED) {
            h_reader.handleWantRead();
        }
    }

    /** A request is written at the end of the round it was framed in, or when the socket asks. */
    @Override
    public boolean handleBusy() {
        return false;
    }

    @Override
    public void handleFlushAndResume() {
        if (h_state == State.CLOSED || h_output == null) {
            return;
        }
        boolean wasBlocked = h_output.handleBlocked();
        try {
            if (!h_output.handleFlush()) {
                return;
            }
        } catch (IOException e) {
            if (h_state == State.EXCHANGE) {
                handleFailExchange("cannot send the request to " + pool.origin + ": " + e.getMessage(), e, false);
            } else {
                handleClose();
            }
            return;
        }
        if (wasBlocked && h_state == State.EXCHANGE && !h_requestEnded && !h_continueWait && h_exchange != null) {
            h_exchange.handleBody().handleWritable();
        }
    }

    private void handleArmTimer(long deadline) {
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
        }
        h_timer = reactor.handleScheduleAt(deadline, h_timerFired);
    }

    private void handleTimer() {
        h_timer = -1;
        long now = reactor.nanoTime();
        if (h_state == State.IDLE) {
            long due = h_idleSince + options.idleTimeout().toNanos();
            if (now - due >= 0) {
                handleClose();
            } else {
                handleArmTimer(due);
            }
        } else if (h_state == State.EXCHANGE) {
            if (h_continueWait && now - h_continueDeadline >= 0) {
                handleContinue();
            }
            long timeout = options.responseTimeout().toNanos();
            boolean waiting = handleWaitingOnServer();
            if (waiting && now - (h_lastProgress + timeout) >= 0) {
                handleFailExchange(pool.origin + " did not answer within " + options.responseTimeout().toSeconds() + " s",
                    null, true);
                return;
            }
            long due = waiting ? h_lastProgress + timeout : now + timeout;
            handleArmTimer(h_continueWait ? Math.min(due, h_continueDeadline) : due);
        }
    }

    /**
     * Whether the exchange waits on the server: for the head, for body bytes asked for, for the
     * socket to take bytes. Body bytes count only once the request is all sent: before, a server
     * that streams its response from the request (an echo, an upstream behind a proxy) may wait for
     * more of it, and what is late is the graph that feeds the request, not the server.
     */
    private boolean handleWaitingOnServer() {
        return (!h_headSeen && (h_requestEnded || h_continueWait)) || (h_headSeen && h_starved && h_requestEnded)
            || h_output.handleBlocked();
    }

    // ---------------------------------------------------------------- failing and closing

    /** The exchange fails: the connection closes first (it cannot be reused), then both endpoints hear it. */
    private void handleFailExchange(String what, Throwable cause, boolean timedOut) {
        ClientExchange exchange = h_exchange;
        h_exchange = null;
        handleClose();
        if (exchange != null) {
            exchange.handleFail(exchange.handleFailure(what, cause, timedOut));
        }
    }

    /** The same from inside the source's poll: the poll throws the failure, and the request's sink hears it at the end of the round. */
    private HttpClientException handleFailInPoll(String what, Throwable cause) {
        ClientExchange exchange = h_exchange;
        h_exchange = null;
        handleClose();
        HttpClientException failure = exchange.handleFailure(what, cause, false);
        exchange.handleFailedInPoll(failure);
        return failure;
    }

    /** The exchange's graph gave up on it: the connection, in the middle of it, closes. */
    void handleAbandoned() {
        h_exchange = null;
        handleClose();
    }

    /** Closes the connection and leaves the pool; an idle one says so first (close_notify, FIN). */
    void handleClose() {
        if (h_state == State.CLOSED) {
            return;
        }
        boolean idle = h_state == State.IDLE;
        h_state = State.CLOSED;
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        if (h_wire != null) {
            h_output.handleClose();
            h_reader.handleClose();
            if (idle) {
                h_wire.handleCloseGracefully();
            } else {
                h_wire.handleCloseAbruptly();
            }
        }
        pool.handleClosed(this);
    }

    @Override
    public String toString() {
        return "connection to " + pool.origin + " (" + h_state + ", " + h_served + " served)";
    }
}
