package dev.pushback.catalyst.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.NanoClock;

/**
 * The catalyst's timers (DESIGN N12): a deadline timer wheel read on one clock, the one in the
 * catalyst's config, so a test that drives the clock by hand drives every timer. Catalyst thread only.
 */
final class Timers {
    private static final long TICK_NANOS = 1L << 20; // about a millisecond

    private final NanoClock clock;
    private final DeadlineTimerWheel h_wheel;
    private final Long2ObjectHashMap<Runnable> h_actions = new Long2ObjectHashMap<>();
    private final DeadlineTimerWheel.TimerHandler h_onTimer = this::handleExpired;
    private BiConsumer<String, Throwable> h_errors;
    private long h_earliest = Long.MAX_VALUE;

    Timers(NanoClock clock) {
        this.clock = clock;
        this.h_wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, clock.nanoTime(), TICK_NANOS, 512);
    }

    long nanoTime() {
        return clock.nanoTime();
    }

    long handleScheduleAt(long deadlineNanos, Runnable action) {
        long id = h_wheel.scheduleTimer(deadlineNanos);
        h_actions.put(id, action);
        h_earliest = Math.min(h_earliest, deadlineNanos);
        return id;
    }

    boolean handleCancel(long timerId) {
        if (h_actions.remove(timerId) == null) {
            return false;
        }
        h_wheel.cancelTimer(timerId);
        return true;
    }

    long handleCount() {
        return h_wheel.timerCount();
    }

    /** Nanoseconds until the earliest timer is due: 0 when one is, {@link Long#MAX_VALUE} with none. */
    long handleNanosUntilDue() {
        if (h_wheel.timerCount() == 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, h_earliest - clock.nanoTime());
    }

    /** Milliseconds a select may block for the earliest timer, at least 1 (a tick rounds up). */
    long handleMillisUntilDue() {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(h_earliest - clock.nanoTime() + TICK_NANOS));
    }

    /** Runs the timers due now; an action that throws is reported and the others run. */
    int handleExpire(BiConsumer<String, Throwable> errors) {
        if (h_wheel.timerCount() == 0) {
            return 0;
        }
        long now = clock.nanoTime();
        if (now < h_earliest) {
            return 0;
        }
        h_errors = errors;
        int expired = 0;
        // The wheel advances one tick per poll; catch up to now.
        do {
            expired += h_wheel.poll(now, h_onTimer, Integer.MAX_VALUE);
        } while (h_wheel.timerCount() > 0 && h_wheel.currentTickTime() <= now);
        long[] earliest = {Long.MAX_VALUE};
        h_wheel.forEach((deadline, id) -> earliest[0] = Math.min(earliest[0], deadline));
        h_earliest = earliest[0];
        return expired;
    }

    private boolean handleExpired(TimeUnit unit, long now, long timerId) {
        Runnable action = h_actions.remove(timerId);
        if (action != null) {
            try {
                action.run();
            } catch (Throwable t) {
                h_errors.accept("timer action failed", t);
            }
        }
        return true;
    }

    void handleClear() {
        h_actions.clear();
        h_wheel.clear();
        h_earliest = Long.MAX_VALUE;
    }
}
