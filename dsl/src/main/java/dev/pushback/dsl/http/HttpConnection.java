package dev.pushback.dsl.http;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.spi.Reactor;

/**
 * One connection: a service session on the catalyst (DESIGN section 4) — requests in, the
 * corresponding responses out, in order, until the client closes or asks to. It rides on the
 * catalyst's socket endpoints, or TLS endpoints over them ({@link Wire}, one selector key): it reads through the
 * source ({@link RequestReader}, which parses one event at a time), writes through the sink
 * ({@link ConnectionOutput}, which gathers a round's responses into one write), and hears the
 * key's readiness. A request body is read only as fast as the exchange's graph moves it, and the
 * bytes of a pipelined next request wait in the buffer until the current response is done.
 * Exchanges run one at a time ({@link Exchange}); while the connection waits for a head,
 * {@link HeadTimer} keeps its deadline.
 */
final class HttpConnection implements ReadyHandler, ConnectionOutput.Owner {
    private enum State { IDLE, EXCHANGE, SKIPPING_BODY, CLOSING, CLOSED }

    private final Reactor reactor;
    private final Runnable releaseSlot;
    private final Set<HttpConnection> registry;
    private final Wire socket;
    private final RequestReader reader;
    private final ConnectionOutput output;
    private final HeadTimer timer;
    private final StallTimer stall;
    private final ExpectContinue expectContinue;
    private final Exchange exchange;

    private State h_state = State.IDLE;
    private boolean h_starved;
    private final long acceptedAt;
    private final SocketChannel channel;
    private final java.net.SocketAddress remoteAddress;
    private final boolean secure;
    private boolean h_answered;

    /** Registers {@code channel} with the catalyst; on its thread. */
    private HttpConnection(Catalyst catalyst, SocketChannel channel, Runnable releaseSlot, HttpServer.Handler handler,
                           HttpServer.Options options, Set<HttpConnection> registry) throws IOException {
        this.reactor = Reactor.of(catalyst);
        this.channel = channel;
        this.acceptedAt = reactor.nanoTime();
        this.releaseSlot = releaseSlot;
        this.registry = registry;
        // Responses are written whole as soon as they are framed: waiting for the client's ACK
        // (Nagle) would cost a pipelined response a delayed-ACK timeout (~40 ms). A Unix domain
        // socket has no Nagle to turn off.
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        this.remoteAddress = channel.getRemoteAddress();
        this.secure = options.tls() != null;
        this.socket = Wire.handleOpen(catalyst, channel, options.tls(), this);
        this.reader = new RequestReader(socket, options.limits());
        this.output = new ConnectionOutput(reactor, socket.out(), this);
        this.timer = new HeadTimer(reactor, this, options);
        this.stall = new StallTimer(reactor, this, options);
        this.expectContinue = new ExpectContinue(output);
        this.exchange = new Exchange(catalyst, this, output, handler);
    }

    /** Serves an accepted socket on {@code catalyst}'s thread, until it closes; then {@code releaseSlot} runs. */
    static void handleServe(Catalyst catalyst, SocketChannel channel, Runnable releaseSlot, HttpServer.Handler handler,
                            HttpServer.Options options, Set<HttpConnection> registry) {
        assert Reactor.of(catalyst).handleAssertOwner();
        HttpConnection connection;
        try {
            connection = new HttpConnection(catalyst, channel, releaseSlot, handler, options, registry);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the client is gone
            }
            Reactor.of(catalyst).handleAfterChannelsClosed(releaseSlot);
            return;
        }
        registry.add(connection);
        connection.reactor.handleRetainLoop();
        connection.handleIdle();
    }

    /** The client's address as the socket reported it when accepted (null if it was gone by then). */
    java.net.SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Whether the connection is TLS. */
    boolean secure() {
        return secure;
    }

    // ---------------------------------------------------------------- readiness and reading

    /** The key's readiness, after the socket's sides have had it: the sink wrote what it could. */
    @Override
    public void handleReady(int readyOps) {
        stall.handleProgress();
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            handleFlushAndResume();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            switch (h_state) {
                case IDLE -> handleIdle();
                case SKIPPING_BODY -> {
                    if (handleSkipBody()) {
                        handleIdle();
                    }
                }
                case EXCHANGE -> exchange.handleReadable();
                default -> { }
            }
        }
    }

    void handleWantRead() {
        reader.handleWantRead();
    }

    /** Between exchanges: parses what is buffered or arrives until a head is complete. */
    private void handleIdle() {
        try {
            while (h_state == State.IDLE) {
                if (output.handleBlocked()) {
                    return; // a client that does not read its responses gets no more of them (N1)
                }
                int got = reader.handlePump();
                if (got == RequestReader.EVENT) {
                    HttpError error = reader.handleError();
                    if (error != null) {
                        handleRefuse(error.status(), error.reason());
                        return;
                    }
                    RequestHead head = reader.handleHead();
                    HttpError refused = RequestChecks.check(head); // RFC 9110, 9112: framing, Host, target form, Expect
                    if (refused != null) {
                        handleFrameError(refused.status(), refused.reason(), true, head);
                        handleCloseAfterOutput();
                        return;
                    }
                    timer.handleDisarm();
                    expectContinue.handleRequest(head, reader.handleRequestEnded());
                    h_state = State.EXCHANGE;
                    h_starved = false;
                    stall.handleArm();
                    if (exchange.handleStart(head) && handleEndExchange(exchange.handleFailedAtStart())) {
                        continue; // answered at once: the next pipelined head, in the same round
                    }
                    return;
                }
                if (got == RequestReader.NOTHING_NOW) {
                    timer.handleArm(!reader.handleBetweenRequests()); // no head yet: idle, or a head in progress (slowloris)
                    handleWantRead();
                    handleFlushAndResume(); // waiting for the client: what is framed goes out now
                    return;
                }
                handleCloseAfterOutput(); // the client is done (it may still read); an unfinished head is dropped
                return;
            }
        } catch (IOException e) {
            exchange.handleAbort(e);
            handleCloseConnection();
        }
    }

    /** For the exchange's {@link BodySource}: the next slice of the body, or null (ended, or nothing now). */
    ByteBuffer handleNextBodySlice(BodySource body) throws IOException {
        expectContinue.handleBodyRead(exchange.handleResponse());
        while (!reader.handleRequestEnded()) {
            int got = reader.handlePump();
            if (got == RequestReader.EVENT) {
                if (reader.handleError() != null) {
                    throw new IOException("bad request body: " + reader.handleError().reason());
                }
                if (reader.handleSlice() != null) {
                    h_starved = false;
                    return reader.handleSlice(); // valid until the next pump, i.e. the next poll
                }
            } else if (got == RequestReader.NOTHING_NOW) {
                h_starved = true; // the handler reads, the client has not sent: its stall, if it lasts
                body.handleNothingNow();
                return null;
            } else {
                throw new IOException("the client closed the connection in the middle of the request body");
            }
        }
        body.handleBodyEnded();
        return null;
    }

    /** Reads and drops what the handler left of the request body; true once it is all gone. */
    private boolean handleSkipBody() {
        try {
            while (!reader.handleRequestEnded()) {
                int got = reader.handlePump();
                if (got == RequestReader.EVENT && reader.handleError() != null) {
                    handleRefuse(reader.handleError().status(), reader.handleError().reason());
                    return false;
                }
                if (got == RequestReader.NOTHING_NOW) {
                    h_starved = true;
                    handleWantRead();
                    return false;
                }
                if (got == RequestReader.END_OF_INPUT) {
                    handleCloseAfterOutput();
                    return false;
                }
            }
        } catch (IOException e) {
            handleCloseConnection();
            return false;
        }
        reader.handleNextRequest();
        h_state = State.IDLE;
        return true;
    }

    /** The head did not come in time (see {@link HeadTimer}). */
    void handleHeadTimedOut() {
        if (h_state != State.IDLE) {
            return;
        }
        if (reader.handleBetweenRequests()) {
            handleCloseConnection(); // an idle keep-alive connection: closed without a word
        } else {
            handleRefuse(408, "request head not complete in time");
        }
    }

    /**
     * Closes the connection, without a word, if nothing is under way on it: no request read in
     * part, no response bytes waiting to go out; and it has had a response already (a client
     * must expect a kept-alive connection to close), or it has said nothing for {@code
     * freshGraceNanos} since it was accepted (its first request is not merely on its way). For a
     * server out of connection slots (N13).
     */
    boolean handleShedIfIdle(long freshGraceNanos) {
        if (h_state != State.IDLE || !reader.handleBetweenRequests() || !output.handleIdle()) {
            return false;
        }
        if (!h_answered && reactor.nanoTime() - acceptedAt < freshGraceNanos) {
            return false;
        }
        handleCloseConnection();
        return true;
    }

    // ---------------------------------------------------------------- exchanges

    /** Whether an exchange is under way: framing, or ending and starting the next pipelined one. */
    @Override
    public boolean handleBusy() {
        return h_state == State.EXCHANGE || h_state == State.SKIPPING_BODY;
    }

    /** The exchange's graph completed (at the end of a round). */
    void handleExchangeDone(Throwable failure) {
        if (handleEndExchange(failure)) {
            handleIdle();
        }
    }

    /** Ends the current exchange; true when the connection is idle again and may parse the next head. */
    private boolean handleEndExchange(Throwable failure) {
        h_answered = true;
        if (h_state == State.CLOSED) {
            return false;
        }
        RequestHead head = reader.handleHead();
        ResponseSink response = exchange.handleResponse();
        exchange.handleEnd();
        if (failure != null) {
            boolean headFramed = response != null && response.handleHeadWritten();
            HttpError error = reader.handleError();
            if (!KeepAlive.afterFailure(head, headFramed, reader.handleRequestEnded())) {
                if (!headFramed && error != null) {
                    handleFrameError(error.status(), error.reason(), true, head); // a bad body: the client's fault
                } else if (!headFramed) {
                    handleFrameError(failedStatus(failure), Reasons.of(failedStatus(failure)), true, head);
                } // else what is framed goes out, cut short, then the close
                handleCloseAfterOutput();
                return false;
            }
            handleFrameError(failedStatus(failure), Reasons.of(failedStatus(failure)), false, head);
        } else if (!KeepAlive.afterResponse(head, response != null && response.handleCloseDelimited())) {
            handleCloseAfterOutput();
            return false;
        }
        h_state = State.SKIPPING_BODY;
        return handleSkipBody();
    }

    /**
     * What a failed exchange answers: 502, or 504 when it timed out, if an upstream request of an
     * {@link HttpClient} failed it (the server was a gateway, RFC 9110 §15.6.3, §15.6.5); else 500.
     */
    private static int failedStatus(Throwable failure) {
        HttpClientException upstream = HttpClientException.in(failure);
        return upstream != null ? upstream.gatewayStatus() : 500;
    }

    // ---------------------------------------------------------------- writing and closing

    /** Writes what is framed, then resumes what waited for the socket. */
    @Override
    public void handleFlushAndResume() {
        if (h_state == State.CLOSED) {
            return;
        }
        boolean wasBlocked = output.handleBlocked();
        try {
            if (!output.handleFlush()) {
                return;
            }
        } catch (IOException e) {
            exchange.handleAbort(e); // its exchange fails; the client is gone
            handleCloseConnection();
            return;
        }
        if (h_state == State.CLOSING) {
            handleCloseConnection();
        } else if (wasBlocked) {
            exchange.handleWritable();
            if (h_state == State.IDLE) {
                handleIdle();
            }
        }
    }

    /**
     * Frames a short plain-text response of the server's own, after what is already framed, with
     * its {@code Date} (RFC 9110 §6.6.1). {@code head} is the request's, or null when none was
     * read whole: to a HEAD the same head goes, without its body (RFC 9110 §9.3.2); to an
     * HTTP/1.0 request that stays open, the {@code keep-alive} it asked for.
     */
    private void handleFrameError(int status, String reason, boolean close, RequestHead head) {
        boolean bodyless = head != null && head.method().equals("HEAD");
        String connection = close ? "Connection: close\r\n"
            : head != null && head.version() == HttpVersion.HTTP_1_0 ? "Connection: keep-alive\r\n" : "";
        String response = "HTTP/1.1 " + status + " " + Reasons.of(status) + "\r\n" + HttpDate.line()
            + "Content-Type: text/plain\r\nContent-Length: " + (reason.length() + 1) + "\r\n" + connection + "\r\n"
            + (bodyless ? "" : reason + "\n");
        byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
        output.handleRoom(bytes.length).put(bytes);
        output.handleFramedLater();
    }

    /** Input the server will not serve: the status after what is already framed, then the connection closes. */
    private void handleRefuse(int status, String reason) {
        handleFrameError(status, reason, true, null);
        handleCloseAfterOutput();
    }

    /** Writes everything framed, then closes (with a FIN first, so the client reads it all). */
    private void handleCloseAfterOutput() {
        h_state = State.CLOSING;
        timer.handleClose();
        stall.handleArm(); // a client that does not read what is left cannot keep the connection
        handleFlushAndResume();
    }

    /** Whether an exchange is under way or the connection is closing after its output. */
    boolean handleInExchange() {
        return h_state == State.EXCHANGE || h_state == State.SKIPPING_BODY || h_state == State.CLOSING;
    }

    /**
     * Whether the connection waits on its client: response bytes the socket refused, or request
     * body bytes that were asked for and have not come.
     */
    boolean handleWaitingOnClient() {
        return output.handleBlocked() || (h_starved && !reader.handleRequestEnded());
    }

    /** The client stalled for {@code nanos} (see {@link StallTimer}): the exchange fails, the connection closes. */
    void handleStalled(long nanos) {
        String what = output.handleBlocked() ? "read nothing of its response" : "sent nothing of its request body";
        IOException stalled = new IOException("the client " + what + " for "
            + java.time.Duration.ofNanos(nanos).toSeconds() + " s");
        exchange.handleAbort(stalled);
        handleCloseConnection(stalled);
    }

    /** The server's grace period is over: the connection closes whatever it was doing. */
    void handleForceClose() {
        assert reactor.handleAssertOwner();
        IOException shutDown = new IOException("server shut down");
        exchange.handleAbort(shutDown);
        handleCloseConnection(shutDown);
    }

    private void handleCloseConnection() {
        handleCloseConnection(null);
    }

    /**
     * Closes the connection; with {@code abort}, at once, dropping what the socket has not sent —
     * the pending bytes and, if the client is not reading, with a reset what the kernel holds: a
     * client that reads nothing would keep a graceful close, and megabytes of kernel buffers,
     * waiting for minutes (nginx's {@code reset_timedout_connection}).
     */
    private void handleCloseConnection(IOException abort) {
        if (h_state == State.CLOSED) {
            return;
        }
        boolean graceful = h_state == State.CLOSING;
        h_state = State.CLOSED;
        registry.remove(this);
        timer.handleClose();
        stall.handleClose();
        output.handleClose();
        reader.handleClose();
        if (abort != null) {
            if (output.handleBlocked()) {
                try {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0); // the close is a reset
                } catch (IOException | RuntimeException closedAlready) {
                    // nothing to reset
                }
            }
            socket.handleCloseAborted(abort); // pending bytes dropped: the socket closes now
        } else if (graceful) {
            socket.handleCloseGracefully();
        } else {
            socket.handleCloseAbruptly();
        }
        reactor.handleReleaseLoop();
        reactor.handleAfterChannelsClosed(releaseSlot); // the slot comes back with the descriptor (N13)
    }
}
