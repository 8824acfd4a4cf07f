package dev.pushback.dsl.http;

import java.nio.ByteBuffer;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * One request of an exchange: its head, and its body as a byte feed in the exchange's graph.
 * The body is read from the socket only when the graph can move it (DESIGN N1).
 */
public final class HttpRequest {
    private final RequestHead head;
    private final Catalyst catalyst;
    private final HttpConnection connection;
    private Graph graph; // made when first used: an exchange answered with send() compiles nothing
    private BodySource body;

    HttpRequest(RequestHead head, Catalyst catalyst, HttpConnection connection) {
        this.head = head;
        this.catalyst = catalyst;
        this.connection = connection;
    }

    public String method() {
        return head.method();
    }

    public String target() {
        return head.target();
    }

    public HttpVersion version() {
        return head.version();
    }

    public List<HttpHeader> headers() {
        return head.headers();
    }

    /** The first value of header {@code name} (case-insensitive), trimmed, or null. */
    public String header(String name) {
        return head.header(name);
    }

    /** Whether the request has a body (Content-Length above 0, or chunked). */
    public boolean hasBody() {
        return head.framing() == BodyFraming.CHUNKED || head.contentLength() > 0;
    }

    /** The exchange's graph, for sources and stages beyond the body. */
    public Graph graph() {
        if (graph == null) {
            graph = Graph.on(catalyst);
        }
        return graph;
    }

    /** The body as byte chunks; can be taken once. An unread body is skipped after the exchange. */
    public Feed<ByteBuffer> body() {
        if (body != null) {
            throw new IllegalStateException("the body is already connected");
        }
        body = new BodySource(catalyst, connection);
        return graph().from(body);
    }

    /** The exchange's graph if the handler used it (took the body, or the graph itself), else null. */
    Graph usedGraph() {
        return graph;
    }

    /** The body's source if the handler took the body, else null. */
    BodySource bodySource() {
        return body;
    }
}
