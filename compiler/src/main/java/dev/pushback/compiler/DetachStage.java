package dev.pushback.compiler;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.Sink;

/**
 * A detaching branch (DESIGN N5): throttles like any branch, but when a sink below it stays
 * unwritable for longer than the timeout, the sink is failed and the branch leaves the fiber's
 * mask, so one dead consumer cannot stall the others forever.
 */
final class DetachStage extends Stage {
    private final Catalyst catalyst;
    private final Sink<?>[] sinks;
    private final Stage next;
    private final long timeoutNanos;
    private FusedBody h_body;
    private long h_blockedSince = -1;
    private long h_timer = -1;
    private boolean h_detached;

    DetachStage(Catalyst catalyst, Sink<?>[] sinks, Duration timeout, Stage next) {
        this.catalyst = catalyst;
        this.sinks = sinks;
        this.timeoutNanos = timeout.toNanos();
        this.next = next;
    }

    Sink<?>[] sinks() {
        return sinks;
    }

    void handleBind(FusedBody body) {
        h_body = body;
    }

    @Override
    void accept(Object element) throws Exception {
        if (h_detached) {
            return;
        }
        h_blockedSince = -1; // the fiber moves only when these sinks were writable
        next.accept(element);
        if (handleAnyBlocked()) {
            h_blockedSince = catalyst.nanoTime();
            if (h_timer < 0) {
                h_timer = catalyst.handleScheduleAt(h_blockedSince + timeoutNanos, this::handleTimeout);
            }
        }
    }

    private boolean handleAnyBlocked() {
        for (Sink<?> sink : sinks) {
            if (!sink.handleIsAvailable() && !sink.handleIsClosed()) {
                return true;
            }
        }
        return false;
    }

    private void handleTimeout() {
        h_timer = -1;
        if (h_detached || h_blockedSince < 0 || !handleAnyBlocked()) {
            return;
        }
        long due = h_blockedSince + timeoutNanos;
        if (catalyst.nanoTime() < due) {
            h_timer = catalyst.handleScheduleAt(due, this::handleTimeout);
            return;
        }
        h_detached = true;
        TimeoutException cause = new TimeoutException("detached: not writable for " + Duration.ofNanos(timeoutNanos));
        for (Sink<?> sink : sinks) {
            sink.handleClose(cause);
        }
        h_body.handleDetached(this);
    }

    @Override
    void end() throws Exception {
        if (h_timer >= 0) {
            catalyst.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        if (!h_detached) {
            next.end();
        }
    }
}
