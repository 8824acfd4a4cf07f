package dev.pushback.dsl.http;

/**
 * Whether a connection stays open after an exchange (RFC 9112 §9.3). The parser says what the
 * request asked for ({@link RequestHead#keepAlive()}: HTTP/1.1 unless {@code Connection: close},
 * HTTP/1.0 only with {@code keep-alive}, never after a declined upgrade); a failed exchange closes it.
 */
final class KeepAlive {
    private KeepAlive() {}

    /** After a response that was sent whole. */
    static boolean afterResponse(RequestHead head) {
        return head.keepAlive();
    }
}
