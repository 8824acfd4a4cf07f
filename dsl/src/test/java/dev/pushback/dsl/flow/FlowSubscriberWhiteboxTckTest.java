package dev.pushback.dsl.flow;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberWhiteboxVerification;
import org.testng.annotations.AfterClass;

import dev.pushback.catalyst.flow.PublisherSource;
import dev.pushback.dsl.Graph;

/**
 * The Reactive Streams TCK on the subscriber of a {@link PublisherSource} whose graph ends in a
 * {@code Feed.to(Flow.Subscriber)}: the TCK's puppet requests and cancels at that far end, so
 * demand and cancellation travel through the graph the way an application's would.
 * No rule is skipped here; the TCK skips by itself the {@code untested_*} rules it cannot check.
 */
public class FlowSubscriberWhiteboxTckTest extends FlowSubscriberWhiteboxVerification<Integer> {
    private final RunningCatalyst running = new RunningCatalyst("tck-whitebox");

    public FlowSubscriberWhiteboxTckTest() {
        super(new TestEnvironment(Tck.TIMEOUT_MILLIS, Tck.NO_SIGNAL_MILLIS));
    }

    @AfterClass
    public void closeCatalyst() throws InterruptedException {
        running.close();
    }

    @Override
    protected Flow.Subscriber<Integer> createFlowSubscriber(WhiteboxSubscriberProbe<Integer> probe) {
        PublisherSource<Integer> source = PublisherSource.unsubscribed(running.catalyst, "tck");
        FarEnd farEnd = new FarEnd();
        Graph graph = Graph.on(running.catalyst);
        graph.from(source).map(n -> n).to(farEnd);
        graph.start();
        return new Probed(source.subscriber(), probe, farEnd);
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }

    /** The graph's downstream subscriber; the puppet pulls its strings. */
    private static final class FarEnd implements Flow.Subscriber<Integer> {
        final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.complete(s);
        }

        @Override
        public void onNext(Integer item) {}

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}
    }

    /** Our subscriber, telling the probe what it received. */
    private static final class Probed implements Flow.Subscriber<Integer> {
        private final Flow.Subscriber<Integer> inner;
        private final WhiteboxSubscriberProbe<Integer> probe;
        private final FarEnd farEnd;

        Probed(Flow.Subscriber<Integer> inner, WhiteboxSubscriberProbe<Integer> probe, FarEnd farEnd) {
            this.inner = inner;
            this.probe = probe;
            this.farEnd = farEnd;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            inner.onSubscribe(s);
            probe.registerOnSubscribe(new SubscriberPuppet() {
                @Override
                public void triggerRequest(long elements) {
                    farEnd.subscription.join().request(elements);
                }

                @Override
                public void signalCancel() {
                    farEnd.subscription.join().cancel();
                }
            });
        }

        @Override
        public void onNext(Integer element) {
            inner.onNext(element);
            probe.registerOnNext(element);
        }

        @Override
        public void onError(Throwable failure) {
            inner.onError(failure);
            probe.registerOnError(failure);
        }

        @Override
        public void onComplete() {
            inner.onComplete();
            probe.registerOnComplete();
        }
    }
}
