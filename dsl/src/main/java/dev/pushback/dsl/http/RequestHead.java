package dev.pushback.dsl.http;

import java.util.List;

/**
 * A parsed request line and header section.
 *
 * @param method        the method token as sent (case-sensitive, e.g. {@code GET})
 * @param target        the request target as sent (origin form, absolute form or {@code *})
 * @param version       HTTP/1.0 or HTTP/1.1
 * @param headers       the header fields in the order received, duplicates kept
 * @param keepAlive     whether the connection stays open after this request: HTTP/1.1 unless
 *                      {@code Connection: close}, HTTP/1.0 only with {@code Connection:
 *                      keep-alive} (and without {@code close} or {@code Transfer-Encoding})
 * @param framing       how the body is delimited
 * @param contentLength the body length for {@link BodyFraming#CONTENT_LENGTH}, 0 for
 *                      {@link BodyFraming#NONE}, -1 for {@link BodyFraming#CHUNKED}
 */
record RequestHead(
        String method,
        String target,
        HttpVersion version,
        List<HttpHeader> headers,
        boolean keepAlive,
        BodyFraming framing,
        long contentLength) {

    public RequestHead {
        headers = List.copyOf(headers);
    }

    /** The trimmed value of the first field with that name (case-insensitive), or null. */
    public String header(String name) {
        for (HttpHeader h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.trimmedValue();
            }
        }
        return null;
    }
}
