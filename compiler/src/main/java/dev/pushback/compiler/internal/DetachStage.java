package dev.pushback.compiler.internal;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.Reactor;

/**
 * A detaching branch (DESIGN N5): throttles like any branch, but when a sink below it stays
 * unwritable for longer than the timeout, the sink is failed and the branch leaves the fiber's
 * mask, so one dead consumer cannot stall the others forever.
 */
final class DetachStage extends Stage {
    private final Reactor reactor;
    private final AbstractSink<?>[] sinks;
    private final Stage next;
    private final long timeoutNanos;
    private FusedBody h_body;
    private long h_blockedSince = -1;
    private long h_timer = -1;
    private boolean h_detached;

    DetachStage(Catalyst catalyst, AbstractSink<?>[] sinks, Duration timeout, Stage next) {
        this.reactor = Reactor.of(catalyst);
        this.sinks = sinks;
        this.timeoutNanos = timeout.toNanos();
        this.next = next;
    }

    AbstractSink<?>[] sinks() {
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
            h_blockedSince = reactor.nanoTime();
            if (h_timer < 0) {
                h_timer = reactor.handleScheduleAt(h_blockedSince + timeoutNanos, this::handleTimeout);
            }
        }
    }

    private boolean handleAnyBlocked() {
        for (AbstractSink<?> sink : sinks) {
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
        if (reactor.nanoTime() < due) {
            h_timer = reactor.handleScheduleAt(due, this::handleTimeout);
            return;
        }
        h_detached = true;
        TimeoutException cause = new TimeoutException("detached: not writable for " + Duration.ofNanos(timeoutNanos));
        for (AbstractSink<?> sink : sinks) {
            sink.handleClose(cause);
        }
        h_body.handleDetached(this);
    }

    @Override
    void end() throws Exception {
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        if (!h_detached) {
            next.end();
        }
    }
}
