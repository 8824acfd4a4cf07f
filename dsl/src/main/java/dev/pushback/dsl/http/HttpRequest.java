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

    /**
     * The host the request is for, as RFC 9112 §3.2.2 says to find it: the authority of an
     * absolute-form target ({@code GET http://example.org:8080/x}), whatever {@code Host} says,
     * else the {@code Host} field; {@code host[:port]} as sent, or null (an HTTP/1.0 request
     * without {@code Host}). A proxy or a virtual host reads this, not {@code header("Host")}.
     */
    public String host() {
        String target = head.target();
        int scheme = target.indexOf("://");
        if (scheme > 0 && target.charAt(0) != '/') {
            int start = scheme + 3;
            int end = start;
            while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
                end++;
            }
            String authority = target.substring(start, end);
            return authority.substring(authority.lastIndexOf('@') + 1); // userinfo is no part of the host
        }
        return head.header("Host");
    }

    /**
     * The client's address: an {@link java.net.InetSocketAddress}, or a {@link
     * java.net.UnixDomainSocketAddress} (unnamed, for a client of a Unix domain socket); null if
     * the client was gone before it was known.
     */
    public java.net.SocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    /** {@code "https"} when the request came over TLS, else {@code "http"}. */
    public String scheme() {
        return connection.secure() ? "https" : "http";
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
