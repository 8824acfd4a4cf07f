package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code Expect: 100-continue} (RFC 9110 §10.1.1): a client that asks waits for an interim
 * {@code 100 Continue} before it sends the body. It is sent when the exchange first reads the
 * body, so a handler that never reads it never asks for it, and not at all once the final
 * response has gone out. One per connection, reset for every request.
 *
 * <p>An HTTP/1.0 request's {@code 100-continue} is ignored (RFC 9110 §10.1.1): HTTP/1.0 has no
 * 1xx responses, and the server sends it none (§15.2). Any other expectation has been refused
 * with 417 before the exchange starts ({@link RequestChecks}).
 */
final class ExpectContinue {
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final ConnectionOutput output;
    private boolean h_due;

    ExpectContinue(ConnectionOutput output) {
        this.output = output;
    }

    /** A new request: whether it waits for a 100 (HTTP/1.1, the expectation, a body still to come). */
    void handleRequest(RequestHead head, boolean bodyEnded) {
        h_due = false;
        if (head.version() == HttpVersion.HTTP_1_1 && !bodyEnded) {
            for (HttpHeader header : head.headers()) {
                // what RequestChecks let through holds nothing but 100-continue, perhaps listed twice
                h_due |= header.name().equalsIgnoreCase("Expect") && !header.value().replace(',', ' ').isBlank();
            }
        }
    }

    /** The exchange reads the body: the 100 goes out now, unless the final response head already has. */
    void handleBodyRead(ResponseSink response) throws IOException {
        if (!h_due) {
            return;
        }
        h_due = false;
        if (response != null && response.handleHeadWritten()) {
            return; // too late to ask for the body
        }
        output.handleRoom(CONTINUE.length).put(CONTINUE);
        output.handleFlush(); // now: the client waits for it before it sends what the next read would find
    }
}
