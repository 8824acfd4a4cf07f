package dev.pushback.jmh;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * Makes the type profiles of the runtime's shared call sites as mixed as they are in an
 * application that runs many different graphs (DESIGN C4): before a benchmark measures its own
 * chain, other graphs run through every kind of source, stage, body and sink with lambda classes
 * of their own. Afterwards, {@code MapStage}'s {@code function.apply} and {@code next.accept},
 * {@code SourceBody}'s {@code head.handlePoll}, {@code SinkStage}'s {@code sink.handleOffer} and
 * the fiber's {@code body.handleMove} have each seen more than two receiver classes, so the JIT
 * cannot inline them by profile: it must either fuse by construction or pay a virtual call.
 */
final class Pollution {
    private Pollution() {}

    /** Elements pushed through each polluting graph per pass. */
    private static final int ELEMENTS = 20_000;

    static void run(int passes) {
        for (int pass = 0; pass < passes; pass++) {
            try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("pollution").withMovesPerRound(256))) {
                Graph graph = Graph.on(catalyst);

                // Longs: map, filter, map into a collector (CollectorSink).
                ManualSource<Long> longs = manual(catalyst, "longs", ELEMENTS, i -> (long) i);
                CompletableFuture<Long> sumOfLongs = graph.from(longs).map(x -> x * 3).filter(x -> (x & 1) == 0)
                    .map(x -> x + 7).collect(Collectors.summingLong(x -> x));

                // Strings: maps of other types into a ManualSink.
                ManualSource<String> strings = manual(catalyst, "strings", ELEMENTS, i -> i % 2 == 0 ? "even" : "odd");
                ManualSink<Integer> lengths = new ManualSink<>(catalyst, "lengths");
                graph.from(strings).map(String::length).map(n -> n * 2).filter(n -> n > 0).to(lengths);

                // Flat map (a transform stage) and a broadcast with a dropping branch.
                ManualSource<Integer> ints = manual(catalyst, "ints", ELEMENTS, i -> i);
                Feed.Broadcast<Integer> fan = graph.from(ints).flatMap(i -> List.of(i, -i)).broadcast();
                fan.branch().map(i -> i ^ 5).to(new CountSink<>(catalyst, "count-a"));
                fan.dropping().map(i -> i | 1).to(new CountSink<>(catalyst, "count-b"));
                fan.detaching(Duration.ofSeconds(10)).map(Object::hashCode).count();

                // Intersect: a second kind of fiber body.
                ManualSource<Integer> left = manual(catalyst, "left", ELEMENTS, i -> i);
                ManualSource<Integer> right = manual(catalyst, "right", ELEMENTS, i -> i * 2);
                graph.from(left).map(i -> i + 1).intersect(graph.from(right).filter(i -> i >= 0), Integer::sum)
                    .map(i -> (long) i).to(new CountSink<>(catalyst, "pairs"));

                // Sources of two more classes, ending after a count.
                graph.from(new CountdownSource(catalyst, "countdown", ELEMENTS)).map(Fixtures.Cell.class::cast)
                    .map(c -> { c.value ^= 0x55; return c; }).to(new Fixtures.SumSink(catalyst, "sum"));
                graph.from(new OtherSource(catalyst, "other", ELEMENTS)).map(x -> x).filter(x -> x != null)
                    .to(new CountSink<>(catalyst, "count-c"));

                // Longer chains of maps, three lambda classes at every position of a chain, so that
                // stages that fuse consecutive maps see several classes at each of their call sites.
                ManualSource<Long> chainA = manual(catalyst, "chain-a", ELEMENTS, i -> (long) i);
                graph.from(chainA).map(x -> x + 1).map(x -> x * 2).map(x -> x - 3).map(x -> x ^ 4).map(x -> x | 5)
                    .map(x -> x & 0xffff).map(x -> x + 7).to(new CountSink<>(catalyst, "count-d"));
                ManualSource<String> chainB = manual(catalyst, "chain-b", ELEMENTS, String::valueOf);
                graph.from(chainB).map(String::trim).map(String::length).map(Integer::toBinaryString).map(String::length)
                    .map(n -> n * 3).map(n -> n + 1).map(n -> -n).to(new CountSink<>(catalyst, "count-e"));
                ManualSource<Integer> chainC = manual(catalyst, "chain-c", ELEMENTS, i -> i);
                graph.from(chainC).map(i -> i * 7).map(i -> (double) i).map(d -> d / 2).map(Math::round)
                    .map(l -> l % 11).map(l -> l * l).map(Long::intValue).to(new CountSink<>(catalyst, "count-f"));

                graph.start();
                Fixtures.runUntil(catalyst, () -> sumOfLongs.isDone() && lengths.handleIsClosed(), 1_000_000);
                if (!sumOfLongs.isDone()) {
                    throw new IllegalStateException("the polluting graphs did not finish");
                }
            }
        }
    }

    private static <T> ManualSource<T> manual(Catalyst catalyst, String name, int count, java.util.function.IntFunction<T> element) {
        ManualSource<T> source = new ManualSource<>(catalyst, name);
        catalyst.execute(() -> {
            for (int i = 0; i < count; i++) {
                source.handlePush(element.apply(i));
            }
            source.handleFinish();
            source.handleSetReadable(true);
        });
        return source;
    }

    /** A third sink class: counts. */
    static final class CountSink<T> extends AbstractSink<T> {
        long count;

        CountSink(Catalyst catalyst, String name) {
            super(catalyst, name);
        }

        @Override
        public void handleAccept(T element) {
            count++;
        }

        @Override
        protected boolean handleHasPending() {
            return false;
        }
    }

    /** A third source class: gives one cell {@code count} times, then ends. */
    static final class CountdownSource extends AbstractSource<Object> {
        private final Fixtures.Cell cell = new Fixtures.Cell();
        private int left;

        CountdownSource(Catalyst catalyst, String name, int count) {
            super(catalyst, name);
            this.left = count;
        }

        @Override
        public Object handlePoll() {
            if (left == 0) {
                handleEnd();
                return null;
            }
            left--;
            return cell;
        }
    }

    /** A fourth source class. */
    static final class OtherSource extends AbstractSource<Object> {
        private int left;

        OtherSource(Catalyst catalyst, String name, int count) {
            super(catalyst, name);
            this.left = count;
        }

        @Override
        public Object handlePoll() {
            if (left-- <= 0) {
                handleEnd();
                return null;
            }
            return this;
        }
    }
}
