package dev.pushback.dsl.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * What a {@link ClientRequest} is while it runs: its head, its two endpoints (the request body's
 * sink, the response body's source) and its place in the exchange — waiting for a connection,
 * on one, done. It asks its origin's pool for a connection when the first of its endpoints joins
 * the running graph, at the end of that round, so that both have joined by then. Built on any
 * thread before the graph starts; run on the catalyst thread after.
 */
final class ClientExchange {
    private final Graph graph;
    private final Reactor reactor;
    private final ClientPools pools;
    private final Origin origin;
    private final String method;
    private final String target;
    private final List<String[]> headers = new ArrayList<>();
    private final ResponseBodySource responseSource;
    private final CompletableFuture<ClientResponse> response = new CompletableFuture<>();
    private long contentLength = -1;
    private boolean hostSet;
    private boolean expectContinue;
    private RequestBodySink body;
    private boolean responseTaken;
    private Consumer<? super ClientResponse> onResponse;
    private byte[] head;

    private boolean h_scheduled;
    private boolean h_done;
    private boolean h_retried;
    private ClientConnection h_connection;

    ClientExchange(Graph graph, ClientPools pools, Origin origin, String method, String target) {
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("not a method: " + method);
        }
        for (int i = 0; i < method.length(); i++) { // a loop, not a stream: once per request
            char c = method.charAt(i);
            if (c > 0xff || !HttpChars.TCHAR[c]) {
                throw new IllegalArgumentException("not a method: " + method);
            }
        }
        this.graph = graph;
        this.reactor = Reactor.of(graph.catalyst());
        this.pools = pools;
        this.origin = origin;
        this.method = method;
        this.target = target;
        this.responseSource = new ResponseBodySource(graph.catalyst(), this, "response body"); // failures name the request
    }

    String method() {
        return method;
    }

    String target() {
        return target;
    }

    Origin origin() {
        return origin;
    }

    // ---------------------------------------------------------------- building (before the graph starts)

    synchronized void header(String name, String value) {
        checkBuilding();
        HttpChars.checkField(name, value);
        if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Connection")) {
            return; // the client frames the body and keeps the connection alive itself
        }
        if (name.equalsIgnoreCase("Content-Length")) {
            String digits = value.strip();
            if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("Content-Length is not a decimal number: " + value);
            }
            contentLength = Long.parseLong(digits);
            return;
        }
        hostSet |= name.equalsIgnoreCase("Host");
        expectContinue |= name.equalsIgnoreCase("Expect") && value.strip().equalsIgnoreCase("100-continue");
        headers.add(new String[] {name, value});
    }

    synchronized RequestBodySink takeBody() {
        checkBuilding();
        if (body != null) {
            throw new IllegalStateException("the request body is already taken");
        }
        body = new RequestBodySink(graph.catalyst(), this, "request body");
        return body;
    }

    synchronized Feed<ByteBuffer> takeResponseBody() {
        checkBuilding();
        if (responseTaken) {
            throw new IllegalStateException("the response body is already taken");
        }
        responseTaken = true;
        return graph.from(responseSource);
    }

    synchronized void onResponse(Consumer<? super ClientResponse> action) {
        checkBuilding();
        onResponse = action;
    }

    CompletableFuture<ClientResponse> response() {
        return response;
    }

    private void checkBuilding() {
        if (head != null) {
            throw new IllegalStateException("the request has started: " + this);
        }
    }

    // ---------------------------------------------------------------- running (catalyst thread)

    /** An endpoint joined the running graph: the exchange asks for a connection at the end of the round. */
    void handleEndpointOpened() {
        if (!h_scheduled) {
            h_scheduled = true;
            reactor.handleAtRoundEnd(this::handleStart);
        }
    }

    private void handleStart() {
        synchronized (this) {
            head = frameHead();
        }
        if (!h_done) {
            pools.handleAcquire(this);
        }
    }

    /** The head's bytes: request line, Host, the headers set, the framing (RFC 9112 §3, §6). */
    private byte[] frameHead() {
        int size = 96 + method.length() + target.length() + origin.authority().length();
        for (String[] header : headers) {
            size += header[0].length() + header[1].length() + 4;
        }
        StringBuilder text = new StringBuilder(size).append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        if (!hostSet) {
            text.append("Host: ").append(origin.authority()).append("\r\n");
        }
        for (String[] header : headers) {
            text.append(header[0]).append(": ").append(header[1]).append("\r\n");
        }
        if (contentLength >= 0) {
            text.append("Content-Length: ").append(contentLength).append("\r\n");
        } else if (body != null) {
            text.append("Transfer-Encoding: chunked\r\n");
        } else if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            text.append("Content-Length: 0\r\n"); // RFC 9110 §8.6: a method that means content says it has none
        }
        return text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    byte[] handleHead() {
        return head;
    }

    /** Whether the request has a body: taken, or a {@code Content-Length} above 0 (then the body must be fed). */
    boolean handleHasBody() {
        return body != null;
    }

    /** The body's declared length, or -1: chunked. */
    long handleContentLength() {
        return contentLength;
    }

    boolean handleExpectsContinue() {
        return expectContinue && body != null;
    }

    RequestBodySink handleBody() {
        return body;
    }

    ResponseBodySource handleResponseSource() {
        return responseSource;
    }

    /** Whether a graph reads the response body; else the connection drops it. */
    boolean handleReadsResponse() {
        return responseTaken && responseSource.handleBit() >= 0;
    }

    boolean handleDone() {
        return h_done;
    }

    /**
     * Whether the exchange may go again on a new connection after its reused one closed before
     * any byte of the response: once, and only without a body (nothing of it is lost).
     */
    boolean handleMayRetry() {
        return !h_retried && body == null && !h_done;
    }

    void handleRetry() {
        h_retried = true;
        h_connection = null;
        pools.handleAcquire(this);
    }

    /** A connection takes the exchange: the body may move once the connection says so. */
    void handleBegin(ClientConnection connection) {
        h_connection = connection;
    }

    ClientConnection handleConnection() {
        return h_connection;
    }

    /** The response's head is in: the action runs, the future completes, then the body may move. */
    void handleHeadArrived(ResponseHead responseHead) {
        ClientResponse received = new ClientResponse(responseHead);
        if (onResponse != null) {
            try {
                onResponse.accept(received);
            } catch (RuntimeException | Error e) {
                handleFail(e); // the action's own failure, as it is: no gateway's 502 for it
                return;
            }
        }
        response.complete(received);
        responseSource.handleHeadArrived();
    }

    /** The response is read to its end. */
    void handleResponseEnded() {
        h_done = true;
        h_connection = null;
    }

    /**
     * The exchange failed: both endpoints fail with {@code cause} — one instance, so the catalyst
     * reports it once (DESIGN N11) — and the response future with it.
     */
    void handleFail(Throwable cause) {
        if (h_done) {
            return;
        }
        h_done = true;
        h_connection = null;
        response.completeExceptionally(cause);
        if (body != null && !body.handleIsClosed()) {
            body.handleFailed(cause);
        }
        if (!responseSource.handleIsClosed()) {
            responseSource.handleFailed(cause);
        }
    }

    /**
     * The response's source throws {@code failure} from its poll (its fiber fails with it, and
     * reports it); the request's sink fails with the same one at the end of the round, outside
     * the poll.
     */
    void handleFailedInPoll(HttpClientException failure) {
        if (h_done) {
            return;
        }
        h_done = true;
        h_connection = null;
        response.completeExceptionally(failure);
        if (body != null) {
            reactor.handleAtRoundEnd(() -> {
                if (!body.handleIsClosed()) {
                    body.handleFailed(failure);
                }
            });
        }
    }

    /** A failure of the exchange, named after it. */
    HttpClientException handleFailure(String what, Throwable cause, boolean timedOut) {
        return new HttpClientException(this + ": " + what, cause, timedOut);
    }

    /**
     * An endpoint closed before the exchange was over (the graph gave up on it: its response's
     * reader cancelled, a fiber failed): the connection cannot be reused, and a waiting
     * exchange waits no more; the other endpoint fails with the same cause, if there was one.
     */
    void handleEndpointClosedEarly(Throwable cause) {
        if (h_done) {
            return;
        }
        ClientConnection connection = h_connection;
        if (connection != null) {
            connection.handleAbandoned();
        } else {
            pools.handleWithdraw(this);
        }
        if (cause != null) {
            handleFail(cause);
        } else {
            h_done = true;
            h_connection = null;
            response.completeExceptionally(new java.util.concurrent.CancellationException(this + " abandoned"));
            if (body != null && !body.handleIsClosed()) {
                body.handleCancel(null);
            }
        }
    }

    @Override
    public String toString() {
        return method + " " + origin + target;
    }
}
