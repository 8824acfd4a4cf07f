package dev.pushback.dsl.http;

import java.nio.ByteBuffer;
import java.util.List;

import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * One request of an exchange: its head, and its body as a byte feed in the exchange's graph.
 * The body is read from the socket only when the graph can move it (DESIGN N1).
 */
public final class HttpRequest {
    private final RequestHead head;
    private final Graph graph;
    private final HttpConnection.BodySource body;
    private boolean bodyTaken;
    private boolean graphUsed;

    HttpRequest(RequestHead head, Graph graph, HttpConnection.BodySource body) {
        this.head = head;
        this.graph = graph;
        this.body = body;
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
        graphUsed = true;
        return graph;
    }

    /** The body as byte chunks; can be taken once. An unread body is skipped after the exchange. */
    public Feed<ByteBuffer> body() {
        if (bodyTaken) {
            throw new IllegalStateException("the body is already connected");
        }
        bodyTaken = true;
        graphUsed = true;
        return graph.from(body);
    }

    /** Whether the handler used the exchange's graph (took the body, or the graph itself). */
    boolean graphUsed() {
        return graphUsed;
    }
}
