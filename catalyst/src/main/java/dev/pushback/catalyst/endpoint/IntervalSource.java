package dev.pushback.catalyst.endpoint;

import java.time.Duration;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * A source that becomes available every period (DESIGN N12); each element is the number of the
 * latest tick (1, 2, …). Ticks the fiber could not take in time are coalesced, never queued. The
 * timer lives in the catalyst's timer wheel, not in another thread.
 *
 * <pre>{@code
 * IntervalSource everySecond = IntervalSource.every(catalyst, Duration.ofSeconds(1));
 * }</pre>
 */
public final class IntervalSource extends AbstractSource<Long> {
    private final long periodNanos;
    private long h_ticks;
    private long h_given;
    private long h_nextDeadline;
    private long h_timer = -1;

    private IntervalSource(Catalyst catalyst, long periodNanos) {
        super(catalyst, "interval " + Duration.ofNanos(periodNanos));
        if (periodNanos <= 0) {
            throw new IllegalArgumentException("period must be positive");
        }
        this.periodNanos = periodNanos;
    }

    public static IntervalSource every(Catalyst catalyst, Duration period) {
        return new IntervalSource(catalyst, period.toNanos());
    }

    @Override
    protected boolean handleInitiallyAvailable() {
        return false;
    }

    @Override
    protected void handleOpen() {
        h_nextDeadline = reactor.nanoTime() + periodNanos;
        h_timer = reactor.handleScheduleAt(h_nextDeadline, this::handleTick);
    }

    private void handleTick() {
        h_ticks++;
        long now = reactor.nanoTime();
        h_nextDeadline += periodNanos;
        if (h_nextDeadline <= now) {
            h_nextDeadline = now + periodNanos; // fell behind: skip, do not burst
        }
        h_timer = reactor.handleScheduleAt(h_nextDeadline, this::handleTick);
        handleSetAvailable();
    }

    @Override
    public Long handlePoll() {
        if (h_given == h_ticks) {
            handleClearAvailable();
            return null;
        }
        h_given = h_ticks;
        return h_ticks;
    }

    /** Stops ticking: the stream ends after the tick in hand. */
    public void handleStop() {
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        handleEnd();
    }

    @Override
    protected void handleRelease() {
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
    }
}
