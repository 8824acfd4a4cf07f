package dev.pushback.dsl.flow;

import java.util.concurrent.Flow;

import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;
import org.testng.annotations.AfterClass;

import dev.pushback.catalyst.flow.PublisherSource;
import dev.pushback.dsl.Graph;

/**
 * The Reactive Streams TCK on the subscriber of a {@link PublisherSource}, in a started graph
 * that moves into an always-writable sink: the subscriber asks for elements by itself.
 * No rule is skipped here; the TCK skips by itself the {@code untested_*} rules it cannot check.
 */
public class FlowSubscriberBlackboxTckTest extends FlowSubscriberBlackboxVerification<Integer> {
    private final RunningCatalyst running = new RunningCatalyst("tck-blackbox");

    public FlowSubscriberBlackboxTckTest() {
        super(new TestEnvironment(Tck.TIMEOUT_MILLIS, Tck.NO_SIGNAL_MILLIS));
    }

    @AfterClass
    public void closeCatalyst() throws InterruptedException {
        running.close();
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber() {
        PublisherSource<Integer> source = PublisherSource.unsubscribed(running.catalyst, "tck");
        Graph graph = Graph.on(running.catalyst);
        graph.from(source).map(n -> n + 1).count();
        graph.start();
        return source.subscriber();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
