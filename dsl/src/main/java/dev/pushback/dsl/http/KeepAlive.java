package dev.pushback.dsl.http;

/**
 * Whether a connection stays open after an exchange (RFC 9112 §9.3). The parser says what the
 * request asked for ({@link RequestHead#keepAlive()}: HTTP/1.1 unless {@code Connection: close},
 * HTTP/1.0 only with {@code keep-alive}, never after a declined upgrade); a response whose end is
 * the close (a body of unknown length to HTTP/1.0, RFC 9112 §6.3) closes it; a failed exchange keeps
 * the connection only if its error response can still be sent whole and the request was read to
 * its end — a body left unread is not read just to find where the next request starts.
 */
final class KeepAlive {
    private KeepAlive() {}

    /**
     * After a response that was sent whole.
     *
     * @param closeDelimited whether the close of the connection is what ends the response's body
     */
    static boolean afterResponse(RequestHead head, boolean closeDelimited) {
        return head.keepAlive() && !closeDelimited;
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
