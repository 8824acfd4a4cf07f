package dev.pushback.dsl.http;

/** How the end of a request body is found (RFC 9112 §6.3). */
enum BodyFraming {
    /** No {@code Content-Length} and no {@code Transfer-Encoding}: the request has no body. */
    NONE,
    /** {@code Content-Length}: exactly that many bytes follow the head. */
    CONTENT_LENGTH,
    /** {@code Transfer-Encoding} ending in {@code chunked}: the body ends with the last chunk. */
    CHUNKED
}
