package dev.pushback.catalyst.endpoint;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import com.sun.management.UnixOperatingSystemMXBean;

/**
 * How many connections a listener may hold without running the process out of file descriptors
 * (DESIGN N13): the process's limit ({@code ulimit -n}) less the descriptors open now and a
 * reserve for what else the process opens (files, selectors, pipes, bridges) — 64 or an eighth
 * of the limit, whichever is larger — and never more than the configured maximum. Where the
 * system does not say (not a Unix), the configured maximum. Several listeners in one process
 * each take their budget from what is left when they open; an accept that still meets the limit
 * pauses (see {@link AcceptSource}).
 */
public final class DescriptorBudget {
    static final long MIN_RESERVE = 64;

    private DescriptorBudget() {}

    /** The connections a listener opening now may hold: at most {@code configuredMax}, at least 1. */
    public static int connections(int configuredMax) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof UnixOperatingSystemMXBean)) {
            return configuredMax;
        }
        UnixOperatingSystemMXBean unix = (UnixOperatingSystemMXBean) os;
        return connections(configuredMax, unix.getMaxFileDescriptorCount(), unix.getOpenFileDescriptorCount());
    }

    /** The same for a given limit and descriptors open now; a negative count means unknown. */
    static int connections(int configuredMax, long limit, long open) {
        if (limit <= 0 || open < 0) {
            return configuredMax;
        }
        long reserve = Math.max(MIN_RESERVE, limit / 8);
        long free = limit - open - reserve;
        return (int) Math.max(1, Math.min(configuredMax, free));
    }
}
