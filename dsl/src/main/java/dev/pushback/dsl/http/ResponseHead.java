package dev.pushback.dsl.http;

import java.util.List;

/**
 * A parsed status line and header section.
 *
 * @param version       HTTP/1.0 or HTTP/1.1
 * @param status        the status code, 100 to 599
 * @param reason        the reason phrase as sent, possibly empty (also when the status line has
 *                      none: {@code HTTP/1.1 200\r\n})
 * @param headers       the header fields in the order received, duplicates kept
 * @param keepAlive     whether the connection can carry another request after this response:
 *                      HTTP/1.1 unless {@code Connection: close}, HTTP/1.0 only with
 *                      {@code Connection: keep-alive} (and without {@code Transfer-Encoding}),
 *                      never when the body is read until the connection closes
 *                      ({@link BodyFraming#UNTIL_CLOSE}; a response to HEAD reports the framing
 *                      but reads no body, so it can keep the connection alive)
 * @param framing       how the body is delimited: {@link BodyFraming#NONE} for 1xx, 204 and 304;
 *                      for a response to HEAD, the framing the fields give a GET's response, though
 *                      no body follows
 * @param contentLength the body length for {@link BodyFraming#CONTENT_LENGTH}, 0 for
 *                      {@link BodyFraming#NONE}, else -1
 */
record ResponseHead(
        HttpVersion version,
        int status,
        String reason,
        List<HttpHeader> headers,
        boolean keepAlive,
        BodyFraming framing,
        long contentLength) {

    public ResponseHead {
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
