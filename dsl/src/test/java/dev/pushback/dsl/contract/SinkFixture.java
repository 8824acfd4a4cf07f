package dev.pushback.dsl.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * One sink implementation under the contract of {@link SinkContractTest}: how to make it on a rig,
 * what to offer it, how its consumer takes (or stops taking) what it writes, how to break its IO,
 * and what it must have released afterwards — plus what it can legitimately not do, stated as a
 * capability that the contract checks as actual behaviour.
 */
abstract class SinkFixture implements Closeable {
    /** What a sink does when its consumer stops taking (DESIGN N2, N3, N8, N10, N14). */
    enum Writability {
        /** A partial write (or a full hand-off) leaves at most one pending element and clears the bit until drained. */
        CLEARS_UNTIL_DRAINED,
        /** A regular file, a collector: every offer is taken whole at once, so the bit never clears. */
        ALWAYS_WRITABLE
    }

    /**
     * How the fixture's underlying IO (or its consumer) is made to fail, or why it cannot be.
     *
     * @param how what the test does, or why nothing can make this sink fail by itself
     * @param cause recognises the failure in a cause chain; null when the sink cannot fail
     * @param fromStart the IO fails from its first use (set up before the graph starts)
     * @param inTheMove the failure comes out of the offer the fiber makes (a write, a handler), so
     *     the fiber fails with it; learnt outside a move (a drain, a helper thread, a round-end
     *     flush), the sink closes with it and the fiber fails at its next offer with {@code "<sink>
     *     is closed"}, which carries no cause: what the SPI gives a sink today (no {@code
     *     handleFail} for sinks), so the failure itself is in {@code closed()} only
     * @param failsFiber whether the fiber fails; a Reactive Streams consumer's failure is a cancel instead
     */
    record Failure(String how, Predicate<Throwable> cause, boolean fromStart, boolean inTheMove, boolean failsFiber) {
        static Failure none(String why) {
            return new Failure(why, null, false, true, true);
        }

        /** Learnt by the offer in the fiber's move. */
        static Failure inTheMove(String how, String... messages) {
            return new Failure(how, matching(messages), false, true, true);
        }

        /** Learnt outside a move: the sink closes with it, the fiber fails at its next offer. */
        static Failure outsideTheMove(String how, String... messages) {
            return new Failure(how, matching(messages), false, false, true);
        }

        static Failure fromStart(String how, String... messages) {
            return new Failure(how, matching(messages), true, true, true);
        }

        static Failure cancelling(String how, String... messages) {
            return new Failure(how, matching(messages), false, false, false);
        }

        private static Predicate<Throwable> matching(String... messages) {
            return t -> {
                for (String message : messages) {
                    if (t.getMessage() != null && t.getMessage().contains(message)) {
                        return true;
                    }
                }
                return false;
            };
        }

        boolean possible() {
            return cause != null;
        }
    }

    protected final Rig rig;
    AbstractSink<?> sink;
    CompiledPlan plan;
    /** How often {@code closed()} completed: once. */
    final AtomicInteger closedCompletions = new AtomicInteger();

    SinkFixture(Rig rig) {
        this.rig = rig;
    }

    /** Starts the sink fed by the feed {@code upstream} makes in the sink's graph; sets {@link #sink} and {@link #plan}. */
    final void start(Function<Graph, Feed<Object>> upstream) throws Exception {
        open(upstream);
        rig.until("the sink has joined its graph", () -> sink != null && (sink.handleBit() >= 0 || sink.handleIsClosed()));
        sink.closed().whenComplete((ok, failure) -> closedCompletions.incrementAndGet());
    }

    protected abstract void open(Function<Graph, Feed<Object>> upstream) throws Exception;

    /** The ordinary case: a graph of the sink's own, started from the test thread. */
    @SuppressWarnings("unchecked")
    protected final void startAlone(AbstractSink<?> made, Function<Graph, Feed<Object>> upstream) {
        Graph graph = Graph.on(rig.catalyst);
        sink = made;
        upstream.apply(graph).to((AbstractSink<Object>) made);
        plan = (CompiledPlan) graph.compile();
        graph.start();
    }

    /** The element offered {@code i}-th. Test thread. */
    abstract Object element(int i) throws Exception;

    /** The consumer downstream takes what the sink writes (true), or takes nothing (false). Test thread. */
    abstract void consume(boolean on) throws Exception;

    abstract Writability writability();

    /**
     * Whether, once the bit is clear, only the test's consumer can make it writable again. Not so
     * where the kernel (a socket moving bytes from its send buffer to its peer's receive buffer)
     * or a helper thread (a bridge writing a full pipe) may still take bytes after the bit cleared.
     */
    abstract boolean stuckUntilConsumed();

    /** On the catalyst: what the sink holds of what it was given and has not written (N3); {@code moved} elements reached it. */
    abstract long pending(long moved);

    /** The most {@link #pending} may be: one element, or what the implementation states. */
    abstract long maxPending();

    /**
     * Whether anything pending means the bit is clear. Not so for a sink that gathers small
     * elements into one write (N16): what it gathers is pending while it is still writable.
     */
    boolean pendingOnlyWhileUnwritable() {
        return true;
    }

    /** On the catalyst, while the bit is clear: the sink has arranged to learn that it can write (N2); {@code moved} reached it. */
    void assertArmed(long moved) {}

    abstract Failure failure();

    void failFromStart() throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not fail from its start");
    }

    /** Makes the underlying IO (or the consumer) fail now. Test thread, between rounds. */
    void fail() throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no IO to fail");
    }

    /**
     * Whether the consumer has elements {@code 0..units-1}: on the catalyst, or on the test thread
     * between rounds (which is the catalyst's thread then: the test runs every round).
     */
    abstract boolean received(int units);

    /** The consumer got exactly elements {@code 0..units-1}, in order. */
    abstract void assertReceived(int units) throws Exception;

    /** After the sink closed normally: its consumer saw the end exactly once, and nothing after it (N11). */
    abstract void assertEndSeenOnce(int units) throws Exception;

    /** After the sink failed with {@code failure}: what its consumer saw of it, where it can see one. */
    abstract void assertFailureSeen(Throwable failure) throws Exception;

    /** The sink's own resources are gone: its descriptor closed, its helper done. Test thread, once it has closed. */
    abstract void assertReleased() throws Exception;

    /** What a catalyst close leaves of this fixture: nothing for an endpoint, which the catalyst closes. */
    SourceFixture.Leftover leftByCatalystClose() {
        return SourceFixture.Leftover.NONE;
    }

    @Override
    public void close() throws IOException {}

    /** A sink of byte chunks: element {@code i} is {@link Units#sinkBytes}({@code i}). */
    abstract static class Bytes extends SinkFixture {
        Bytes(Rig rig) {
            super(rig);
        }

        @Override
        Object element(int i) {
            return ByteBuffer.wrap(Units.sinkBytes(i));
        }

        /** Every byte the consumer has got so far. */
        abstract byte[] receivedBytes() throws Exception;

        @Override
        boolean received(int units) {
            try {
                return receivedBytes().length >= Units.sinkConcat(units).length;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        @Override
        void assertReceived(int units) throws Exception {
            assertThat(receivedBytes()).as("every byte, in order, once").isEqualTo(Units.sinkConcat(units));
        }

        /** An {@link AbstractByteSink}'s pending rest. */
        @Override
        long pending(long moved) {
            return ((AbstractByteSink) sink).handlePendingBytes();
        }

        /** The rest of one element (N3): at most a chunk, the most a source declares. */
        @Override
        long maxPending() {
            return Rig.CHUNK;
        }
    }

    /** A sink of elements: element {@code i} is {@code "e" + i}. */
    abstract static class Elements extends SinkFixture {
        Elements(Rig rig) {
            super(rig);
        }

        @Override
        Object element(int i) throws Exception {
            return "e" + i;
        }

        abstract List<?> receivedElements();

        @Override
        boolean received(int units) {
            return receivedElements().size() >= units;
        }

        @Override
        void assertReceived(int units) throws Exception {
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < units; i++) {
                expected.add(element(i));
            }
            assertThat(receivedElements()).as("every element, in order, once").isEqualTo(expected);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
