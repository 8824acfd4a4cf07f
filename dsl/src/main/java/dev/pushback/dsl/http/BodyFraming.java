package dev.pushback.dsl.http;

/** How the end of a message body is found (RFC 9112 §6.3). */
enum BodyFraming {
    /**
     * No body: a request without {@code Content-Length} and {@code Transfer-Encoding}, or a
     * response that never has one (1xx, 204, 304).
     */
    NONE,
    /** {@code Content-Length}: exactly that many bytes follow the head. */
    CONTENT_LENGTH,
    /** {@code Transfer-Encoding} ending in {@code chunked}: the body ends with the last chunk. */
    CHUNKED,
    /**
     * Responses only: a body ended by the close of the connection — a response with neither
     * {@code Content-Length} nor {@code Transfer-Encoding}, or with a {@code Transfer-Encoding}
     * whose last coding is not {@code chunked} (RFC 9112 §6.3 items 4 and 7). Such a connection
     * never carries another request.
     */
    UNTIL_CLOSE
}
