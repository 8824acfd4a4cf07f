package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Interest;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.dsl.Graph;

/**
 * One connection: a service session on the catalyst (DESIGN section 4) — requests in, the
 * corresponding responses out, in order, until the client closes or asks to. It owns the socket
 * and one read buffer: the parser is paused after every event, so a request body is read only as
 * fast as the exchange's graph moves it, and the bytes of a pipelined next request wait in the
 * buffer until the current response is done. Exchanges run one at a time.
 */
final class HttpConnection implements RequestListener, ReadyHandler {
    private enum State { IDLE, EXCHANGE, SKIPPING_BODY, CLOSING, CLOSED }

    /**
     * Framed response bytes gathered before a write: beyond this, they are written at once rather
     * than at the end of the round.
     */
    static final int COALESCE_BYTES = 32 * 1024;
    /** Rounds a busy exchange may hold framed bytes back, gathering the next responses to them. */
    private static final int MAX_HELD_ROUNDS = 16;

    private final Catalyst catalyst;
    private final Reactor reactor;
    private final SocketChannel socket;
    private final Runnable releaseSlot;
    private final HttpServer.Handler handler;
    private final RequestParser parser;
    private final java.util.Set<HttpConnection> registry;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private long h_timer = -1;
    private long h_deadline;
    private long h_timerAt;

    private Interest h_interest;
    private ByteBuffer h_in;
    private ByteBuffer h_out;
    private State h_state = State.IDLE;
    private RequestHead h_head;
    private ByteBuffer h_slice;
    private boolean h_requestEnded;
    private HttpError h_error;
    private BodySource h_body;
    private ResponseSink h_response;
    private boolean h_closeAfter;
    private boolean h_readShort;
    private boolean h_outBlocked; // the socket refused framed bytes: waiting for OP_WRITE
    private boolean h_flushQueued;
    private long h_outAccounted; // framed bytes counted in the catalyst's retained bytes
    private long h_activeRound; // the last round in which this connection framed or started an exchange
    private int h_heldRounds;
    private final Runnable h_flushAtRoundEnd = this::handleRoundEnd;

    HttpConnection(Catalyst catalyst, SocketChannel socket, Runnable releaseSlot, HttpServer.Handler handler,
                   HttpServer.Options options, java.util.Set<HttpConnection> registry) {
        this.registry = registry;
        this.catalyst = catalyst;
        this.reactor = Reactor.of(catalyst);
        this.socket = socket;
        this.releaseSlot = releaseSlot;
        this.handler = handler;
        this.headerTimeoutNanos = options.headerTimeout().toNanos();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
        this.parser = new RequestParser(this, options.limits()).declineUpgrades(); // clients offering h2c still get HTTP/1.1
    }

    void handleStart() {
        try {
            // Responses are written whole as soon as they are framed: waiting for the client's
            // ACK (Nagle) would cost a pipelined response a delayed-ACK timeout (~40 ms).
            socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            h_interest = reactor.handleRegister(socket, this);
            h_in = reactor.pool().handleAcquire().flip(); // read mode, empty
            h_out = ByteBuffer.allocateDirect(reactor.pool().chunkSize() + 8192);
            reactor.handleRetainLoop();
            handleIdle();
        } catch (IOException e) {
            handleCloseConnection();
        }
    }

    // ---------------------------------------------------------------- parser events

    @Override
    public void onRequest(RequestHead head) {
        h_head = head;
        parser.pause();
    }

    @Override
    public void onBody(ByteBuffer slice) {
        h_slice = slice;
        parser.pause();
    }

    @Override
    public void onRequestEnd() {
        h_requestEnded = true;
        parser.pause();
    }

    @Override
    public void onError(HttpError error) {
        h_error = error;
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads into the read buffer: bytes read, 0 when none are there now, -1 at end of stream.
     * After a read that did not fill the room it had, the socket is most likely drained: the next
     * fill waits for readiness instead of trying, which saves a read that would find nothing. The
     * selector is level-triggered, so bytes that did arrive are reported at once.
     */
    private int handleFill() throws IOException {
        if (h_readShort) {
            h_readShort = false;
            return 0;
        }
        h_in.compact();
        try {
            int room = h_in.remaining();
            int read = socket.read(h_in);
            h_readShort = read >= 0 && read < room;
            return read;
        } finally {
            h_in.flip();
        }
    }

    @Override
    public void handleReady(int readyOps) {
        if (!h_interest.handleIsValid()) {
            return;
        }
        h_interest.handleRemoveOps(readyOps);
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
                case EXCHANGE -> {
                    if (h_body != null) {
                        h_body.handleReadable();
                    }
                }
                default -> { }
            }
        }
    }

    private void handleWantRead() {
        h_interest.handleAddOps(SelectionKey.OP_READ);
    }

    void handleWantWrite() {
        h_interest.handleAddOps(SelectionKey.OP_WRITE);
    }

    /** Between exchanges: parses what is buffered or arrives until a head is complete. */
    private void handleIdle() {
        try {
            while (h_state == State.IDLE) {
                if (h_outBlocked) {
                    return; // a client that does not read its responses gets no more of them (N1)
                }
                if (h_in.hasRemaining()) {
                    parser.feed(h_in);
                    if (h_error != null) {
                        handleRefuse(h_error.status(), h_error.reason());
                        return;
                    }
                    if (h_head != null) {
                        handleCancelTimer();
                        if (handleExchange() && handleEndExchange(null)) {
                            continue; // answered at once: the next pipelined head, in the same round
                        }
                        return;
                    }
                    continue;
                }
                int read = handleFill();
                if (read == 0) {
                    handleArmTimer(); // no head yet: idle, or a head in progress (slowloris)
                    handleWantRead();
                    handleFlushAndResume(); // waiting for the client: what is framed goes out now
                    return;
                }
                if (read < 0) {
                    handleCloseAfterOutput(); // the client is done (it may still read); an unfinished head is dropped
                    return;
                }
            }
        } catch (IOException e) {
            handleCloseConnection();
        }
    }

    // ---------------------------------------------------------------- timeouts

    /**
     * While waiting for a head: a connection with nothing of a request read may stay idle for
     * the idle timeout; once a head has started, it must be complete within the header timeout,
     * counted from its first byte, however slowly the bytes trickle in.
     */
    private void handleArmTimer() {
        long now = reactor.nanoTime();
        if (parser.isIdle()) {
            h_deadline = now + idleTimeoutNanos;
        } else if (h_deadline == 0 || h_deadline - now > headerTimeoutNanos) {
            h_deadline = now + headerTimeoutNanos; // the head started: its clock starts now, once
        }
        if (h_timer >= 0 && h_timerAt > h_deadline) {
            reactor.handleCancelTimer(h_timer); // the deadline moved earlier: a head has started
            h_timer = -1;
        }
        if (h_timer < 0) {
            h_timerAt = h_deadline;
            h_timer = reactor.handleScheduleAt(h_deadline, this::handleTimeout);
        }
    }

    private void handleTimeout() {
        h_timer = -1;
        if (h_state != State.IDLE) {
            return;
        }
        if (reactor.nanoTime() < h_deadline) {
            h_timerAt = h_deadline;
            h_timer = reactor.handleScheduleAt(h_deadline, this::handleTimeout);
            return;
        }
        if (parser.isIdle()) {
            handleCloseConnection(); // an idle keep-alive connection: closed without a word
        } else {
            handleRefuse(408, "request head not complete in time");
        }
    }

    private void handleCancelTimer() {
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        h_deadline = 0;
    }

    // ---------------------------------------------------------------- exchanges

    /**
     * Starts an exchange: calls the handler, then runs the exchange's graph; a response the graph
     * does not feed (a {@code send}, or no body) is framed at once.
     *
     * @return true when the exchange is answered already
     */
    private boolean handleExchange() throws IOException {
        RequestHead head = h_head;
        h_state = State.EXCHANGE;
        h_activeRound = reactor.handleRounds();
        h_closeAfter = !head.keepAlive();
        Graph graph = Graph.on(catalyst);
        String expect = head.header("Expect");
        h_body = new BodySource(catalyst, expect != null && expect.equalsIgnoreCase("100-continue")
            && head.version() == HttpVersion.HTTP_1_1 && !h_requestEnded);
        h_response = new ResponseSink(catalyst, this, head.method().equals("HEAD"), head.keepAlive());
        HttpRequest request = new HttpRequest(head, graph, h_body);
        CompletableFuture<Void> done;
        try {
            handler.handle(request, h_response.facade());
        } catch (Exception e) {
            handleExchangeDone(e);
            return false;
        }
        if (!request.graphUsed()) {
            try {
                h_response.handleFrameWhole(); // send(), or no body: nothing to compile
            } catch (IllegalStateException badResponse) {
                handleExchangeDone(badResponse); // nothing framed yet: a 500
                return false;
            }
            return true;
        }
        try {
            if (!((CompiledPlan) graph.compile()).endpoints().contains(h_response)) {
                h_response.handleFrameWhole(); // the graph does something else with the request (reads its body)
            } else if (h_response.sent()) {
                throw new IllegalStateException("the response has a body from send() and one from the graph");
            }
            done = graph.start();
        } catch (Exception e) {
            done = CompletableFuture.failedFuture(e);
        }
        // At the end of the round that completes it: the next pipelined exchange starts in the
        // same round, and its response may share the write (see handleRoundEnd).
        done.whenComplete((ok, failure) -> {
            if (catalyst.inCatalyst()) {
                reactor.handleAtRoundEnd(() -> handleExchangeDone(failure));
            } else {
                catalyst.execute(() -> handleExchangeDone(failure));
            }
        });
        return false;
    }

    private void handleExchangeDone(Throwable failure) {
        if (handleEndExchange(failure)) {
            handleIdle();
        }
    }

    /** Ends the current exchange; true when the connection is idle again and may parse the next head. */
    private boolean handleEndExchange(Throwable failure) {
        if (h_state == State.CLOSED) {
            return false;
        }
        ResponseSink response = h_response;
        h_response = null;
        h_body = null;
        h_head = null;
        h_slice = null;
        if (failure != null) {
            if (response != null && !response.handleHeadWritten()) {
                handleRefuse(500, "Internal Server Error");
            } else {
                handleCloseAfterOutput(); // the head is framed: what is framed goes out, cut short, then the close
            }
            return false;
        }
        if (h_closeAfter) {
            handleCloseAfterOutput();
            return false;
        }
        h_state = State.SKIPPING_BODY;
        return handleSkipBody();
    }

    /** Reads and drops what the handler left of the request body; true once it is all gone. */
    private boolean handleSkipBody() {
        try {
            while (!h_requestEnded) {
                if (h_in.hasRemaining()) {
                    parser.feed(h_in);
                    if (h_error != null) {
                        handleRefuse(h_error.status(), h_error.reason());
                        return false;
                    }
                    continue;
                }
                int read = handleFill();
                if (read == 0) {
                    handleWantRead();
                    return false;
                }
                if (read < 0) {
                    handleCloseAfterOutput();
                    return false;
                }
            }
        } catch (IOException e) {
            handleCloseConnection();
            return false;
        }
        h_requestEnded = false;
        h_state = State.IDLE;
        return true;
    }

    // ---------------------------------------------------------------- writing and closing

    /**
     * The client waits for {@code 100 Continue} before sending the body: sent when the exchange
     * first reads the body, so a handler that never reads it never asks for it.
     */
    private void handleSendContinue() throws IOException {
        if (h_response != null && h_response.handleHeadWritten()) {
            return; // the final response is already out: too late to ask for the body
        }
        handleOutput(CONTINUE.length).put(CONTINUE);
        handleFlushOutput(); // now: the client waits for it before it sends what this poll reads
    }

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** The output buffer, in write mode, with room for {@code bytes} more. */
    ByteBuffer handleOutput(int bytes) {
        if (h_out.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocateDirect(h_out.position() + bytes + 4096);
            h_out.flip();
            larger.put(h_out);
            h_out = larger;
        }
        return h_out;
    }

    /**
     * Bytes were framed: they are written at the end of the round, with whatever else the round
     * frames (pipelined responses share one write), or now once enough have gathered.
     *
     * @return false when the socket refused bytes: nothing more should be framed until it takes them
     */
    boolean handleFramed() throws IOException {
        h_activeRound = reactor.handleRounds();
        handleAccountOutput();
        if (h_out.position() >= COALESCE_BYTES) {
            return handleFlushOutput();
        }
        if (!h_flushQueued && h_out.position() > 0) {
            h_flushQueued = true;
            reactor.handleAtRoundEnd(h_flushAtRoundEnd);
        }
        return !h_outBlocked;
    }

    boolean handleOutputBlocked() {
        return h_outBlocked;
    }

    /** Writes what is framed; false when the socket did not take it all (then it waits for OP_WRITE). */
    private boolean handleFlushOutput() throws IOException {
        if (h_out.position() > 0) {
            h_out.flip();
            try {
                socket.write(h_out);
            } finally {
                h_out.compact();
                handleAccountOutput();
            }
        }
        h_outBlocked = h_out.position() > 0;
        if (h_outBlocked) {
            handleWantWrite();
        }
        return !h_outBlocked;
    }

    /**
     * At the end of a round: writes what the round framed, unless an exchange is still moving —
     * framing, or ending and starting the next pipelined one — when a round more gathers more
     * responses into the same write. A connection that waits (for the client, for a handler's
     * data) writes at once.
     */
    private void handleRoundEnd() {
        h_flushQueued = false;
        if (h_state == State.CLOSED) {
            return;
        }
        boolean moving = (h_state == State.EXCHANGE || h_state == State.SKIPPING_BODY)
            && h_activeRound == reactor.handleRounds() && h_heldRounds < MAX_HELD_ROUNDS;
        if (moving && h_out.position() > 0) {
            h_heldRounds++;
            h_flushQueued = true;
            reactor.handleAtRoundEnd(h_flushAtRoundEnd); // the next round's end
            return;
        }
        h_heldRounds = 0;
        handleFlushAndResume();
    }

    /** Writes, then resumes what waited for the socket. */
    private void handleFlushAndResume() {
        if (h_state == State.CLOSED) {
            return;
        }
        boolean wasBlocked = h_outBlocked;
        try {
            if (!handleFlushOutput()) {
                return;
            }
        } catch (IOException e) {
            ResponseSink response = h_response;
            if (response != null) {
                response.handleClose(e); // its exchange fails; the client is gone
            }
            handleCloseConnection();
            return;
        }
        if (h_state == State.CLOSING) {
            handleCloseConnection();
        } else if (wasBlocked) {
            if (h_response != null) {
                h_response.handleWritable();
            }
            if (h_state == State.IDLE) {
                handleIdle();
            }
        }
    }

    private void handleAccountOutput() {
        reactor.handleRetain(h_out.position() - h_outAccounted);
        h_outAccounted = h_out.position();
    }

    /** Writes everything framed, then closes (with a FIN first, so the client reads it all). */
    private void handleCloseAfterOutput() {
        h_state = State.CLOSING;
        handleCancelTimer();
        handleFlushAndResume();
    }

    /** A request the server will not serve: the status after what is already framed, then the connection closes. */
    private void handleRefuse(int status, String reason) {
        String response = "HTTP/1.1 " + status + " " + Reasons.of(status) + "\r\nContent-Type: text/plain\r\n"
            + "Content-Length: " + (reason.length() + 1) + "\r\nConnection: close\r\n\r\n" + reason + "\n";
        byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
        handleOutput(bytes.length).put(bytes);
        handleAccountOutput();
        handleCloseAfterOutput();
    }

    /** The server's grace period is over: the connection closes whatever it was doing. */
    void handleForceClose() {
        ResponseSink response = h_response;
        if (response != null) {
            response.handleClose(new java.io.IOException("server shut down"));
        }
        handleCloseConnection();
    }

    private void handleCloseConnection() {
        if (h_state == State.CLOSED) {
            return;
        }
        if (h_state == State.CLOSING) {
            try {
                socket.shutdownOutput(); // a FIN before the close: unread input then cannot reset what was sent
            } catch (IOException ignored) {
                // the client is gone
            }
        }
        h_state = State.CLOSED;
        registry.remove(this);
        handleCancelTimer();
        if (h_out != null) {
            reactor.handleRetain(-h_outAccounted);
            h_outAccounted = 0;
        }
        try {
            if (h_interest != null) {
                reactor.handleDeregister(h_interest);
            } else {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        if (h_in != null) {
            reactor.pool().handleRelease(h_in.clear());
            h_in = null;
        }
        if (h_interest != null) {
            reactor.handleReleaseLoop();
        }
        releaseSlot.run();
    }

    /**
     * The current request's body as a source: each poll gives one slice, read from the socket
     * only when the exchange's fiber can move it — the backpressure of DESIGN N1.
     */
    final class BodySource extends AbstractSource<ByteBuffer> {
        private boolean h_continueDue;

        BodySource(Catalyst catalyst, boolean expectsContinue) {
            super(catalyst, "request body");
            h_continueDue = expectsContinue;
        }

        @Override
        public ByteBuffer handlePoll() throws IOException {
            if (h_continueDue) {
                h_continueDue = false;
                handleSendContinue();
            }
            while (true) {
                if (h_requestEnded) {
                    handleEnd();
                    return null;
                }
                if (h_in.hasRemaining()) {
                    h_slice = null;
                    parser.feed(h_in);
                    if (h_error != null) {
                        throw new IOException("bad request body: " + h_error.reason());
                    }
                    if (h_slice != null) {
                        return h_slice; // valid until the next feed, i.e. the next poll
                    }
                    continue;
                }
                int read = handleFill();
                if (read == 0) {
                    handleClearAvailable();
                    return null;
                }
                if (read < 0) {
                    throw new IOException("the client closed the connection in the middle of the request body");
                }
            }
        }

        @Override
        protected void handleArm() {
            handleWantRead();
        }

        void handleReadable() {
            handleSetAvailable();
        }

        @Override
        protected void handleRelease() {
            // the socket is the connection's; a body not read to its end is skipped after the exchange
        }
    }
}
