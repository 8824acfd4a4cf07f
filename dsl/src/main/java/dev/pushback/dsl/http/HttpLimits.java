package dev.pushback.dsl.http;

/**
 * Size limits a {@link RequestParser} enforces while it reads a request.
 *
 * <p>A {@link ResponseParser} reads the same limits for a response: {@code maxRequestLine} bounds
 * its status line, {@code maxHeaderSection} its header and trailer sections and {@code maxBody}
 * its body; it refuses all of them with 502 rather than the statuses below.
 *
 * <p>Every limit is checked as the bytes arrive, so a peer cannot make the parser hold more than
 * the limit before it answers with an error:
 *
 * <ul>
 *   <li>{@code maxRequestLine} — bytes of the request line (method, target and version, without
 *       its CRLF; empty lines before it count too). Default 8 KiB; over it the parser fails with
 *       414 URI Too Long.
 *   <li>{@code maxHeaderSection} — bytes of the header fields after the request line, CRLFs
 *       included, up to and including the empty line that ends them; the trailer section of a
 *       chunked body is counted on its own against the same limit. Default 64 KiB; over it the
 *       parser fails with 431 Request Header Fields Too Large.
 *   <li>{@code maxBody} — bytes of one request's body (after chunked decoding). Default
 *       {@link Long#MAX_VALUE}, that is unlimited; over it the parser fails with 413 Content Too
 *       Large — at once when the {@code Content-Length} or a chunk size says so, before any of
 *       the body is delivered.
 * </ul>
 *
 * @param maxRequestLine   most bytes in a request line, at least 16
 * @param maxHeaderSection most bytes in a header (or trailer) section, at least 2
 * @param maxBody          most body bytes of one request, at least 0
 */
public record HttpLimits(int maxRequestLine, int maxHeaderSection, long maxBody) {

    /** 8 KiB request line, 64 KiB header section, unlimited body. */
    public static final HttpLimits DEFAULT = new HttpLimits(8 * 1024, 64 * 1024, Long.MAX_VALUE);

    public HttpLimits {
        if (maxRequestLine < 16) {
            throw new IllegalArgumentException("maxRequestLine < 16: " + maxRequestLine);
        }
        if (maxHeaderSection < 2) {
            throw new IllegalArgumentException("maxHeaderSection < 2: " + maxHeaderSection);
        }
        if (maxBody < 0) {
            throw new IllegalArgumentException("maxBody < 0: " + maxBody);
        }
    }

    /** The defaults with a body limit. */
    public static HttpLimits withMaxBody(long maxBody) {
        return new HttpLimits(DEFAULT.maxRequestLine, DEFAULT.maxHeaderSection, maxBody);
    }
}
