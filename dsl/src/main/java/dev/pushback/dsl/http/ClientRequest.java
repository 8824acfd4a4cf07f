package dev.pushback.dsl.http;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.pushback.catalyst.Sink;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * One request of an {@link HttpClient}, in a graph: its head (method, target, headers), its body
 * as a sink and its response's body as a feed. It goes out when the graph starts and a pooled
 * connection to its origin is free; nothing of its body moves before (DESIGN N1).
 *
 * <p>The head carries {@code Host} (unless set here), the headers set here, and the framing the
 * client decides: {@code Content-Length} when one is set here (the body must have exactly that
 * many bytes), else {@code Transfer-Encoding: chunked} when the body is taken, else no body (a
 * {@code POST}, {@code PUT} or {@code PATCH} without one says {@code Content-Length: 0}). {@code
 * Transfer-Encoding} and {@code Connection} set here are ignored: the client keeps connections
 * alive itself. {@code Expect: 100-continue} holds the body back until the server answers 100,
 * or for a second.
 *
 * <pre>{@code
 * ClientRequest upload = client.request(graph, "PUT", URI.create("http://127.0.0.1:8080/files/a"))
 *     .header("Content-Type", "application/octet-stream");
 * graph.read(Path.of("a")).to(upload.body());                       // streamed at the server's pace
 * upload.onResponse(response -> System.out.println(response.status()));
 * upload.responseBody().to(graph.stdout());
 * graph.start();
 * }</pre>
 *
 * <p>The methods here are for building the request: call them before the graph starts.
 */
public final class ClientRequest {
    private final ClientExchange exchange;

    ClientRequest(Graph graph, ClientPools pools, Origin origin, String method, String target) {
        this.exchange = new ClientExchange(graph, pools, origin, method, target);
    }

    public String method() {
        return exchange.method();
    }

    /** The request target as sent: the URI's path and query. */
    public String target() {
        return exchange.target();
    }

    /**
     * Adds a header field.
     *
     * @throws IllegalArgumentException when the name is not a token or the value holds a CR, LF
     *     or another character a field value cannot (request splitting), or a {@code
     *     Content-Length} is not a decimal number
     * @throws IllegalStateException once the request has started
     */
    public ClientRequest header(String name, String value) {
        exchange.header(name, value);
        return this;
    }

    /**
     * The request body: feed it from the graph; it is written as fast as the server reads it.
     * Can be taken once; a request whose body is not taken has none.
     */
    public Sink<ByteBuffer> body() {
        return exchange.takeBody();
    }

    /**
     * The response body, in byte chunks valid until the next element: read as fast as the graph
     * takes them. Can be taken once. A response body nobody takes is read and dropped, so that the
     * connection can serve the next request.
     */
    public Feed<ByteBuffer> responseBody() {
        return exchange.takeResponseBody();
    }

    /**
     * Runs {@code action} on the catalyst thread when the response's head has arrived, before any
     * of its body moves: a handler that feeds the body into its own response sets that
     * response's status and headers here. An exception it throws fails the request, as a bad
     * response would.
     */
    public ClientRequest onResponse(Consumer<? super ClientResponse> action) {
        exchange.onResponse(action);
        return this;
    }

    /**
     * Completes with the response's head when it has arrived (on the catalyst thread, after
     * {@link #onResponse}'s action), or exceptionally when the request failed before it did.
     */
    public CompletableFuture<ClientResponse> response() {
        return exchange.response();
    }

    @Override
    public String toString() {
        return exchange.toString();
    }
}
