package dev.pushback.dsl.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * One source implementation under the contract of {@link SourceContractTest}: how to make it on a
 * rig, give it input, end it, break its IO, and what it must have released afterwards — plus what
 * it can legitimately not do, stated as a capability that the contract checks as actual behaviour.
 */
abstract class SourceFixture implements Closeable {
    /** What a source does when nothing can be read (DESIGN N2, N14). */
    enum Availability {
        /** It clears its bit, is armed (on the frontier) and sets the bit again when input comes. */
        CLEARS_AND_ARMS,
        /** A regular file: there is always something to read or the end, so the bit stays set (N14). */
        ALWAYS_AVAILABLE
    }

    /** When a failure of the underlying IO reaches the fiber (DESIGN N11, {@code AbstractSource.handleFail}). */
    enum Timing {
        /** Learnt outside a poll (a helper thread, a signal): the fiber fails at once, demand or not. */
        AT_ONCE,
        /** Learnt by a poll, which throws: the fiber fails when it next polls, i.e. when its sinks can take. */
        AT_NEXT_POLL
    }

    /**
     * How the fixture's underlying IO is made to fail, or why it cannot be.
     *
     * @param how what the test does, or why nothing can make this source's IO fail
     * @param cause recognises the IO failure in a cause chain; null when the IO cannot fail
     * @param timing when the fiber hears of it
     * @param fromStart the IO fails from its first use (set up before the graph starts)
     */
    record Failure(String how, Predicate<Throwable> cause, Timing timing, boolean fromStart) {
        static Failure none(String why) {
            return new Failure(why, null, null, false);
        }

        static Failure of(String how, String message, Timing timing) {
            return new Failure(how, t -> t.getMessage() != null && t.getMessage().contains(message), timing, false);
        }

        static Failure fromStart(String how, String message, Timing timing) {
            return new Failure(how, t -> t.getMessage() != null && t.getMessage().contains(message), timing, true);
        }

        boolean possible() {
            return cause != null;
        }
    }

    /**
     * What closing the catalyst leaves behind that the fixture knows of, and why: nothing for an
     * endpoint, which the catalyst closes. Stated, and checked, per implementation.
     */
    record Leftover(int lentBuffers, boolean descriptorsClosed, String why) {
        static final Leftover NONE = new Leftover(0, true, "");
    }

    protected final Rig rig;
    AbstractSource<?> source;
    CompiledPlan plan;
    /** How often {@code closed()} completed: once (it is a future, so a second completion would be lost). */
    final AtomicInteger closedCompletions = new AtomicInteger();

    SourceFixture(Rig rig) {
        this.rig = rig;
    }

    /**
     * Starts the source in a graph in which {@code downstream} connects its feed; sets
     * {@link #source} and {@link #plan} by the time the source has a fiber.
     */
    final void start(Consumer<Feed<Object>> downstream) throws Exception {
        open(downstream);
        rig.until("the source has joined its graph", () -> source != null && (source.handleBit() >= 0 || source.handleIsClosed()));
        source.closed().whenComplete((ok, failure) -> closedCompletions.incrementAndGet());
    }

    protected abstract void open(Consumer<Feed<Object>> downstream) throws Exception;

    /** The ordinary case: a graph of the source's own, started from the test thread. */
    @SuppressWarnings("unchecked")
    protected final void startAlone(AbstractSource<?> made, Consumer<Feed<Object>> downstream) {
        Graph graph = Graph.on(rig.catalyst);
        downstream.accept(graph.from((AbstractSource<Object>) made));
        source = made;
        plan = (CompiledPlan) graph.compile();
        graph.start();
    }

    /** Makes input unit {@code unit} available (a write into a pipe, a push, a tick). Test thread, between rounds. */
    abstract void supply(int unit) throws Exception;

    /** No input after what was supplied: the source ends once it has given it. */
    abstract void end() throws Exception;

    /** A regular file's input is there before it is opened; the others are given input while they run. */
    boolean suppliesUpFront() {
        return false;
    }

    abstract Availability availability();

    abstract Failure failure();

    /** Sets the IO up to fail from its first use ({@link Failure#fromStart()}); before {@link #start}. */
    void failFromStart() throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not fail from its start");
    }

    /** Makes the underlying IO fail now. Test thread, between rounds. */
    void fail() throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no IO to fail");
    }

    /** What a catalyst close leaves of this fixture: {@link Leftover#NONE} unless stated otherwise. */
    Leftover leftByCatalystClose() {
        return Leftover.NONE;
    }

    /**
     * After the source has closed, ends what else the fixture started for it (a writer fiber), so
     * that the catalyst can go back to what it held before. Test thread.
     */
    void settle() throws Exception {}

    /** On the catalyst, while the bit is clear: the source has arranged to learn of input (N2). */
    void assertArmed() {}

    /** Whether the recorder has all of units {@code 0..units-1}. */
    abstract boolean received(Recorder recorder, int units);

    /** The recorder has exactly units {@code 0..units-1}, in order. */
    abstract void assertOutput(Recorder recorder, int units);

    /**
     * The source's own resources are gone: its descriptor or channel closed, its subscription
     * cancelled. Test thread, once the source has closed (pool, retained bytes, bits, timers and
     * helper threads are checked by the contract itself).
     */
    abstract void assertReleased() throws Exception;

    @Override
    public void close() throws IOException {}

    /** A source of bytes: input units are {@link Units#sourceBytes}, the output their concatenation. */
    abstract static class Bytes extends SourceFixture {
        Bytes(Rig rig) {
            super(rig);
        }

        @Override
        boolean received(Recorder recorder, int units) {
            return recorder.handleByteCount() >= Units.sourceConcat(units).length;
        }

        @Override
        void assertOutput(Recorder recorder, int units) {
            assertThat(recorder.handleBytes()).as("every byte, in order, once").isEqualTo(Units.sourceConcat(units));
            assertThat(recorder.handleLargest()).as("no chunk larger than the source declares (N3)")
                .isLessThanOrEqualTo(source.maxElementBytes());
            assertThat(recorder.handleElements()).as("only byte chunks").isEmpty();
        }
    }

    /** A source of elements: unit {@code i} gives {@link #element}({@code i}). */
    abstract static class Elements extends SourceFixture {
        Elements(Rig rig) {
            super(rig);
        }

        abstract Object element(int unit);

        @Override
        boolean received(Recorder recorder, int units) {
            return recorder.handleElements().size() >= units;
        }

        @Override
        void assertOutput(Recorder recorder, int units) {
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < units; i++) {
                expected.add(element(i));
            }
            assertThat(recorder.handleElements()).as("every element, in order, once").isEqualTo(expected);
            assertThat(recorder.handleByteCount()).isZero();
        }
    }

    /** Fails the test if {@code future} is not done; gives its failure or null. */
    static Throwable outcome(CompletableFuture<?> future) {
        assertThat(future).isDone();
        return Rig.failureOf(future);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
