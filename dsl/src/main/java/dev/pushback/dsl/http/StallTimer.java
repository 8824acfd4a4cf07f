package dev.pushback.dsl.http;

import dev.pushback.catalyst.spi.Reactor;

/**
 * The deadline of a connection that waits on its client in the middle of an exchange: for body
 * bytes the client does not send, or for the client to take response bytes it does not read
 * (nginx's {@code client_body_timeout} and {@code send_timeout}). With nothing moving for the idle
 * timeout, the exchange fails and the connection closes, so a client that stalls cannot hold a
 * connection slot for ever (N13). A server that is slow itself — a handler whose data comes late
 * — is not the client's stall, and no deadline runs for it.
 *
 * <p>As {@link HeadTimer}, one catalyst timer stays scheduled while exchanges go on, and looks at
 * the connection when it fires: progress is a time stamp, not a timer moved at every byte.
 */
final class StallTimer {
    private final Reactor reactor;
    private final HttpConnection connection;
    private final long timeoutNanos;
    private final Runnable h_fired = this::handleFired;
    private long h_timer = -1;
    private long h_lastProgress;

    StallTimer(Reactor reactor, HttpConnection connection, HttpServer.Options options) {
        this.reactor = reactor;
        this.connection = connection;
        this.timeoutNanos = options.idleTimeout().toNanos();
    }

    /** The client did something: sent bytes, or took some. */
    void handleProgress() {
        h_lastProgress = reactor.nanoTime();
    }

    /** An exchange starts, or the connection closes after its output: the deadline runs while it waits on the client. */
    void handleArm() {
        h_lastProgress = reactor.nanoTime();
        if (h_timer < 0) {
            h_timer = reactor.handleScheduleAt(h_lastProgress + timeoutNanos, h_fired);
        }
    }

    /** The connection closed. */
    void handleClose() {
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
    }

    private void handleFired() {
        h_timer = -1;
        if (!connection.handleInExchange()) {
            return; // idle between exchanges (the head timer's), or closed; armed again at the next
        }
        long now = reactor.nanoTime();
        long due = h_lastProgress + timeoutNanos;
        boolean waitingOnClient = connection.handleWaitingOnClient();
        if (waitingOnClient && now - due >= 0) {
            connection.handleStalled(timeoutNanos);
            return;
        }
        h_timer = reactor.handleScheduleAt(waitingOnClient ? due : now + timeoutNanos, h_fired);
    }
}
