package dev.pushback.dsl.flow;

import java.util.concurrent.Flow;

import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

import dev.pushback.dsl.Graph;

/**
 * The Reactive Streams TCK on {@code Feed.toPublisher()}: a range source through a map, one
 * graph per test, all on one catalyst looping on its own thread (one per test class, closed
 * after it). No rule is skipped here. The TCK skips by itself its {@code untested_*} rules and
 * the optional multicast ones of 1.11: {@code toPublisher()} is unicast by design and refuses a
 * second subscriber with {@code onError}, as 1.11 permits.
 */
public class FlowPublisherTckTest extends FlowPublisherVerification<Long> {
    private final RunningCatalyst running = new RunningCatalyst("tck-publisher");

    public FlowPublisherTckTest() {
        super(new TestEnvironment(Tck.TIMEOUT_MILLIS, Tck.NO_SIGNAL_MILLIS), Tck.GC_MILLIS);
    }

    @AfterClass
    public void closeCatalyst() throws InterruptedException {
        running.close();
    }

    @Override
    public Flow.Publisher<Long> createFlowPublisher(long elements) {
        Graph graph = Graph.on(running.catalyst);
        return graph.from(new Range(running.catalyst, elements)).map(n -> n).toPublisher();
    }

    /** A graph whose upstream publisher fails at once: its failure reaches the subscriber (N11). */
    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        Graph graph = Graph.on(running.catalyst);
        Flow.Publisher<Long> failing = subscriber -> {
            subscriber.onSubscribe(Tck.NO_SUBSCRIPTION);
            subscriber.onError(new IllegalStateException("failed on purpose"));
        };
        return graph.from(failing).toPublisher();
    }
}
