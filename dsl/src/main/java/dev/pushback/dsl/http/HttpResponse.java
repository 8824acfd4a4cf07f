package dev.pushback.dsl.http;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Sink;
import dev.pushback.dsl.internal.Handles;

/**
 * The response of an exchange, a byte sink. Its head goes out with the first body bytes (or at
 * the end): with {@code Content-Length} when the handler set one, else chunked (to an HTTP/1.0
 * client, which knows no chunked coding: ended by the close of the connection). The server adds
 * the {@code Date}, unless the handler set one, and decides {@code Transfer-Encoding} and
 * {@code Connection} itself. It is writable
 * while the socket is, so whatever feeds it moves at the client's pace (DESIGN N1). Bytes are
 * framed into the connection's output, which writes them once per round, so pipelined responses
 * share a write.
 *
 * <pre>{@code
 * server.each((request, response) -> {
 *     if (request.hasBody()) {
 *         response.header("Content-Type", "application/octet-stream");
 *         request.body().to(response);              // streamed back at the client's pace
 *     } else {
 *         response.status(404).send("no such page\n");
 *     }
 * });
 * }</pre>
 *
 * <p>The handler's thread is the catalyst's; so is every method here.
 */
public final class HttpResponse implements Sink<ByteBuffer> {
    static {
        Handles.installFacade(HttpResponse.class, response -> ((HttpResponse) response).sink);
    }

    private final ResponseSink sink;

    HttpResponse(ResponseSink sink) {
        this.sink = sink;
    }

    /**
     * Sets the status code (200 by default); before the first body bytes. A final one: 200 to
     * 999, as a 1xx is interim and the server sends the one it supports (100 Continue) itself. A
     * 204, 205 or 304 carries no content (RFC 9110 §6.4.1): a body given to it is not sent, nor
     * is a {@code Content-Length} on a 204; a 304 keeps one the handler sets (the length of the
     * 200 it stands for).
     *
     * @throws IllegalArgumentException for a code outside 200..999
     */
    public HttpResponse status(int code) {
        sink.status(code);
        return this;
    }

    /**
     * Adds a header; {@code Content-Length} makes the body go out unframed, not chunked.
     *
     * @throws IllegalArgumentException when the name is not a token, or the value holds a
     *     character a field value cannot (CR, LF, another control character, one above U+00FF),
     *     or a {@code Content-Length} is not a decimal number: such a field could end the head
     *     early (response splitting)
     */
    public HttpResponse header(String name, String value) {
        sink.header(name, value);
        return this;
    }

    /**
     * Sends {@code body} (UTF-8) as the whole response body, with its length. It is framed as
     * soon as the handler returns, without a graph; a handler that sends must not also feed the
     * response from a graph.
     */
    public void send(String body) {
        sink.send(body);
    }

    @Override
    public String name() {
        return sink.name();
    }

    /** Completes when the response is written, or exceptionally when it failed. */
    @Override
    public CompletableFuture<Void> closed() {
        return sink.closed();
    }
}
