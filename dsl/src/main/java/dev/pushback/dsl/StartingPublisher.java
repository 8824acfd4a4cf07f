package dev.pushback.dsl;

import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;

import dev.pushback.catalyst.flow.SubscriberSink;

/**
 * What {@link Feed#toPublisher()} returns: a publisher is cold, so its graph starts when it is
 * subscribed to, not when it is built. The graph starts before the subscriber is attached, so
 * that a cancel made in {@code onSubscribe} finds the graph's fibers waiting on the sink.
 */
final class StartingPublisher<T> implements Flow.Publisher<T> {
    private final Graph graph;
    private final SubscriberSink<T> sink;

    StartingPublisher(Graph graph, SubscriberSink<T> sink) {
        this.graph = graph;
        this.sink = sink;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber"); // Reactive Streams 1.9
        try {
            graph.start();
        } catch (RejectedExecutionException closed) {
            // the catalyst is closed: the sink refuses the subscriber with onError
        } catch (RuntimeException e) {
            SubscriberSink.refuse(subscriber, e); // the graph does not compile: 1.9 forbids throwing
            return;
        }
        sink.subscribe(subscriber);
    }

    @Override
    public String toString() {
        return "publisher of " + sink.name();
    }
}
