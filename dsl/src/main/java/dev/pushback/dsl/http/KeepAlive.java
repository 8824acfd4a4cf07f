package dev.pushback.dsl.http;

/**
 * Whether a connection stays open after an exchange (RFC 9112 §9.3). The parser says what the
 * request asked for ({@link RequestHead#keepAlive()}: HTTP/1.1 unless {@code Connection: close},
 * HTTP/1.0 only with {@code keep-alive}, never after a declined upgrade); a failed exchange keeps
 * the connection only if its error response can still be sent whole and the request was read to
 * its end — a body left unread is not read just to find where the next request starts.
 */
final class KeepAlive {
    private KeepAlive() {}

    /** After a response that was sent whole. */
    static boolean afterResponse(RequestHead head) {
        return head.keepAlive();
    }

    /**
     * After a failed exchange.
     *
     * @param headFramed whether the response head had gone out (then the response is cut short)
     * @param requestEnded whether the request, its body included, was read to its end
     */
    static boolean afterFailure(RequestHead head, boolean headFramed, boolean requestEnded) {
        return head.keepAlive() && !headFramed && requestEnded;
    }
}
