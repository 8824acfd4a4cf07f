package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.stream.Collector;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSource;

/**
 * Failures are reported once, through the catalyst's error reporter, naming the fiber and the
 * stage, and never swallowed (DESIGN N11): what a user sees when their code throws.
 */
class ErrorReportTest {
    /** One report: what failed, and why. */
    record Report(String what, Throwable cause) {}

    private final List<Report> reports = new CopyOnWriteArrayList<>();

    private Catalyst open() {
        return Catalyst.open(Catalyst.Config.defaults().withName("errors").withErrors((what, cause) -> reports.add(new Report(what, cause))));
    }

    @Test
    void n11_aThrowingMapIsReportedOnceByFiberAndStage() {
        IllegalStateException boom = new IllegalStateException("too long");
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> words = new ManualSource<>(catalyst, "words");
            CompletableFuture<List<Integer>> lengths = graph.from(words)
                .map(String::length)
                .filter(n -> n > 0)
                .map(n -> {
                    if (n > 3) {
                        throw boom;
                    }
                    return n;
                })
                .collect(java.util.stream.Collectors.toList());
            CompletableFuture<Void> done = graph.start();
            Drive.step(catalyst, () -> {
                words.handlePush("ab");
                words.handlePush("abcdef");
                words.handleSetReadable(true);
            });
            Drive.until(catalyst, 1_000, done::isDone);
            assertThat(reports).hasSize(1);
            assertThat(reports.get(0).what()).isEqualTo("fiber 0 (words) failed in map #2");
            assertThat(reports.get(0).cause()).isSameAs(boom);
            assertThat(done).isCompletedExceptionally();
            assertThat(lengths).isCompletedExceptionally();
            Drive.rounds(catalyst, 3);
            assertThat(reports).as("reported once, not again by its sink or the graph").hasSize(1);
        }
    }

    @Test
    void n11_aFailingFilterInALongChainIsNamedByItsPlace() {
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<Integer> numbers = new ManualSource<>(catalyst, "numbers");
            Feed<Integer> feed = graph.from(numbers);
            for (int i = 0; i < 20; i++) { // more maps than one chain stage holds
                int at = i;
                feed = feed.map(n -> {
                    if (at == 17 && n == 2) {
                        throw new ArithmeticException("map 18 of 20");
                    }
                    return n;
                });
            }
            CompletableFuture<Long> count = feed.filter(n -> n / (n - 3) >= 0).count();
            CompletableFuture<Void> done = graph.start();
            Drive.step(catalyst, () -> {
                numbers.handlePush(1);
                numbers.handlePush(2);
                numbers.handleSetReadable(true);
            });
            Drive.until(catalyst, 1_000, done::isDone);
            assertThat(reports).extracting(Report::what).containsExactly("fiber 0 (numbers) failed in map #18");
            assertThat(count).isCompletedExceptionally();

            reports.clear();
            Graph second = Graph.on(catalyst);
            ManualSource<Integer> more = new ManualSource<>(catalyst, "more");
            CompletableFuture<Long> counted = second.from(more).map(n -> n + 1).filter(n -> n / (n - 4) >= 0).count();
            CompletableFuture<Void> secondDone = second.start();
            Drive.step(catalyst, () -> {
                more.handlePush(3);
                more.handleSetReadable(true);
            });
            Drive.until(catalyst, 1_000, secondDone::isDone);
            assertThat(reports).extracting(Report::what).containsExactly("fiber 0 (more) failed in filter #1");
            assertThat(reports.get(0).cause()).isInstanceOf(ArithmeticException.class);
            assertThat(counted).isCompletedExceptionally();
        }
    }

    @Test
    void n11_writingIntoAByteChunkFailsWithTheReadOnlyHint() throws Exception {
        try (Catalyst catalyst = open()) {
            Pipe pipe = Pipe.open();
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Long> count = graph.read(pipe.source())
                .map(chunk -> chunk.put(chunk.position(), (byte) 'X'))
                .count();
            CompletableFuture<Void> done = graph.start();
            pipe.sink().write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
            Drive.until(catalyst, 1_000, done::isDone);
            assertThat(reports).hasSize(1);
            assertThat(reports.get(0).cause()).isInstanceOf(ReadOnlyBufferException.class);
            assertThat(reports.get(0).what())
                .startsWith("fiber 0 (").contains("failed in map #1")
                .contains("byte chunks are read-only; copy before changing");
            assertThat(count).isCompletedExceptionally();
            pipe.sink().close();
        }
    }

    @Test
    void n11_aThrowingListenerCallbackIsReportedAndTheConnectionClosed() throws Exception {
        try (Catalyst catalyst = open()) {
            RuntimeException bug = new IllegalArgumentException("handler bug");
            Listener listener = Listener.open(catalyst, new InetSocketAddress("127.0.0.1", 0), 4, (graph, connection) -> {
                throw bug;
            });
            try (SocketChannel client = SocketChannel.open(listener.address())) {
                client.configureBlocking(false);
                ByteBuffer into = ByteBuffer.allocate(16);
                int[] read = {0};
                Drive.until(catalyst, 10_000, () -> {
                    try {
                        read[0] = client.read(into.clear());
                    } catch (IOException reset) {
                        read[0] = -1;
                    }
                    return read[0] < 0;
                });
            }
            assertThat(reports).hasSize(1);
            assertThat(reports.get(0).what()).startsWith("listener callback failed for the connection with /127.0.0.1:");
            assertThat(reports.get(0).cause()).isSameAs(bug);
            listener.close();
            Drive.until(catalyst, 1_000, () -> listener.done().isDone());
        }
    }

    @Test
    void n11_aFailingFinisherFailsTheResultAndIsReported() {
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> words = new ManualSource<>(catalyst, "words");
            IllegalStateException bad = new IllegalStateException("cannot finish");
            CompletableFuture<String> joined = graph.from(words).collect(Collector.of(
                StringBuilder::new, StringBuilder::append, StringBuilder::append, b -> {
                    throw bad;
                }));
            graph.start();
            Drive.step(catalyst, () -> {
                words.handlePush("a");
                words.handleFinish();
                words.handleSetReadable(true);
            });
            Drive.until(catalyst, 1_000, joined::isDone);
            assertThat(joined).isCompletedExceptionally();
            assertThat(joined.handle((ok, failure) -> failure instanceof CompletionException c ? c.getCause() : failure).join())
                .isSameAs(bad);
            assertThat(reports).extracting(Report::what).containsExactly("collect failed while finishing");
        }
    }

    @Test
    void n11_aSubscriberThatThrowsFromOnCompleteIsReported() {
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> words = new ManualSource<>(catalyst, "words");
            IllegalStateException late = new IllegalStateException("onComplete bug");
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            graph.from(words).to(new Flow.Subscriber<String>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(String item) {
                    seen.writeBytes(item.getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public void onError(Throwable throwable) {
                    throw new AssertionError("no error expected", throwable);
                }

                @Override
                public void onComplete() {
                    throw late;
                }
            });
            CompletableFuture<Void> done = graph.start();
            Drive.step(catalyst, () -> {
                words.handlePush("x");
                words.handleFinish();
                words.handleSetReadable(true);
            });
            Drive.until(catalyst, 1_000, done::isDone);
            Drive.rounds(catalyst, 2);
            assertThat(seen.toString(StandardCharsets.UTF_8)).isEqualTo("x");
            assertThat(reports).hasSize(1);
            assertThat(reports.get(0).what()).contains("the subscriber threw from onComplete (Reactive Streams 2.13)");
            assertThat(reports.get(0).cause()).isSameAs(late);
        }
    }
}
