package dev.pushback.dsl.http;

import java.io.IOException;

/**
 * An exchange of an {@link HttpClient} failed: the connection could not be made, the server
 * answered with something that is not HTTP/1.1, closed the connection in the middle of the
 * response, or did not answer in time ({@link #timedOut()}). The message names the request and
 * the server; the cause, when there is one, is the failure underneath (a
 * {@link java.net.ConnectException}, a {@link javax.net.ssl.SSLHandshakeException}, …).
 *
 * <p>A server whose response is fed from a client's response that fails before its head answers
 * {@code 502 Bad Gateway}, or {@code 504 Gateway Timeout} when it timed out (RFC 9110 §15.6.3,
 * §15.6.5): what a gateway says of an upstream that failed it.
 */
public final class HttpClientException extends IOException {
    private static final long serialVersionUID = 1L;

    private final boolean timedOut;

    HttpClientException(String message, Throwable cause, boolean timedOut) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    /** Whether the server did not answer in time (the connect, or the response). */
    public boolean timedOut() {
        return timedOut;
    }

    /** The status a gateway answers with for this failure: 504 when it timed out, else 502. */
    public int gatewayStatus() {
        return timedOut ? 504 : 502;
    }

    /** The client failure in {@code failure}'s chain of causes, or null. */
    static HttpClientException in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpClientException e) {
                return e;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
