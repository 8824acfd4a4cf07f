package dev.pushback.dsl.contract;

import static dev.pushback.dsl.contract.SourceFixture.outcome;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.dsl.contract.SinkFixture.Failure;
import dev.pushback.dsl.contract.SinkFixture.Writability;

/**
 * The contract every sink of the project runs (issue 7 section 4), the counterpart of {@link
 * SourceContractTest}: one suite, one factory per implementation ({@link SinkFixtures}), each on
 * real pipes, loopback sockets and temporary files where it has IO, fed by a {@link ManualSource}
 * the test pushes elements into. Each item names the rules of DESIGN section 2 it holds the sink to.
 */
class SinkContractTest {
    /** Makes the fixture of one implementation on a rig. */
    @FunctionalInterface
    interface Factory {
        SinkFixture make(Rig rig) throws Exception;
    }

    private static final int UNITS = 8;
    /** Elements a sink may take before its bit must have cleared: 80 MiB, far beyond any buffer here. */
    private static final int MAX_PUSHES = 20_000;

    static Stream<Named<Factory>> sinks() {
        return Stream.of(
            Named.of("ChannelSink on a pipe", SinkFixtures.PipeChannelSink::new),
            Named.of("ChannelSink of SocketEndpoints on a loopback socket", SinkFixtures.SocketChannelSink::new),
            Named.of("FileSink on a temporary file", SinkFixtures.TempFileSink::new),
            Named.of("StreamSink on a blocking pipe channel", SinkFixtures.PipeStreamSink::new),
            Named.of("StreamSink on a socket's OutputStream", SinkFixtures.SocketStreamSink::new),
            Named.of("InputStreamSink read by a thread of the test", SinkFixtures.InputStreamReader::new),
            Named.of("ManualSink", SinkFixtures.Manual::new),
            Named.of("CollectorSink", SinkFixtures.Collecting::new),
            Named.of("BufferEndpoint sink side", SinkFixtures.Buffer::new),
            Named.of("ConnectionSlots on loopback connections", SinkFixtures.Slots::new),
            Named.of("SubscriberSink", SinkFixtures.Subscriber::new),
            Named.of("HTTP response of an HttpServer on loopback", SinkFixtures.HttpResponseSink::new));
    }

    private static void push(Rig rig, ManualSource<Object> in, Object element) {
        rig.run(() -> {
            in.handlePush(element);
            in.handleSetReadable(true);
        });
    }

    private static void finish(Rig rig, ManualSource<Object> in) {
        rig.run(() -> {
            in.handleFinish();
            in.handleSetReadable(true);
        });
    }

    /** N1, N11: every element, in order, to the consumer; at the end the sink finishes and closes once. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sinks")
    void takesEverythingThenFinishesExactlyOnce(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SinkFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            ManualSource<Object> in = new ManualSource<>(rig.catalyst, "upstream");
            fixture.consume(true);
            fixture.start(graph -> graph.from(in));
            Fiber fiber = Rig.fiberOf(fixture.plan, fixture.sink);
            for (int i = 0; i < UNITS; i++) {
                push(rig, in, fixture.element(i));
                int units = i + 1;
                rig.until("element " + i + " taken", () -> fixture.received(units));
            }
            finish(rig, in);
            rig.until("the sink finished and closed", fixture.sink::handleIsClosed);
            rig.rounds(3);
            assertThat(outcome(fiber.done())).as("the fiber ended without a failure").isNull();
            assertThat(outcome(fixture.sink.closed())).as("the sink closed normally").isNull();
            fixture.assertEndSeenOnce(UNITS);
            assertThat(rig.reported).as("nothing reported").isEmpty();
            assertReleased(rig, fixture, in, before);
        }
    }

    /**
     * N2, N3, N8: a sink whose consumer stops taking clears its bit once what it was given cannot
     * all go on (a partial write, both hand-off buffers out, no demand), holding at most one
     * pending element, and is armed; nothing moves into it while the bit is clear (N1); when the
     * consumer takes again it drains, and only then is writable again. A regular file or a
     * collector takes every element whole at once instead: its bit never clears (N10, N14).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sinks")
    void aPartialWriteLeavesOnePendingElementAndClearsTheBitUntilDrained(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SinkFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            ManualSource<Object> in = new ManualSource<>(rig.catalyst, "upstream");
            AtomicLong moved = new AtomicLong();
            AtomicInteger movesWhileUnwritable = new AtomicInteger();
            fixture.consume(false);
            fixture.start(graph -> graph.from(in).map(element -> {
                moved.incrementAndGet();
                if (!fixture.sink.handleIsAvailable()) {
                    movesWhileUnwritable.incrementAndGet();
                }
                return element;
            }));
            Fiber fiber = Rig.fiberOf(fixture.plan, fixture.sink);
            int pushed;
            if (fixture.writability() == Writability.ALWAYS_WRITABLE) {
                for (pushed = 0; pushed < UNITS; pushed++) {
                    push(rig, in, fixture.element(pushed));
                    int units = pushed + 1;
                    rig.until("element " + pushed + " taken", () -> fixture.received(units));
                    rig.run(() -> {
                        assertThat(fixture.sink.handleIsAvailable()).as("always writable (N10, N14)").isTrue();
                        assertThat(fixture.pending(moved.get())).as("nothing pending, ever").isZero();
                        assertThat(rig.onFrontier(fixture.sink)).as("never on the frontier").isFalse();
                    });
                }
            } else {
                pushed = 0;
                while (true) {
                    boolean available = rig.read(() -> {
                        long pending = fixture.pending(moved.get());
                        boolean writable = fixture.sink.handleIsAvailable();
                        if (fixture.pendingOnlyWhileUnwritable()) {
                            assertThat(pending == 0 || !writable).as("a sink holding a pending element is not writable (N3)").isTrue();
                        }
                        if (!writable) {
                            assertThat(pending).as("at most one pending element (N3)").isLessThanOrEqualTo(fixture.maxPending());
                            assertThat(rig.onFrontier(fixture.sink)).as("armed: on the frontier (N2)").isTrue();
                            fixture.assertArmed(moved.get());
                            assertThat(rig.core.retainedBytes()).as("within the plan's bound (N3)")
                                .isLessThanOrEqualTo(fixture.plan.retainedBound());
                        }
                        return writable;
                    });
                    if (!available) {
                        break;
                    }
                    if (rig.read(in::handleWaiting) == 0) {
                        assertThat(pushed).as("the bit cleared before %s elements", MAX_PUSHES).isLessThan(MAX_PUSHES);
                        push(rig, in, fixture.element(pushed++));
                    } else {
                        rig.rounds(1);
                    }
                }
                if (fixture.stuckUntilConsumed()) {
                    long polls = rig.read(in::handlePolls);
                    push(rig, in, fixture.element(pushed++));
                    rig.rounds(5);
                    rig.run(() -> {
                        assertThat(fixture.sink.handleIsAvailable()).as("unwritable until its consumer takes").isFalse();
                        assertThat(in.handlePolls()).as("no move, so no poll, while the sink is unwritable (N1)").isEqualTo(polls);
                        assertThat(in.handleWaiting()).isEqualTo(1);
                    });
                }
                fixture.consume(true);
                int total = pushed;
                rig.until("drained, all taken and writable again", () ->
                    fixture.received(total) && fixture.sink.handleIsAvailable() && fixture.pending(moved.get()) == 0);
            }
            finish(rig, in);
            rig.until("the sink finished and closed", fixture.sink::handleIsClosed);
            assertThat(movesWhileUnwritable).as("no move while the sink's bit was clear (N1)").hasValue(0);
            assertThat(outcome(fiber.done())).isNull();
            assertThat(outcome(fixture.sink.closed())).as("the sink closed normally").isNull();
            fixture.assertEndSeenOnce(pushed);
            assertThat(rig.reported).as("nothing reported").isEmpty();
            assertReleased(rig, fixture, in, before);
        }
    }

    /**
     * N8: an expansion (one element in, two out, as a formatter's head and body) writes what the
     * sink takes; the rest of that move is the sink's pending element, and the sink stays
     * unwritable, with nothing more moving into it, until it has drained.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sinks")
    void anExpansionsRestIsThePendingElementUntilDrained(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SinkFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            ManualSource<Object> in = new ManualSource<>(rig.catalyst, "upstream");
            AtomicLong moved = new AtomicLong();
            fixture.consume(false);
            fixture.start(graph -> graph.from(in).flatMap(pair -> (List<?>) pair).map(element -> {
                moved.incrementAndGet();
                return element;
            }));
            int pairs = 0;
            while (true) {
                boolean writable = rig.read(() -> {
                    boolean available = fixture.sink.handleIsAvailable();
                    if (fixture.writability() == Writability.ALWAYS_WRITABLE) {
                        assertThat(available).as("always writable (N10, N14)").isTrue();
                        assertThat(fixture.pending(moved.get())).as("nothing pending, ever").isZero();
                    } else if (!available) {
                        assertThat(fixture.pending(moved.get())).as("at most the rest of one move of two (N8)")
                            .isLessThanOrEqualTo(2 * fixture.maxPending());
                        assertThat(rig.onFrontier(fixture.sink)).as("armed: on the frontier (N2)").isTrue();
                    }
                    return available;
                });
                if (!writable || (fixture.writability() == Writability.ALWAYS_WRITABLE && pairs == UNITS / 2)) {
                    break;
                }
                if (rig.read(in::handleWaiting) == 0) {
                    assertThat(pairs).as("the bit cleared before %s elements", MAX_PUSHES).isLessThan(MAX_PUSHES / 2);
                    push(rig, in, List.of(fixture.element(2 * pairs), fixture.element(2 * pairs + 1)));
                    pairs++;
                } else {
                    rig.rounds(1);
                }
            }
            if (fixture.stuckUntilConsumed()) {
                long polls = rig.read(in::handlePolls);
                push(rig, in, List.of(fixture.element(2 * pairs), fixture.element(2 * pairs + 1)));
                pairs++;
                rig.rounds(5);
                rig.run(() -> {
                    assertThat(fixture.sink.handleIsAvailable()).as("unwritable until drained (N8)").isFalse();
                    assertThat(in.handlePolls()).as("nothing more moves into it meanwhile (N1)").isEqualTo(polls);
                });
            }
            fixture.consume(true);
            int total = 2 * pairs;
            rig.until("drained, all taken and writable again", () ->
                fixture.received(total) && fixture.sink.handleIsAvailable() && fixture.pending(moved.get()) == 0);
            finish(rig, in);
            rig.until("the sink finished and closed", fixture.sink::handleIsClosed);
            assertThat(outcome(fixture.sink.closed())).as("the sink closed normally").isNull();
            fixture.assertEndSeenOnce(total);
            assertThat(rig.reported).as("nothing reported").isEmpty();
            assertReleased(rig, fixture, in, before);
        }
    }

    /**
     * N11: the underlying IO (or the consumer) failing closes the sink with that failure, and the
     * fiber feeding it fails once, at its next move at the latest: its source closes, and the
     * failure is reported once. A Reactive Streams consumer's failure is a cancel: its fiber ends.
     * A sink with nothing underlying it to fail states why, and a failure upstream stands in.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sinks")
    void anUnderlyingFailureClosesTheSinkAndFailsItsFiberOnce(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SinkFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            Failure failure = fixture.failure();
            if (!failure.possible()) {
                assertThat(failure.how()).as("why %s has nothing to fail", fixture).isNotBlank();
                failUpstream(rig, fixture, before);
                return;
            }
            ManualSource<Object> in = new ManualSource<>(rig.catalyst, "upstream");
            fixture.consume(true);
            if (failure.fromStart()) {
                fixture.failFromStart();
            }
            fixture.start(graph -> graph.from(in));
            Fiber fiber = Rig.fiberOf(fixture.plan, fixture.sink);
            int[] pushed = {0};
            if (!failure.fromStart()) {
                push(rig, in, fixture.element(pushed[0]++));
                rig.until("element 0 taken", () -> fixture.received(1));
                fixture.fail();
            }
            // Elements keep coming, as they would: the failure shows at a write, a hand-off, a drain.
            rig.until("the sink failed and its fiber was done", () -> {
                if (fixture.sink.handleIsClosed() && !fiber.handleIsLive()) {
                    return true;
                }
                if (in.handleWaiting() == 0 && !in.handleIsClosed()) {
                    assertThat(pushed[0]).as("failed within %s elements", MAX_PUSHES).isLessThan(MAX_PUSHES);
                    in.handlePush(fixture.element(pushed[0]++));
                    in.handleSetReadable(true);
                }
                return false;
            });
            Throwable sinkFailure = outcome(fixture.sink.closed());
            assertThat(sinkFailure).as("the sink closed with a failure (%s)", failure.how()).isNotNull();
            assertThat(Rig.chainMatches(sinkFailure, failure.cause())).as("the failure is %s's, not %s", failure.how(), sinkFailure)
                .isTrue();
            Throwable fiberFailure = outcome(fiber.done());
            if (failure.failsFiber()) {
                assertThat(fiberFailure).as("the fiber failed (N11)").isNotNull();
                // In the move or outside it (a hand-off, a drain), the fiber fails with the sink's own
                // failure, not with a second "closed" one: one cause, reported once.
                assertThat(Rig.chainMatches(fiberFailure, failure.cause()))
                    .as("the fiber fails with the sink's failure, not %s", fiberFailure).isTrue();
                assertThat(rig.reportsOf(fiber, t -> true)).as("its failure reported once: %s", rig.reported).isEqualTo(1);
                assertThat(rig.reported).as("and nothing else").hasSize(1);
            } else {
                assertThat(fiberFailure).as("cut as by a cancel: the fiber ended").isNull();
                assertThat(rig.reportsOf(failure.cause())).as("the consumer's failure reported once: %s", rig.reported).isEqualTo(1);
            }
            rig.until("the fiber's source closed (N11)", in::handleIsClosed);
            fixture.assertFailureSeen(sinkFailure);
            assertReleased(rig, fixture, in, before);
        }
    }

    /** N11: a failure upstream (a function that throws) fails the sinks of its fiber, once, with that failure. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sinks")
    void aFailureUpstreamFailsTheSinkOnce(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SinkFixture fixture = rig.closeLater(factory.make(rig));
            failUpstream(rig, fixture, rig.holdings());
        }
    }

    private static void failUpstream(Rig rig, SinkFixture fixture, Rig.Holdings before) throws Exception {
        ManualSource<Object> in = new ManualSource<>(rig.catalyst, "upstream");
        IllegalStateException boom = new IllegalStateException("the fiber's function failed");
        AtomicBoolean failing = new AtomicBoolean();
        fixture.consume(true);
        fixture.start(graph -> graph.from(in).map(element -> {
            if (failing.get()) {
                throw boom;
            }
            return element;
        }));
        Fiber fiber = Rig.fiberOf(fixture.plan, fixture.sink);
        push(rig, in, fixture.element(0));
        rig.until("element 0 taken", () -> fixture.received(1));
        failing.set(true);
        push(rig, in, fixture.element(1));
        rig.until("the fiber failed and the sink closed", () -> !fiber.handleIsLive() && fixture.sink.handleIsClosed());
        assertThat(outcome(fiber.done())).as("the fiber failed with its function's failure").isSameAs(boom);
        assertThat(outcome(fixture.sink.closed())).as("its sink failed with it (N11)").isSameAs(boom);
        assertThat(rig.read(in::handleIsClosed)).as("its source closed").isTrue();
        assertThat(rig.reportsOf(fiber, t -> t == boom)).as("reported once: %s", rig.reported).isEqualTo(1);
        assertThat(rig.reported).as("nothing else: other fibers that failed with it, at most").allMatch(r -> r.cause() == boom);
        fixture.assertFailureSeen(boom);
        assertReleased(rig, fixture, in, before);
    }

    /** Closing the catalyst under an open sink closes it and releases everything it held. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sinks")
    void closingTheCatalystReleasesAnOpenSink(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SinkFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            ManualSource<Object> in = new ManualSource<>(rig.catalyst, "upstream");
            fixture.consume(true);
            fixture.start(graph -> graph.from(in));
            Fiber fiber = Rig.fiberOf(fixture.plan, fixture.sink);
            push(rig, in, fixture.element(0));
            rig.until("element 0 taken", () -> fixture.received(1));
            rig.catalyst.close();
            assertThat(outcome(fiber.done())).as("the fiber failed with the close").isInstanceOf(CatalystClosedException.class);
            assertThat(outcome(fixture.sink.closed())).as("the sink failed with the close").isInstanceOf(CatalystClosedException.class);
            assertThat(in.handleIsClosed()).as("its source closed").isTrue();
            Rig.Holdings after = rig.holdings();
            SourceFixture.Leftover leftover = fixture.leftByCatalystClose();
            assertThat(after.lentBuffers()).as("every pooled buffer back, but %s", leftover)
                .isEqualTo(before.lentBuffers() + leftover.lentBuffers());
            assertThat(after.retainedBytes()).as("no byte held").isZero();
            assertThat(after.openEndpoints()).as("no endpoint open").isZero();
            assertThat(after.fibers()).as("no fiber left").isZero();
            if (leftover.descriptorsClosed()) {
                fixture.assertReleased();
            }
            rig.assertHelperThreadsEnded();
            assertThat(fixture.closedCompletions).as("closed() completed once").hasValue(1);
        }
    }

    /**
     * Release: once the sink has closed, every pooled buffer is back, no byte is held, its bit and
     * its fiber are gone, its descriptor is closed and its helper has ended; {@code closed()}
     * completed once, and closing it again changes nothing.
     */
    private static void assertReleased(Rig rig, SinkFixture fixture, ManualSource<Object> in, Rig.Holdings before)
        throws Exception {
        try {
            rig.until("the catalyst holds what it held before the sink", () -> rig.handleHoldings().equals(before));
        } catch (AssertionError notYet) {
            assertThat(rig.holdings()).as("pool, retained bytes, endpoints, bits, timers, fibers").isEqualTo(before);
            throw notYet;
        }
        assertThat(in.closed()).isDone();
        fixture.assertReleased();
        rig.assertHelperThreadsEnded();
        assertThat(fixture.closedCompletions).as("closed() completed once").hasValue(1);
        Throwable outcome = outcome(fixture.sink.closed());
        rig.run(() -> fixture.sink.handleClose(new IllegalStateException("closed twice")));
        assertThat(outcome(fixture.sink.closed())).as("a second close changes nothing").isSameAs(outcome);
        assertThat(rig.holdings()).as("nor does it release anything twice").isEqualTo(before);
    }
}
