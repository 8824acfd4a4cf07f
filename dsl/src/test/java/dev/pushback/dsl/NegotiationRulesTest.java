package dev.pushback.dsl;

import static dev.pushback.dsl.Drive.read;
import static dev.pushback.dsl.Drive.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ChannelSink;
import dev.pushback.catalyst.endpoint.ChannelSource;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.compiler.Plan;

/** The negotiation rules of DESIGN section 2, one or more tests each, named by rule. */

class NegotiationRulesTest {
    private static Catalyst quiet() {
        return Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> { }));
    }

    private static ManualSource<String> source(Catalyst catalyst, String name, int count) {
        ManualSource<String> source = new ManualSource<>(catalyst, name);
        catalyst.execute(() -> {
            for (int i = 0; i < count; i++) {
                source.handlePush(name + i);
            }
        });
        return source;
    }

    @Test
    void n1_anElementMovesOnlyWhenTheSourceIsReadableAndEverySinkWritable() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> in = source(catalyst, "e", 5);
            ManualSink<String> a = new ManualSink<>(catalyst, "a");
            ManualSink<String> b = new ManualSink<>(catalyst, "b");
            Feed.Broadcast<String> fork = graph.from(in).broadcast();
            fork.to(a);
            fork.to(b);
            graph.start();
            step(catalyst, () -> b.handleSetWritable(false));
            step(catalyst, () -> in.handleSetReadable(true));
            assertThat(read(catalyst, in::handlePolls)).as("b unwritable: no poll at all").isZero();
            step(catalyst, () -> {
                b.handleSetWritable(true);
                in.handleSetReadable(false);
            });
            assertThat(read(catalyst, in::handlePolls)).as("source unreadable: no poll").isZero();
            step(catalyst, () -> in.handleSetReadable(true));
            assertThat(read(catalyst, () -> a.handleReceived().size())).isEqualTo(5);
            assertThat(read(catalyst, () -> List.copyOf(b.handleReceived()))).containsExactly("e0", "e1", "e2", "e3", "e4");
        }
    }

    @Test
    void n2_emptyReadClearsTheBitAndOnlyTheFrontierIsRegistered() throws Exception {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            Pipe in = Pipe.open();
            Pipe out = Pipe.open();
            ChannelSource source = ChannelSource.of(catalyst, in.source());
            ChannelSink sink = ChannelSink.of(catalyst, out.sink());
            graph.from(source).to(sink);
            graph.start();
            Drive.rounds(catalyst, 2);
            // Nothing to read: the read returned 0, the bit is clear and OP_READ is registered.
            assertThat(read(catalyst, source::handleIsAvailable)).isFalse();
            assertThat(read(catalyst, source::handleInterestOps)).isEqualTo(SelectionKey.OP_READ);
            assertThat(read(catalyst, () -> Core.of(catalyst).handleFrontier())).containsExactly(source);
            // The sink is known writable: never registered for OP_WRITE (that would spin).
            assertThat(read(catalyst, sink::handleIsAvailable)).isTrue();
            assertThat(read(catalyst, sink::handleInterestOps)).isZero();
            in.sink().write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
            int[] received = {0};
            Drive.until(catalyst, 100, () -> (received[0] += readAvailable(out)) == 5);
            assertThat(read(catalyst, sink::handleIsAvailable)).isTrue();
            // Readiness reported by select was consumed: the interest is re-added only after the next empty read.
            assertThat(read(catalyst, sink::handleInterestOps)).isZero();
        }
    }

    private static int readAvailable(Pipe pipe) {
        try {
            pipe.source().configureBlocking(false);
            return Math.max(0, pipe.source().read(ByteBuffer.allocate(1 << 16)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void n2_aPartialWriteClearsTheWritableBitUntilDrained() throws Exception {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            Pipe out = Pipe.open();
            ManualSource<ByteBuffer> in = new ManualSource<>(catalyst, "chunks");
            ChannelSink sink = ChannelSink.of(catalyst, out.sink());
            graph.from(in).to(sink);
            graph.start();
            byte[] chunk = new byte[32 * 1024];
            step(catalyst, () -> {
                for (int i = 0; i < 64; i++) {
                    in.handlePush(ByteBuffer.wrap(chunk));
                }
                in.handleSetReadable(true);
            });
            Drive.rounds(catalyst, 3);
            // The pipe is full (nobody reads it): the sink has a pending rest, its bit is clear, OP_WRITE armed.
            assertThat(read(catalyst, sink::handleIsAvailable)).isFalse();
            assertThat(read(catalyst, sink::handlePendingBytes)).isPositive().isLessThanOrEqualTo(chunk.length);
            assertThat(read(catalyst, sink::handleInterestOps)).isEqualTo(SelectionKey.OP_WRITE);
            long waiting = read(catalyst, in::handleWaiting);
            Drive.rounds(catalyst, 5);
            assertThat(read(catalyst, in::handleWaiting)).as("no move while the sink is unwritable").isEqualTo(waiting);
            // Drain the pipe: the sink drains its pending rest, becomes writable, and OP_WRITE is dropped.
            readAvailable(out);
            Drive.until(catalyst, 100, () -> read(catalyst, () -> in.handleWaiting() < waiting));
        }
    }

    @Test
    void n3_aFastSourceIntoASlowSinkHoldsAtMostThePlansBound() throws Exception {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            Pipe in = Pipe.open();
            Pipe out = Pipe.open();
            graph.read(in.source()).to(graph.write(out.sink()));
            Plan plan = graph.compile();
            graph.start();
            int total = 8 << 20;
            Thread writer = new Thread(() -> {
                try {
                    ByteBuffer block = ByteBuffer.allocate(1 << 16);
                    for (int written = 0; written < total; written += block.capacity()) {
                        block.clear();
                        while (block.hasRemaining()) {
                            in.sink().write(block);
                        }
                    }
                    in.sink().close();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            out.source().configureBlocking(false);
            ByteBuffer slow = ByteBuffer.allocate(4096);
            long received = 0;
            while (received < total) {
                catalyst.runOnce(1);
                slow.clear();
                int n = out.source().read(slow); // a slow reader: at most 4 KiB per round
                received += Math.max(0, n);
                assertThat(catalyst.retainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
            }
            writer.join();
            assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
            // one pending chunk, and one the sink gathers of small reads (N16)
            assertThat(plan.retainedBound()).isEqualTo(2L * catalyst.config().chunkSize());
        }
    }

    @Test
    void n4_broadcastSharesTheChunkAndStoresNothingWhenEveryoneWrites() throws Exception {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<ByteBuffer> in = new ManualSource<>(catalyst, "in");
            Feed.Broadcast<ByteBuffer> fork = graph.from(in).broadcast();
            List<ByteBuffer> seenA = new ArrayList<>();
            List<ByteBuffer> seenB = new ArrayList<>();
            CompletableFuture<String> a = fork.branch().map(b -> { seenA.add(b); return b; })
                .decode(StandardCharsets.UTF_8).collect(Collectors.joining());
            CompletableFuture<String> b = fork.branch().map(x -> { seenB.add(x); return x; })
                .decode(StandardCharsets.UTF_8).collect(Collectors.joining());
            graph.start();
            ByteBuffer chunk = ByteBuffer.wrap("shared".getBytes(StandardCharsets.UTF_8));
            step(catalyst, () -> {
                in.handlePush(chunk);
                in.handleFinish();
                in.handleSetReadable(true);
            });
            Drive.rounds(catalyst, 2);
            assertThat(a.join()).isEqualTo("shared");
            assertThat(b.join()).isEqualTo("shared");
            assertThat(seenA.get(0)).isSameAs(chunk);
            assertThat(seenB.get(0)).as("the same chunk, not a copy").isSameAs(chunk);
            assertThat(catalyst.peakRetainedBytes()).isZero();
        }
    }

    @Test
    void n5_aDroppingBranchNeverStallsTheMainPathAndCountsWhatItDrops() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> in = source(catalyst, "e", 10);
            ManualSink<String> main = new ManualSink<>(catalyst, "main");
            ManualSink<String> side = new ManualSink<>(catalyst, "side");
            Feed.Broadcast<String> fork = graph.from(in).broadcast();
            fork.to(main);
            fork.dropping().to(side);
            Plan plan = graph.compile();
            graph.start();
            step(catalyst, () -> side.handleAcceptThenBlock(3));
            step(catalyst, () -> in.handleSetReadable(true));
            assertThat(read(catalyst, () -> List.copyOf(main.handleReceived()))).hasSize(10);
            assertThat(read(catalyst, () -> List.copyOf(side.handleReceived()))).containsExactly("e0", "e1", "e2");
            assertThat(read(catalyst, plan::dropped)).isEqualTo(7);
        }
    }

    @Test
    void n5_aThrottlingBranchStallsEveryone() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> in = source(catalyst, "e", 10);
            ManualSink<String> main = new ManualSink<>(catalyst, "main");
            ManualSink<String> slow = new ManualSink<>(catalyst, "slow");
            Feed.Broadcast<String> fork = graph.from(in).broadcast();
            fork.to(main);
            fork.to(slow);
            graph.start();
            step(catalyst, () -> slow.handleAcceptThenBlock(3));
            step(catalyst, () -> in.handleSetReadable(true));
            Drive.rounds(catalyst, 3);
            assertThat(read(catalyst, () -> main.handleReceived().size())).isEqualTo(3);
        }
    }

    @Test
    void n5_aDetachingBranchIsFailedAfterItsTimeoutAndTheOthersGoOn() {
        CachedNanoClock clock = new CachedNanoClock();
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> { }).withClock(clock))) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> in = source(catalyst, "e", 10);
            ManualSink<String> main = new ManualSink<>(catalyst, "main");
            ManualSink<String> dead = new ManualSink<>(catalyst, "dead");
            Feed.Broadcast<String> fork = graph.from(in).broadcast();
            fork.to(main);
            fork.detaching(Duration.ofMillis(50)).to(dead);
            CompletableFuture<Void> done = graph.start();
            step(catalyst, () -> dead.handleAcceptThenBlock(2));
            step(catalyst, () -> {
                in.handleSetReadable(true);
                in.handleFinish();
            });
            assertThat(read(catalyst, () -> main.handleReceived().size())).as("stalled by the dead branch").isEqualTo(2);
            clock.advance(Duration.ofMillis(49).toNanos());
            Drive.rounds(catalyst, 3);
            assertThat(dead.closed()).as("not before its timeout, on the catalyst's clock").isNotDone();
            assertThat(read(catalyst, () -> main.handleReceived().size())).isEqualTo(2);
            clock.advance(Duration.ofMillis(3).toNanos()); // past 50 ms and the wheel's tick
            Drive.until(catalyst, 2_000, done::isDone);
            assertThat(dead.closed()).isCompletedExceptionally();
            assertThat(dead.closed().handle((ok, failure) -> failure instanceof TimeoutException).join()).isTrue();
            assertThat(main.handleReceived()).hasSize(10);
            assertThat(done).isCompleted(); // a detached sink is not a failure of the graph
        }
    }

    @Test
    void n6_unionServesReadyInputsInTurnAndEndsWhenAllHaveEnded() {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withMovesPerRound(4))) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> x = source(catalyst, "x", 100);
            ManualSource<String> y = source(catalyst, "y", 100);
            ManualSink<String> out = new ManualSink<>(catalyst, "out");
            graph.union(graph.from(x), graph.from(y)).to(out);
            graph.start();
            step(catalyst, () -> {
                x.handleSetReadable(true);
                y.handleSetReadable(true);
                x.handleFinish();
            });
            List<String> firstRound = read(catalyst, () -> List.copyOf(out.handleReceived()));
            assertThat(firstRound).as("both served in the first rounds: neither starves")
                .anyMatch(e -> e.startsWith("x")).anyMatch(e -> e.startsWith("y"));
            Drive.rounds(catalyst, 60);
            assertThat(read(catalyst, () -> out.handleIsClosed())).as("y has not ended").isFalse();
            step(catalyst, y::handleFinish);
            Drive.rounds(catalyst, 2);
            List<String> all = out.handleReceived();
            assertThat(all).hasSize(200);
            assertThat(all.stream().filter(e -> e.startsWith("x"))).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 100).mapToObj(i -> "x" + i).toList());
            assertThat(out.closed()).isCompleted();
        }
    }

    @Test
    void n6_anElementIsNeverInterleavedWithAnother() throws Exception {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            Pipe out = Pipe.open();
            ManualSource<ByteBuffer> x = new ManualSource<>(catalyst, "x");
            ManualSource<ByteBuffer> y = new ManualSource<>(catalyst, "y");
            graph.union(graph.from(x), graph.from(y)).to(graph.write(out.sink()));
            graph.start();
            byte[] xs = new byte[48 * 1024];
            byte[] ys = new byte[48 * 1024];
            java.util.Arrays.fill(xs, (byte) 'x');
            java.util.Arrays.fill(ys, (byte) 'y');
            step(catalyst, () -> {
                for (int i = 0; i < 20; i++) {
                    x.handlePush(ByteBuffer.wrap(xs));
                    y.handlePush(ByteBuffer.wrap(ys));
                }
                x.handleFinish();
                y.handleFinish();
                x.handleSetReadable(true);
                y.handleSetReadable(true);
            });
            out.source().configureBlocking(false);
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(5000); // small reads force partial writes
            while (received.size() < 40 * xs.length) {
                catalyst.runOnce(1);
                buffer.clear();
                int n = out.source().read(buffer);
                received.write(buffer.array(), 0, Math.max(0, n));
            }
            byte[] all = received.toByteArray();
            for (int element = 0; element < 40; element++) {
                byte first = all[element * xs.length];
                for (int i = 1; i < xs.length; i++) {
                    assertThat(all[element * xs.length + i]).as("element %d whole", element).isEqualTo(first);
                }
            }
        }
    }

    @Test
    void n7_intersectReadsOnlyWhenEveryInputIsReadable() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> left = source(catalyst, "l", 3);
            ManualSource<String> right = source(catalyst, "r", 5);
            CompletableFuture<List<String>> pairs = graph.intersect(graph.from(left), graph.from(right).map(String::toUpperCase),
                (l, r) -> l + "+" + r).collect(Collectors.toList());
            graph.start();
            step(catalyst, () -> left.handleSetReadable(true));
            assertThat(read(catalyst, left::handleGiven)).as("right is not readable").isZero();
            step(catalyst, () -> {
                right.handleSetReadable(true);
                left.handleFinish();
            });
            Drive.rounds(catalyst, 2);
            assertThat(pairs.join()).containsExactly("l0+R0", "l1+R1", "l2+R2");
            assertThat(right.closed()).as("the other input closes when one ends").isCompleted();
        }
    }

    @Test
    void n8_anExpansionBecomesTheSinksPendingElement() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> in = source(catalyst, "w", 3);
            ManualSink<String> out = new ManualSink<>(catalyst, "out");
            graph.from(in).flatMap(w -> List.of(w + "a", w + "b", w + "c")).to(out);
            graph.start();
            step(catalyst, () -> out.handleAcceptThenBlock(1));
            step(catalyst, () -> in.handleSetReadable(true));
            assertThat(read(catalyst, in::handleGiven)).as("one element in").isEqualTo(1);
            assertThat(read(catalyst, () -> List.copyOf(out.handleReceived()))).containsExactly("w0a");
            assertThat(read(catalyst, out::handlePendingCount)).as("the rest is pending").isEqualTo(2);
            assertThat(read(catalyst, out::handleIsAvailable)).isFalse();
            step(catalyst, () -> out.handleSetWritable(true));
            Drive.rounds(catalyst, 1);
            assertThat(read(catalyst, () -> List.copyOf(out.handleReceived())))
                .containsExactly("w0a", "w0b", "w0c", "w1a", "w1b", "w1c", "w2a", "w2b", "w2c");
        }
    }

    @Test
    void n8_aRejectedElementLeavesTheSinksBitAlone() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> in = source(catalyst, "n", 6);
            ManualSink<String> out = new ManualSink<>(catalyst, "out");
            graph.from(in).filter(s -> s.endsWith("5")).to(out);
            graph.start();
            step(catalyst, () -> out.handleAcceptThenBlock(1));
            step(catalyst, () -> in.handleSetReadable(true));
            assertThat(read(catalyst, in::handleGiven)).as("five rejected, none used up the sink").isEqualTo(6);
            assertThat(read(catalyst, () -> List.copyOf(out.handleReceived()))).containsExactly("n5");
        }
    }

    @Test
    void n9_aDiamondNeitherLosesNorDuplicatesNorBuffersWithoutBound() throws Exception {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            Pipe in = Pipe.open();
            Pipe out = Pipe.open();
            Feed.Broadcast<ByteBuffer> fork = graph.read(in.source()).broadcast();
            Feed<ByteBuffer> upper = fork.branch().map(NegotiationRulesTest::upper);
            Feed<ByteBuffer> same = fork.branch();
            graph.union(upper, same).to(graph.write(out.sink()));
            Plan plan = graph.compile();
            graph.start();
            int lines = 20_000;
            Thread writer = new Thread(() -> {
                try (var sink = in.sink()) {
                    for (int i = 0; i < lines; i++) {
                        ByteBuffer line = ByteBuffer.wrap(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                        while (line.hasRemaining()) {
                            sink.write(line);
                        }
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            out.source().configureBlocking(false);
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(3000);
            CompletableFuture<Void> done = plan.completion();
            int n = 0;
            while (!done.isDone() || n > 0) {
                catalyst.runOnce(1);
                buffer.clear();
                n = out.source().read(buffer);
                received.write(buffer.array(), 0, Math.max(0, n));
                assertThat(catalyst.retainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
            }
            writer.join();
            String text = received.toString(StandardCharsets.UTF_8);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                expected.append("line ").append(i).append('\n');
            }
            assertThat(text.replace("LINE", "line")).hasSize(2 * expected.length());
            assertThat(text.chars().filter(c -> c == 'L').count()).isEqualTo(lines);
            assertThat(text.chars().filter(c -> c == 'l').count()).isEqualTo(lines);
            assertThat(plan.retainedBound()).as("the sink can hold both paths' chunks and one gathered")
                .isEqualTo(3L * catalyst.config().chunkSize());
        }
    }

    private static ByteBuffer upper(ByteBuffer chunk) {
        ByteBuffer copy = ByteBuffer.allocate(chunk.remaining());
        for (int i = chunk.position(); i < chunk.limit(); i++) {
            copy.put((byte) Character.toUpperCase(chunk.get(i)));
        }
        return copy.flip();
    }

    @Test
    void n10_reduceAndCollectCompleteAtTheEndOfInput() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<Integer> in = new ManualSource<>(catalyst, "n");
            Feed.Broadcast<Integer> fork = graph.from(in).broadcast();
            CompletableFuture<Integer> sum = fork.branch().reduce(0, Integer::sum);
            CompletableFuture<Long> count = fork.branch().count();
            graph.start();
            step(catalyst, () -> {
                for (int i = 1; i <= 100; i++) {
                    in.handlePush(i);
                }
                in.handleSetReadable(true);
            });
            Drive.rounds(catalyst, 10);
            assertThat(sum).isNotDone();
            step(catalyst, in::handleFinish);
            assertThat(sum.join()).isEqualTo(5050);
            assertThat(count.join()).isEqualTo(100);
        }
    }

    @Test
    void n11_aUserExceptionFailsItsFiberOnlyAndEndsTravelOnce() {
        List<String> reported = new ArrayList<>();
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> reported.add(cause.getMessage())))) {
            Graph failing = Graph.on(catalyst);
            ManualSource<Integer> bad = new ManualSource<>(catalyst, "bad");
            ManualSink<Integer> badSink = new ManualSink<>(catalyst, "badSink");
            failing.from(bad).map(i -> 10 / i).to(badSink);
            CompletableFuture<Void> failed = failing.start();

            Graph healthy = Graph.on(catalyst);
            ManualSource<Integer> good = new ManualSource<>(catalyst, "good");
            CompletableFuture<Integer> total = healthy.from(good).reduce(0, Integer::sum);
            healthy.start();

            step(catalyst, () -> {
                bad.handlePush(5);
                bad.handlePush(0);
                bad.handlePush(1);
                bad.handleSetReadable(true);
                good.handlePush(1);
                good.handleSetReadable(true);
            });
            assertThat(failed).isCompletedExceptionally();
            assertThat(failed.handle((ok, e) -> e)).isCompletedWithValueMatching(e -> e instanceof ArithmeticException);
            assertThat(bad.closed()).as("its source is closed").isCompleted();
            assertThat(badSink.closed()).as("its sink is failed").isCompletedExceptionally();
            assertThat(badSink.handleReceived()).containsExactly(2);
            assertThat(reported).containsExactly("/ by zero");
            step(catalyst, () -> {
                good.handlePush(2);
                good.handleFinish();
                good.handleSetReadable(true);
            });
            assertThat(total.join()).as("the other graph went on").isEqualTo(3);
        }
    }

    @Test
    void n11_endReachesASinkOnceFromEachFiberAndItClosesAfterTheLast() {
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> x = source(catalyst, "x", 1);
            ManualSource<String> y = source(catalyst, "y", 1);
            ManualSink<String> out = new ManualSink<>(catalyst, "out");
            graph.union(graph.from(x), graph.from(y)).to(out);
            CompletableFuture<Void> done = graph.start();
            step(catalyst, () -> {
                x.handleSetReadable(true);
                y.handleSetReadable(true);
                x.handleFinish();
            });
            assertThat(out.closed()).isNotDone();
            step(catalyst, y::handleFinish);
            assertThat(out.closed()).isCompleted();
            assertThat(done).isCompleted();
            assertThat(out.handleReceived()).containsExactlyInAnyOrder("x0", "y0");
        }
    }

    @Test
    void n12_intervalTicksFromTheCatalystsTimerWheel() {
        CachedNanoClock clock = new CachedNanoClock();
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> { }).withClock(clock))) {
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> stop = new CompletableFuture<>();
            List<Long> ticks = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            graph.interval(Duration.ofMillis(5), stop).forEach(tick -> {
                ticks.add(tick);
                threads.add(Thread.currentThread());
                if (tick == 3) {
                    stop.complete(null);
                }
            });
            graph.start();
            Drive.rounds(catalyst, 2);
            assertThat(ticks).as("no tick before its period has passed on the catalyst's clock").isEmpty();
            for (int i = 1; i <= 3; i++) {
                clock.advance(Duration.ofMillis(6).toNanos()); // one period and the wheel's tick
                Drive.rounds(catalyst, 2);
                assertThat(ticks).hasSize(i);
            }
            Drive.until(catalyst, 100, () -> !Core.of(catalyst).handleIsAlive()); // stopped: nothing else is open
            assertThat(ticks).containsExactly(1L, 2L, 3L);
            assertThat(threads).containsOnly(Thread.currentThread());
        }
    }

    @Test
    void n14_regularFilesAreAlwaysAvailable(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path input = dir.resolve("in");
        byte[] data = new byte[300_000];
        new java.util.Random(7).nextBytes(data);
        java.nio.file.Files.write(input, data);
        try (Catalyst catalyst = quiet()) {
            Graph graph = Graph.on(catalyst);
            var source = dev.pushback.catalyst.endpoint.FileSource.open(catalyst, input);
            graph.from(source).to(graph.write(dir.resolve("out")));
            graph.start();
            Drive.rounds(catalyst, 1);
            assertThat(read(catalyst, () -> Core.of(catalyst).handleFrontier())).as("nothing ever waits on a file").isEmpty();
            Drive.until(catalyst, 100, () -> source.closed().isDone());
        }
        assertThat(java.nio.file.Files.readAllBytes(dir.resolve("out"))).isEqualTo(data);
    }

    @Test
    void n14_aBridgedStreamReadsAtMostOneChunkAhead() throws Exception {
        int chunk = 1024;
        long[] read = new long[1];
        java.io.InputStream endless = new java.io.InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                synchronized (read) {
                    read[0] += len;
                }
                return len;
            }
        };
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(chunk).withErrors((w, c) -> { }))) {
            Graph graph = Graph.on(catalyst);
            ManualSink<ByteBuffer> blocked = new ManualSink<>(catalyst, "blocked");
            graph.read("endless", endless).to(blocked);
            graph.start();
            step(catalyst, () -> blocked.handleSetWritable(false));
            // Wait until the reader thread parks: it has filled both of its buffers and can read no more.
            Thread reader = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().endsWith("endless-reader")).findFirst().orElseThrow();
            long bridgeChunk = (long) dev.pushback.catalyst.endpoint.StreamSource.BRIDGE_CHUNKS * chunk;
            Drive.until(catalyst, 3_000, () -> reader.getState() == Thread.State.WAITING);
            long parkedAt;
            synchronized (read) {
                parkedAt = read[0];
            }
            assertThat(parkedAt).as("one bridge chunk in hand, at most one ahead").isPositive().isLessThanOrEqualTo(2L * bridgeChunk);
            Drive.rounds(catalyst, 20);
            synchronized (read) {
                assertThat(read[0]).as("parked: nothing more is read while the sink is blocked").isEqualTo(parkedAt);
            }
        }
    }

    @Test
    void n15_aReadyFiberMakesABoundedNumberOfMovesPerRound() {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withMovesPerRound(8))) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> hose = source(catalyst, "h", 1000);
            ManualSource<String> trickle = source(catalyst, "t", 3);
            ManualSink<String> a = new ManualSink<>(catalyst, "a");
            ManualSink<String> b = new ManualSink<>(catalyst, "b");
            graph.from(hose).to(a);
            graph.from(trickle).to(b);
            graph.start();
            step(catalyst, () -> {
                hose.handleSetReadable(true);
                trickle.handleSetReadable(true);
            });
            assertThat(read(catalyst, () -> a.handleReceived().size())).as("the fire hose gets 8 moves a round").isLessThanOrEqualTo(16);
            assertThat(read(catalyst, () -> b.handleReceived().size())).as("and cannot starve the trickle").isEqualTo(3);
        }
    }

    @Test
    void c3_aRoundChecksOnlyFibersWhoseEndpointsChanged() {
        try (Catalyst catalyst = quiet()) {
            int idle = 10_000;
            for (int i = 0; i < idle; i++) {
                Graph graph = Graph.on(catalyst);
                graph.from(new ManualSource<String>(catalyst, "idle" + i)).to(new ManualSink<>(catalyst, "sink" + i));
                graph.start();
            }
            Graph active = Graph.on(catalyst);
            ManualSource<String> in = source(catalyst, "a", 100);
            ManualSink<String> out = new ManualSink<>(catalyst, "out");
            active.from(in).to(out);
            active.start();
            Drive.rounds(catalyst, 3); // first checks of every new fiber
            long before = read(catalyst, Core.of(catalyst)::handleChecks);
            step(catalyst, () -> in.handleSetReadable(true));
            Drive.rounds(catalyst, 20);
            long checks = read(catalyst, Core.of(catalyst)::handleChecks) - before;
            assertThat(read(catalyst, () -> out.handleReceived().size())).isEqualTo(100);
            assertThat(checks).as("checks grow with ready endpoints, not with %d idle fibers", idle).isLessThan(50);
        }
    }

    @Test
    void c5_subgraphsComeAndGoWhileOthersRun() {
        try (Catalyst catalyst = quiet()) {
            Graph longLived = Graph.on(catalyst);
            ManualSource<String> steady = new ManualSource<>(catalyst, "steady");
            ManualSink<String> steadyOut = new ManualSink<>(catalyst, "steadyOut");
            longLived.from(steady).to(steadyOut);
            longLived.start();
            step(catalyst, () -> {
                steady.handlePush("s0");
                steady.handleSetReadable(true);
            });
            int steadyBit = read(catalyst, steady::handleBit);
            for (int round = 0; round < 50; round++) {
                Graph shortLived = Graph.on(catalyst);
                ManualSource<String> in = source(catalyst, "c" + round + "-", 2);
                CompletableFuture<List<String>> got = shortLived.from(in).collect(Collectors.toList());
                shortLived.start();
                step(catalyst, () -> {
                    in.handleFinish();
                    in.handleSetReadable(true);
                });
                assertThat(got.join()).hasSize(2);
                int r = round;
                step(catalyst, () -> {
                    steady.handlePush("s" + (r + 1));
                    steady.handleSetReadable(true);
                });
            }
            assertThat(read(catalyst, steady::handleBit)).as("untouched").isEqualTo(steadyBit);
            assertThat(read(catalyst, () -> steadyOut.handleReceived().size())).isEqualTo(51);
            assertThat(read(catalyst, Core.of(catalyst)::handleAllocatedBits)).as("bits of finished subgraphs are freed").isEqualTo(2);
        }
    }
}
