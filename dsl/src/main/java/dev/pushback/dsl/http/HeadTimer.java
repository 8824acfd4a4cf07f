package dev.pushback.dsl.http;

import dev.pushback.catalyst.spi.Reactor;

/**
 * The deadline of a connection waiting for a request head. With nothing of a request read, it may
 * stay idle for the idle timeout; once a head has started, the head must be complete within the
 * header timeout, counted from when its first bytes were read, however slowly the rest trickles in (slowloris).
 *
 * <p>A keep-alive connection arms it before every wait and disarms it at every head, so the
 * catalyst's timer is not moved each time: it stays scheduled, and when it fires it looks at the
 * deadline of now — none (disarmed), a later one (scheduled again for that), or one that has passed.
 */
final class HeadTimer {
    private final Reactor reactor;
    private final HttpConnection connection;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final Runnable h_fired = this::handleFired;
    private long h_timer = -1;
    private long h_timerAt;
    private boolean h_armed;
    private long h_deadline;

    HeadTimer(Reactor reactor, HttpConnection connection, HttpServer.Options options) {
        this.reactor = reactor;
        this.connection = connection;
        this.headerTimeoutNanos = options.headerTimeout().toNanos();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
    }

    /** The connection waits for bytes: of a head that has started, or of the next request. */
    void handleArm(boolean headStarted) {
        long now = reactor.nanoTime();
        if (!headStarted) {
            h_deadline = now + idleTimeoutNanos;
        } else if (!h_armed || h_deadline - now > headerTimeoutNanos) {
            h_deadline = now + headerTimeoutNanos; // the head started: its clock starts now, once
        }
        h_armed = true;
        if (h_timer >= 0 && h_timerAt - h_deadline > 0) {
            reactor.handleCancelTimer(h_timer); // the deadline moved earlier: a head has started
            h_timer = -1;
        }
        if (h_timer < 0) {
            handleSchedule();
        }
    }

    /** A head is complete: no deadline until the connection waits again. */
    void handleDisarm() {
        h_armed = false;
    }

    /** The connection closed. */
    void handleClose() {
        h_armed = false;
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
    }

    private void handleSchedule() {
        h_timerAt = h_deadline;
        h_timer = reactor.handleScheduleAt(h_deadline, h_fired);
    }

    private void handleFired() {
        h_timer = -1;
        if (!h_armed) {
            return; // scheduled again at the next wait
        }
        if (reactor.nanoTime() - h_deadline < 0) {
            handleSchedule();
            return;
        }
        h_armed = false;
        connection.handleHeadTimedOut();
    }
}
