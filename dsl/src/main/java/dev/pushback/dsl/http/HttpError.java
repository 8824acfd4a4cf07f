package dev.pushback.dsl.http;

/**
 * Why a {@link RequestParser} refused its input: the HTTP status a server should answer with
 * before it closes the connection, a short reason for logs, and where in the stream it happened.
 *
 * @param status  400, 413, 414, 431, 501 or 505
 * @param reason  a short human-readable reason (not meant for matching)
 * @param offset  byte offset, counted from the first byte ever fed, of the byte that made the
 *                input invalid (for limits: the first byte over the limit; for upgrades: the
 *                head's final LF)
 * @param upgrade whether the request asked to leave HTTP/1.1 ({@code CONNECT}, an
 *                {@code Upgrade} with {@code Connection: upgrade} in HTTP/1.1, or the HTTP/2 preface
 *                {@code PRI}), which this parser does not support
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
