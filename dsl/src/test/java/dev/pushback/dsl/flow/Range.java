package dev.pushback.dsl.flow;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSource;

/** 0, 1, … up to {@code count} elements, always readable: a stream of any length, Long.MAX_VALUE too. */
final class Range extends AbstractSource<Long> {
    private final long count;
    private long h_next;

    Range(Catalyst catalyst, long count) {
        super(catalyst, "range(" + count + ")");
        this.count = count;
    }

    @Override
    public Long handlePoll() {
        if (h_next == count) {
            handleEnd();
            return null;
        }
        return h_next++;
    }
}
