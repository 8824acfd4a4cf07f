package dev.pushback.jmh;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * Endpoints for benchmarks that allocate nothing per element: a source that is always readable
 * and gives the same mutable {@link Cell} every poll, and a sink that is always writable and sums
 * what it is offered. So what a benchmark measures per element is the fiber and its fused body.
 */
final class Fixtures {
    private Fixtures() {}

    /** The element: a mutable holder, so that maps can do arithmetic without boxing. */
    static final class Cell {
        long value;
    }

    /** Always readable; every poll gives the same cell, never ends. */
    static final class EndlessSource extends AbstractSource<Object> {
        private final Cell cell = new Cell();

        EndlessSource(Catalyst catalyst, String name) {
            super(catalyst, name);
        }

        @Override
        public Object handlePoll() {
            return cell;
        }
    }

    /** Always writable; adds each cell's value to {@link #sum}. */
    static final class SumSink extends AbstractSink<Object> {
        long sum;
        long count;

        SumSink(Catalyst catalyst, String name) {
            super(catalyst, name);
        }

        @Override
        public void handleAccept(Object element) {
            sum += ((Cell) element).value;
            count++;
        }

        @Override
        protected boolean handleHasPending() {
            return false;
        }
    }

    /** {@code x -> x + c} on a cell. */
    static Object add(Object x, long c) {
        ((Cell) x).value += c;
        return x;
    }

    /**
     * Stage {@code i} of a chain: {@code x -> x + c}, each index its own lambda class, as the maps
     * of a real chain are (user code writes one lambda per stage).
     */
    static java.util.function.Function<Object, Object> stage(int i, long c) {
        switch (i) {
            case 0: return x -> add(x, c);
            case 1: return x -> add(x, c);
            case 2: return x -> add(x, c);
            case 3: return x -> add(x, c);
            case 4: return x -> add(x, c);
            case 5: return x -> add(x, c);
            case 6: return x -> add(x, c);
            case 7: return x -> add(x, c);
            case 8: return x -> add(x, c);
            case 9: return x -> add(x, c);
            case 10: return x -> add(x, c);
            case 11: return x -> add(x, c);
            case 12: return x -> add(x, c);
            case 13: return x -> add(x, c);
            case 14: return x -> add(x, c);
            case 15: return x -> add(x, c);
            default: throw new IllegalArgumentException("at most 16 stages: " + i);
        }
    }

    /** Runs rounds until {@code done} holds or {@code maxRounds} pass. */
    static void runUntil(Catalyst catalyst, java.util.function.BooleanSupplier done, int maxRounds) {
        for (int i = 0; i < maxRounds && !done.getAsBoolean(); i++) {
            catalyst.runOnce(0);
        }
    }
}
