package dev.pushback.dsl.flow;

import static dev.pushback.dsl.Drive.read;
import static dev.pushback.dsl.Drive.rounds;
import static dev.pushback.dsl.Drive.until;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * java.util.concurrent.Flow at both ends of a graph, on a catalyst driven by the test thread:
 * each step runs rounds until nothing moves, so the counts are exact. The upstream is a
 * {@link SubmissionPublisher} that delivers on the thread that submits or requests.
 */
class FlowInteropTest {
    private final List<Throwable> reported = new CopyOnWriteArrayList<>();

    private Catalyst open() {
        return Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> reported.add(cause)));
    }

    private static SubmissionPublisher<Integer> upstream() {
        return new SubmissionPublisher<>(Runnable::run, 256);
    }

    /** Subscribes {@code subscriber} and runs until the graph has subscribed upstream too. */
    private static void subscribe(Catalyst catalyst, Flow.Publisher<Integer> out, Recorder<Integer> subscriber,
                                  SubmissionPublisher<Integer> upstream) {
        out.subscribe(subscriber);
        until(catalyst, 100, () -> subscriber.subscription != null && upstream.getNumberOfSubscribers() == 1);
    }

    @Test
    void n14_aPublisherFeedsASlowSubscriberInOrderNeverMoreThanOneElementAheadInEachAdapter() {
        try (Catalyst catalyst = open(); SubmissionPublisher<Integer> upstream = upstream()) {
            Counting<Integer> counted = new Counting<>(upstream);
            Flow.Publisher<Integer> out = Graph.on(catalyst).from(counted).map(n -> n * 10).toPublisher();
            Recorder<Integer> slow = new Recorder<>();
            subscribe(catalyst, out, slow, upstream);
            for (int i = 0; i < 50; i++) {
                upstream.submit(i);
            }
            for (int delivered = 0; delivered < 50; delivered++) {
                rounds(catalyst, 5);
                assertThat(slow.items).hasSize(delivered);
                // One element moved into the sink waits there for demand; the source has asked for
                // the one after it. Nothing more, however far the publisher could run (N3, N14).
                assertThat(counted.requested.get()).isEqualTo(delivered + 2L);
                slow.subscription.request(1);
            }
            upstream.close();
            until(catalyst, 100, () -> slow.completed);
            assertThat(slow.items).containsExactlyElementsOf(IntStream.range(0, 50).map(n -> n * 10).boxed().toList());
            assertThat(slow.signals).containsExactly("onSubscribe", "onComplete");
            assertThat(reported).isEmpty();
        }
    }

    @Test
    void n11_aCancelReachesTheUpstreamPublisherAndIsNoFailure() {
        try (Catalyst catalyst = open(); SubmissionPublisher<Integer> upstream = upstream()) {
            Counting<Integer> counted = new Counting<>(upstream);
            Graph graph = Graph.on(catalyst);
            Flow.Publisher<Integer> out = graph.from(counted).toPublisher();
            Recorder<Integer> consumer = new Recorder<>();
            subscribe(catalyst, out, consumer, upstream);
            CompletableFuture<Void> done = graph.start(); // already started by the subscribe: the same completion
            for (int i = 0; i < 10; i++) {
                upstream.submit(i);
            }
            consumer.subscription.request(3);
            until(catalyst, 100, () -> consumer.items.size() == 3);
            consumer.subscription.cancel();
            until(catalyst, 100, counted.cancelled::get);
            rounds(catalyst, 3);
            assertThat(done).isCompleted().isNotCompletedExceptionally();
            assertThat(read(catalyst, Core.of(catalyst)::handleFiberCount)).isZero();
            assertThat(consumer.items).containsExactly(0, 1, 2);
            assertThat(consumer.signals).containsExactly("onSubscribe");
            assertThat(reported).as("a cancel is not reported as a failure").isEmpty();
        }
    }

    @Test
    void n11_anUpstreamFailureReachesASubscriberThatHasNoDemand() {
        try (Catalyst catalyst = open(); SubmissionPublisher<Integer> upstream = upstream()) {
            Graph graph = Graph.on(catalyst);
            Flow.Publisher<Integer> out = graph.from(upstream).toPublisher();
            Recorder<Integer> consumer = new Recorder<>();
            subscribe(catalyst, out, consumer, upstream);
            IOException failure = new IOException("upstream failed");
            upstream.closeExceptionally(failure);
            until(catalyst, 100, () -> consumer.failure != null);
            assertThat(consumer.failure).isSameAs(failure);
            assertThat(consumer.signals).containsExactly("onSubscribe", "onError");
            assertThat(graph.start()).isCompletedExceptionally();
            assertThat(reported).containsExactly(failure);
        }
    }

    @Test
    void rs105_anEmptyStreamCompletesWithoutAnyRequest() {
        try (Catalyst catalyst = open()) {
            ManualSource<Integer> empty = new ManualSource<>(catalyst, "empty");
            catalyst.execute(() -> {
                empty.handleSetReadable(true);
                empty.handleFinish();
            });
            Recorder<Integer> consumer = new Recorder<>();
            Graph.on(catalyst).from(empty).toPublisher().subscribe(consumer);
            until(catalyst, 100, () -> consumer.completed);
            assertThat(consumer.signals).containsExactly("onSubscribe", "onComplete");
        }
    }

    @Test
    void rs111_aSecondSubscriberIsRefusedWithOnError() {
        try (Catalyst catalyst = open()) {
            Flow.Publisher<Integer> out = Graph.on(catalyst).from(new ManualSource<Integer>(catalyst, "in")).toPublisher();
            out.subscribe(new Recorder<>());
            Recorder<Integer> second = new Recorder<>();
            out.subscribe(second);
            assertThat(second.signals).containsExactly("onSubscribe", "onError");
            assertThat(second.failure).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void rs309_aRequestOfZeroFailsTheSubscriberAndCutsTheGraphQuietly() {
        try (Catalyst catalyst = open()) {
            ManualSource<Integer> in = numbers(catalyst, 5);
            Graph graph = Graph.on(catalyst);
            Flow.Publisher<Integer> out = graph.from(in).toPublisher();
            Recorder<Integer> consumer = new Recorder<>();
            out.subscribe(consumer);
            until(catalyst, 100, () -> consumer.subscription != null);
            consumer.subscription.request(0);
            until(catalyst, 100, () -> consumer.failure != null);
            assertThat(consumer.failure).isInstanceOf(IllegalArgumentException.class);
            assertThat(graph.start()).isCompletedExceptionally();
            assertThat(read(catalyst, in::handleIsClosed)).isTrue();
            assertThat(reported).isEmpty();
        }
    }

    @Test
    void toSubscriber_deliversEverythingAndCompletesItsFuture() {
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            Recorder<Integer> consumer = new Recorder<>();
            CompletableFuture<Void> done = graph.from(numbers(catalyst, 4)).map(n -> n + 1).to(consumer);
            rounds(catalyst, 2);
            assertThat(consumer.signals).as("onSubscribe comes before the graph starts").containsExactly("onSubscribe");
            consumer.subscription.request(Long.MAX_VALUE);
            graph.start();
            until(catalyst, 100, done::isDone);
            assertThat(consumer.items).containsExactly(1, 2, 3, 4);
            assertThat(consumer.signals).containsExactly("onSubscribe", "onComplete");
            assertThat(done).isNotCompletedExceptionally();
        }
    }

    @Test
    void n11_aCancelledBranchEndsTheFiberAndTheOtherBranchSeesTheEnd() {
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<Integer> in = numbers(catalyst, 10);
            ManualSink<Integer> other = new ManualSink<>(catalyst, "other");
            Feed.Broadcast<Integer> fork = graph.from(in).broadcast();
            CompletableFuture<Void> otherDone = fork.to(other);
            Recorder<Integer> consumer = new Recorder<>();
            fork.branch().to(consumer);
            CompletableFuture<Void> done = graph.start();
            rounds(catalyst, 2);
            consumer.subscription.request(2);
            until(catalyst, 100, () -> consumer.items.size() == 2);
            consumer.subscription.cancel();
            until(catalyst, 100, done::isDone);
            assertThat(done).isNotCompletedExceptionally();
            assertThat(otherDone).isCompleted().isNotCompletedExceptionally();
            assertThat(read(catalyst, in::handleIsClosed)).isTrue();
            // The sink runs one element ahead of demand, so the other branch got that one too.
            assertThat(read(catalyst, () -> List.copyOf(other.handleReceived()))).containsExactly(0, 1, 2);
            assertThat(reported).isEmpty();
        }
    }

    @Test
    void rs213_aSubscriberThatThrowsIsReportedAndCutOff() {
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            IllegalStateException bug = new IllegalStateException("subscriber bug");
            Recorder<Integer> throwing = new Recorder<>() {
                @Override
                public void onNext(Integer item) {
                    super.onNext(item);
                    throw bug;
                }
            };
            CompletableFuture<Void> done = graph.from(numbers(catalyst, 5)).to(throwing);
            graph.start();
            rounds(catalyst, 2);
            throwing.subscription.request(5);
            until(catalyst, 100, done::isDone);
            assertThat(throwing.items).containsExactly(0);
            assertThat(throwing.signals).containsExactly("onSubscribe");
            assertThat(done).isCompletedExceptionally();
            assertThat(reported).containsExactly(bug);
        }
    }

    private static ManualSource<Integer> numbers(Catalyst catalyst, int count) {
        ManualSource<Integer> source = new ManualSource<>(catalyst, "numbers");
        catalyst.execute(() -> {
            for (int i = 0; i < count; i++) {
                source.handlePush(i);
            }
            source.handleSetReadable(true);
            source.handleFinish();
        });
        return source;
    }
}
