package dev.pushback.dsl.contract;

import static dev.pushback.dsl.contract.SourceFixture.outcome;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.dsl.contract.SourceFixture.Availability;
import dev.pushback.dsl.contract.SourceFixture.Failure;
import dev.pushback.dsl.contract.SourceFixture.Timing;

/**
 * The contract every source of the project runs (issue 7 section 4), in the manner of JCTools'
 * {@code QueueSanityTest} and Okio's {@code BufferedSourceTest}: one suite, one factory per
 * implementation ({@link SourceFixtures}), each on real pipes, loopback sockets and temporary
 * files where it has IO. Each item names the rules of DESIGN section 2 it holds the source to.
 *
 * <p>Each test drives its own catalyst from the test thread ({@link Rig}): rounds are counted, the
 * clock moves only by hand, and every wait fails at a deadline rather than passing on one. What
 * an implementation legitimately cannot do (a regular file never clears its bit; a pipe's read
 * cannot be made to fail) is a capability of its fixture, and the item checks the behaviour it has
 * instead.
 */
class SourceContractTest {
    /** Makes the fixture of one implementation on a rig. */
    @FunctionalInterface
    interface Factory {
        SourceFixture make(Rig rig) throws Exception;
    }

    private static final int UNITS = 8;

    static Stream<Named<Factory>> sources() {
        return Stream.of(
            Named.of("ChannelSource on a pipe", SourceFixtures.PipeChannelSource::new),
            Named.of("ChannelSource of SocketEndpoints on a loopback socket", SourceFixtures.SocketChannelSource::new),
            Named.of("FileSource on a temporary file", SourceFixtures.TempFileSource::new),
            Named.of("StreamSource on a socket's InputStream", SourceFixtures.SocketStreamSource::new),
            Named.of("StreamSource on a blocking pipe channel", SourceFixtures.PipeStreamSource::new),
            Named.of("ManualSource", SourceFixtures.Manual::new),
            Named.of("IntervalSource on a hand-moved clock", SourceFixtures.Interval::new),
            Named.of("BufferEndpoint source side", SourceFixtures.Buffer::new),
            Named.of("AcceptSource on a loopback listener", SourceFixtures.Accept::new),
            Named.of("PublisherSource", SourceFixtures.Publisher::new),
            Named.of("HTTP request body of an HttpServer on loopback", SourceFixtures.HttpRequestBody::new));
    }

    /** N1, N11: every byte or element, whatever the cut of the reads, then the end exactly once. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void givesEverythingInAnyCutThenEndsExactlyOnce(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SourceFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            Recorder recorder = new Recorder(rig.catalyst, "recorder");
            if (fixture.suppliesUpFront()) {
                for (int i = 0; i < UNITS; i++) {
                    fixture.supply(i);
                }
            }
            fixture.start(feed -> feed.to(recorder));
            Fiber fiber = Rig.fiberOf(fixture.plan, fixture.source);
            if (!fixture.suppliesUpFront()) {
                for (int i = 0; i < UNITS; i++) {
                    fixture.supply(i);
                    int units = i + 1;
                    rig.until("unit " + i + " given", () -> fixture.received(recorder, units));
                }
            }
            fixture.end();
            rig.until("the source ended and its sink closed", () -> fixture.source.handleIsClosed() && recorder.handleIsClosed());
            rig.rounds(3);
            fixture.assertOutput(recorder, UNITS);
            assertThat(outcome(fiber.done())).as("the fiber ended without a failure").isNull();
            assertThat(rig.read(fixture.source::handleIsEnded)).as("the source ended").isTrue();
            assertThat(rig.read(recorder::handleFinishes)).as("the end reached the sink once (N11)").isEqualTo(1);
            assertThat(rig.read(recorder::handleLate)).as("nothing after the end").isZero();
            assertThat(outcome(fixture.source.closed())).as("the source closed normally").isNull();
            assertThat(outcome(recorder.closed())).isNull();
            assertThat(rig.reported).as("nothing reported").isEmpty();
            assertReleased(rig, fixture, before);
        }
    }

    /**
     * N2: a source with nothing to give clears its bit and is armed (on the frontier, with its
     * way of learning of input set up), and is available again when input comes. N14: a regular
     * file is always available instead: its bit never clears, and with nothing more it ends.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void withNothingToGiveItClearsItsBitIsArmedAndComesBack(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SourceFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            Recorder recorder = new Recorder(rig.catalyst, "recorder");
            if (fixture.availability() == Availability.ALWAYS_AVAILABLE) {
                fixture.supply(0);
                fixture.supply(1);
                rig.run(() -> recorder.handleSetWritable(false)); // its fiber cannot move: the source is not read
                fixture.start(feed -> feed.to(recorder));
                rig.rounds(3);
                assertThat(rig.read(fixture.source::handleIsAvailable)).as("always available (N14)").isTrue();
                assertThat(rig.read(() -> rig.onFrontier(fixture.source))).as("never on the frontier").isFalse();
                rig.run(() -> recorder.handleSetWritable(true));
                rig.until("the file was read to its end", () -> {
                    assertThat(fixture.source.handleIsClosed() || fixture.source.handleIsAvailable())
                        .as("its bit is set whenever it is open (N14)").isTrue();
                    return fixture.source.handleIsClosed() && recorder.handleIsClosed();
                });
            } else {
                fixture.start(feed -> feed.to(recorder));
                Fiber fiber = Rig.fiberOf(fixture.plan, fixture.source);
                rig.until("the bit cleared with nothing to give", () -> !fixture.source.handleIsAvailable());
                rig.rounds(3);
                assertNothingToGive(rig, fixture, fiber, recorder, 0);
                fixture.supply(0);
                rig.until("unit 0 given once it came", () -> fixture.received(recorder, 1));
                rig.until("the bit cleared again", () -> !fixture.source.handleIsAvailable());
                rig.rounds(3);
                assertNothingToGive(rig, fixture, fiber, recorder, 1);
                fixture.supply(1);
                rig.until("unit 1 given", () -> fixture.received(recorder, 2));
                fixture.end();
                rig.until("the source ended", () -> fixture.source.handleIsClosed() && recorder.handleIsClosed());
            }
            fixture.assertOutput(recorder, 2);
            assertThat(rig.read(recorder::handleFinishes)).as("the end reached the sink once (N11)").isEqualTo(1);
            assertThat(rig.reported).as("nothing reported").isEmpty();
            assertReleased(rig, fixture, before);
        }
    }

    private static void assertNothingToGive(Rig rig, SourceFixture fixture, Fiber fiber, Recorder recorder, int units) {
        rig.run(() -> {
            assertThat(fixture.source.handleIsAvailable()).as("the bit stays clear while nothing comes (N2)").isFalse();
            assertThat(rig.onFrontier(fixture.source)).as("on the frontier: bit clear and a fiber waits (N2)").isTrue();
            fixture.assertArmed();
            assertThat(fiber.handleIsLive()).as("waiting is not ending").isTrue();
            assertThat(fixture.received(recorder, units + 1)).as("nothing given that was not supplied").isFalse();
        });
    }

    /**
     * N11: the underlying IO failing fails the fiber once, with that failure: its sink fails, the
     * source closes, and it is reported once. A failure learnt outside a poll (a helper thread, a
     * signal) fails the fiber at once even while its sink takes nothing; one learnt by a poll waits
     * for that poll. A source with no IO to fail states why, and a failure of its fiber's own
     * function stands in for it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void anUnderlyingFailureFailsTheFiberOnceAndIsReported(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SourceFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            Failure failure = fixture.failure();
            if (!failure.possible()) {
                assertThat(failure.how()).as("why %s has no IO to fail", fixture).isNotBlank();
                failItsFunction(rig, fixture, before);
                return;
            }
            Recorder recorder = new Recorder(rig.catalyst, "recorder");
            Fiber fiber;
            if (failure.fromStart()) {
                fixture.failFromStart();
                fixture.start(feed -> feed.to(recorder));
                fiber = Rig.fiberOf(fixture.plan, fixture.source);
                rig.until("the fiber failed at its first poll", () -> fiber.done().isDone());
            } else {
                fixture.start(feed -> feed.to(recorder));
                fiber = Rig.fiberOf(fixture.plan, fixture.source);
                fixture.supply(0);
                rig.until("unit 0 given", () -> fixture.received(recorder, 1));
                rig.run(() -> recorder.handleSetWritable(false)); // its consumer has no demand now
                fixture.fail();
                if (failure.timing() == Timing.AT_ONCE) {
                    rig.until("the fiber failed at once, though its sink takes nothing", () -> fiber.done().isDone());
                } else {
                    rig.until("the failure arrived", () -> fixture.source.handleIsAvailable());
                    rig.rounds(3);
                    assertThat(rig.read(fiber::handleIsLive))
                        .as("learnt by a poll: the failure waits for the next poll, which waits for the sink").isTrue();
                    rig.run(() -> recorder.handleSetWritable(true));
                    rig.until("the fiber failed at its next poll", () -> fiber.done().isDone());
                }
            }
            Throwable fiberFailure = outcome(fiber.done());
            assertThat(fiberFailure).as("the fiber failed").isNotNull();
            assertThat(Rig.chainMatches(fiberFailure, failure.cause()))
                .as("the fiber failed with the IO failure (%s), not %s", failure.how(), fiberFailure).isTrue();
            rig.until("its sink and the source closed", () -> recorder.handleIsClosed() && fixture.source.handleIsClosed());
            Throwable sinkFailure = outcome(recorder.closed());
            assertThat(sinkFailure).as("the fiber's sink failed (N11)").isNotNull();
            assertThat(Rig.chainMatches(sinkFailure, failure.cause())).as("with the IO failure, not %s", sinkFailure).isTrue();
            Throwable sourceFailure = outcome(fixture.source.closed());
            if (failure.timing() == Timing.AT_ONCE) {
                assertThat(sourceFailure).as("a source failed outside a poll closes with its failure").isNotNull();
                assertThat(Rig.chainMatches(sourceFailure, failure.cause())).isTrue();
            } else {
                // What the runtime does today: the poll threw, the fiber failed and closed its
                // source as it closes every source of a failed fiber, without the failure.
                assertThat(sourceFailure).as("a source whose poll threw is closed by its failed fiber, normally").isNull();
            }
            // Once in all: by this fiber, or by the fiber where it arose (a buffer's writer) when
            // this one failed of the same cause.
            assertThat(rig.reportsOf(failure.cause())).as("the failure reported once: %s", rig.reported).isEqualTo(1);
            assertThat(rig.read(recorder::handleFinishes)).as("a failure is not an end").isZero();
            assertReleased(rig, fixture, before);
        }
    }

    /** N11: a failure elsewhere in the fiber (its function throws) closes the source that fed only it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void aFailureElsewhereInItsFiberClosesTheSource(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SourceFixture fixture = rig.closeLater(factory.make(rig));
            failItsFunction(rig, fixture, rig.holdings());
        }
    }

    private static void failItsFunction(Rig rig, SourceFixture fixture, Rig.Holdings before) throws Exception {
        Recorder recorder = new Recorder(rig.catalyst, "recorder");
        IllegalStateException boom = new IllegalStateException("the fiber's function failed");
        AtomicBoolean failing = new AtomicBoolean(fixture.suppliesUpFront());
        if (fixture.suppliesUpFront()) {
            fixture.supply(0);
            fixture.supply(1);
        }
        fixture.start(feed -> feed.map(element -> {
            if (failing.get()) {
                throw boom;
            }
            return element;
        }).to(recorder));
        Fiber fiber = Rig.fiberOf(fixture.plan, fixture.source);
        if (!fixture.suppliesUpFront()) {
            fixture.supply(0);
            rig.until("unit 0 given", () -> fixture.received(recorder, 1));
            failing.set(true);
            fixture.supply(1);
        }
        rig.until("the fiber failed", () -> fiber.done().isDone());
        assertThat(outcome(fiber.done())).as("the fiber failed with its function's failure").isSameAs(boom);
        rig.until("the source closed", () -> fixture.source.handleIsClosed() && recorder.handleIsClosed());
        assertThat(outcome(recorder.closed())).as("its sink failed with it (N11)").isSameAs(boom);
        assertThat(outcome(fixture.source.closed())).as("the source was closed, not failed: it did not fail").isNull();
        assertThat(rig.reportsOf(fiber, t -> t == boom)).as("reported once: %s", rig.reported).isEqualTo(1);
        assertThat(rig.reported).as("and nothing else").hasSize(1);
        assertReleased(rig, fixture, before);
    }

    /** Closing the catalyst under an open source closes it and releases everything it held. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void closingTheCatalystReleasesAnOpenSource(Factory factory) throws Exception {
        try (Rig rig = new Rig()) {
            SourceFixture fixture = rig.closeLater(factory.make(rig));
            Rig.Holdings before = rig.holdings();
            Recorder recorder = new Recorder(rig.catalyst, "recorder");
            if (fixture.suppliesUpFront()) {
                fixture.supply(0);
                fixture.supply(1);
                rig.run(() -> recorder.handleSetWritable(false)); // so that the file is still open
            }
            fixture.start(feed -> feed.to(recorder));
            Fiber fiber = Rig.fiberOf(fixture.plan, fixture.source);
            if (!fixture.suppliesUpFront()) {
                fixture.supply(0);
                rig.until("unit 0 given", () -> fixture.received(recorder, 1));
            }
            rig.catalyst.close();
            assertThat(outcome(fiber.done())).as("the fiber failed with the close").isInstanceOf(CatalystClosedException.class);
            assertThat(outcome(recorder.closed())).isInstanceOf(CatalystClosedException.class);
            assertThat(fixture.source.closed()).as("the source closed").isDone();
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
     * Release: once the source has closed, every pooled buffer is back, no byte is held, its bit,
     * timers and fiber are gone, its descriptor is closed and its helper threads have ended;
     * {@code closed()} completed once, and closing it again changes nothing.
     */
    static void assertReleased(Rig rig, SourceFixture fixture, Rig.Holdings before) throws Exception {
        fixture.settle();
        try {
            rig.until("the catalyst holds what it held before the source", () -> rig.handleHoldings().equals(before));
        } catch (AssertionError notYet) {
            assertThat(rig.holdings()).as("pool, retained bytes, endpoints, bits, timers, fibers").isEqualTo(before);
            throw notYet;
        }
        fixture.assertReleased();
        rig.assertHelperThreadsEnded();
        assertThat(fixture.closedCompletions).as("closed() completed once").hasValue(1);
        Throwable outcome = outcome(fixture.source.closed());
        rig.run(() -> fixture.source.handleClose(new IllegalStateException("closed twice")));
        assertThat(outcome(fixture.source.closed())).as("a second close changes nothing").isSameAs(outcome);
        assertThat(rig.holdings()).as("nor does it release anything twice").isEqualTo(before);
    }
}
