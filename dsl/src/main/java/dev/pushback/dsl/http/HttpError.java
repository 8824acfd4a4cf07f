package dev.pushback.dsl.http;

/**
 * Why a {@link RequestParser} or a {@link ResponseParser} refused its input: the HTTP status to
 * answer with before the connection is closed, a short reason for logs, and where in the stream
 * it happened.
 *
 * @param status  an error status, 400 to 599: from a request parser 400, 413, 414, 431, 501 or
 *                505 (what a server answers); from a response parser always 502 Bad Gateway
 *                (what a gateway answers its own client when the server's response is unusable)
 * @param reason  a short human-readable reason (not meant for matching)
 * @param offset  byte offset, counted from the first byte ever fed, of the byte that made the
 *                input invalid (for limits: the first byte over the limit; for upgrades: the
 *                head's final LF)
 * @param upgrade whether the message asked to leave HTTP/1.1 ({@code CONNECT}, an
 *                {@code Upgrade} with {@code Connection: upgrade} in HTTP/1.1, or the HTTP/2 preface
 *                {@code PRI}; in a response: 101 Switching Protocols, or a 2xx answer to
 *                {@code CONNECT}), which the parsers do not support
 */
record HttpError(int status, String reason, long offset, boolean upgrade) {

    public HttpError {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
    }

    @Override
    public String toString() {
        return status + " " + reason + " at byte " + offset + (upgrade ? " (upgrade)" : "");
    }
}
