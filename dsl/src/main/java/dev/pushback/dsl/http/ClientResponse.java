package dev.pushback.dsl.http;

import java.util.List;

/**
 * The head of a response an {@link HttpClient} received: its status line and header fields. The
 * body is the request's {@link ClientRequest#responseBody()}.
 */
public final class ClientResponse {
    private final ResponseHead head;

    ClientResponse(ResponseHead head) {
        this.head = head;
    }

    /** The status code, 200 to 599 (an interim 1xx is never a response here). */
    public int status() {
        return head.status();
    }

    /** The reason phrase as sent (possibly empty); a client should not rely on it (RFC 9112 §4). */
    public String reason() {
        return head.reason();
    }

    public HttpVersion version() {
        return head.version();
    }

    /** The header fields in the order received, duplicates kept. */
    public List<HttpHeader> headers() {
        return head.headers();
    }

    /** The first value of header {@code name} (case-insensitive), trimmed, or null. */
    public String header(String name) {
        return head.header(name);
    }

    /**
     * The length of the body, if the response said it ({@code Content-Length}), else -1 (chunked,
     * or ended by the close of the connection); 0 for a response that has no body (to a HEAD, a
     * 204, a 304).
     */
    public long contentLength() {
        return head.framing() == BodyFraming.NONE ? 0 : head.contentLength();
    }

    @Override
    public String toString() {
        return "HTTP/" + head.version().text() + " " + head.status() + " " + head.reason();
    }
}
