package dev.pushback.catalyst.flow;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.catalyst.spi.AbstractSink;

/**
 * A sink that hands its elements to one {@link Flow.Subscriber}: the end of a pushback graph seen
 * as a unicast {@link Flow.Publisher}. Every signal to the subscriber is made on the catalyst
 * thread, so they are serialized (Reactive Streams 1.3) and {@code onNext} never outruns
 * {@code request(n)} (1.1).
 *
 * <pre>{@code
 * SubscriberSink<String> out = new SubscriberSink<>(catalyst, "out");
 * graph.from(source).map(Object::toString).to(out);
 * out.subscribe(subscriber);   // any Flow.Subscriber
 * graph.start();
 * }</pre>
 *
 * <p>The sink is writable while it holds no element: an element offered without demand is held
 * until {@code request(n)}, and only then is the bit clear. So the graph runs one element ahead
 * of the subscriber's demand (DESIGN N3: one pending element) — which lets the fiber poll its
 * source, and so see the end of the stream, while the subscriber has no demand: {@code
 * onComplete} needs none (1.4, 1.5). A cancel ends the fibers that feed the sink without a
 * failure ({@link AbstractSink#handleCancel}); a failure of the graph is the subscriber's {@code onError}.
 *
 * @param <T> the element type
 */
public final class SubscriberSink<T> extends AbstractSink<T> implements Flow.Publisher<T> {
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicLong demand = new AtomicLong();
    private final Link link = new Link();
    private final Runnable onDemand = this::handleDemand;
    /** Set by {@link Flow.Subscription#cancel()} from any thread: stops {@code onNext} at once (1.8). */
    private volatile boolean cancelled;
    private final ArrayDeque<T> h_held = new ArrayDeque<>(2);
    private Flow.Subscriber<? super T> h_subscriber;
    private boolean h_signalled; // a terminal signal was sent, or the subscriber is gone
    private boolean h_cancelOnOpen;
    private Throwable h_cancelReason;

    public SubscriberSink(Catalyst catalyst, String name) {
        super(catalyst, name);
        // Runs on the catalyst thread, in handleClose: the one place that learns why the sink closed.
        closed().whenComplete((ok, failure) -> handleTerminate(failure));
    }

    /**
     * Attaches the one subscriber (Reactive Streams 1.9: {@code onSubscribe} first). A second one
     * is refused with {@code onError(IllegalStateException)}, as 1.11 permits; so is any once the
     * catalyst has closed. Safe from any thread.
     */
    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber"); // 1.9
        if (!subscribed.compareAndSet(false, true)) {
            refuse(subscriber, new IllegalStateException(name() + " is unicast and already has a subscriber"));
            return;
        }
        try {
            reactor.execute(() -> handleAttach(subscriber));
        } catch (RejectedExecutionException closed) {
            refuse(subscriber, new CatalystClosedException(reactor.config().name() + " is closed"));
        }
    }

    /**
     * Refuses a subscriber as Reactive Streams 1.9 asks: {@code onSubscribe}, then {@code
     * onError}, on the calling thread — it never gets another signal, so they stay serial.
     */
    public static void refuse(Flow.Subscriber<?> subscriber, Throwable cause) {
        subscriber.onSubscribe(Refused.INSTANCE);
        subscriber.onError(cause);
    }

    private void handleAttach(Flow.Subscriber<? super T> subscriber) {
        h_subscriber = subscriber;
        try {
            subscriber.onSubscribe(link);
        } catch (RuntimeException e) {
            handleSubscriberFailed(e);
            return;
        }
        if (handleIsClosed() && !cancelled) {
            // The graph ended or failed before anyone subscribed; say so now.
            handleTerminate(closed().isCompletedExceptionally() ? failureOf() : null);
        }
    }

    private Throwable failureOf() {
        return closed().handle((ok, failure) -> failure).join();
    }

    @Override
    protected void handleOpen() {
        if (h_cancelOnOpen) {
            // Cancelled before the graph started: its fibers wait on this sink only after this
            // returns, so the cancel that ends them runs as the next task.
            reactor.execute(() -> handleCancel(h_cancelReason));
        }
    }

    @Override
    public void handleAccept(T element) {
        if (cancelled) {
            return; // 1.8: the fibers end with the cancel task already queued
        }
        if (h_held.isEmpty() && demand.get() > 0) {
            handleDeliver(element);
            return;
        }
        h_held.addLast(element); // more than one only for an expansion (DESIGN N8)
        handleClearAvailable();
    }

    private void handleDeliver(T element) {
        try {
            h_subscriber.onNext(element);
        } catch (RuntimeException e) {
            handleSubscriberFailed(e);
            return;
        }
        // After onNext, so that a request(1) made inside it finds demand and posts no task (3.3).
        demand.decrementAndGet();
    }

    /** Demand went from none to some: hand over what is held, then take elements again. */
    private void handleDemand() {
        while (!h_held.isEmpty() && demand.get() > 0 && !cancelled && !handleIsClosed()) {
            handleDeliver(h_held.pollFirst());
        }
        if (h_held.isEmpty() && !handleIsClosed()) {
            handleSetAvailable();
            handleFinishIfDrained();
        }
    }

    @Override
    protected boolean handleHasPending() {
        return !h_held.isEmpty();
    }

    /** The sink closed: {@code onComplete} at the end of input, {@code onError} on a failure. */
    private void handleTerminate(Throwable failure) {
        Flow.Subscriber<? super T> subscriber = h_subscriber;
        if (subscriber == null || h_signalled || cancelled) {
            return;
        }
        h_signalled = true;
        h_subscriber = null;
        h_held.clear();
        try {
            if (failure == null) {
                subscriber.onComplete();
            } else {
                subscriber.onError(failure);
            }
        } catch (RuntimeException e) {
            // A 2.13 violation with nothing left to cut: the subscriber is done either way.
            reactor.handleReport(name() + ": the subscriber threw from " + (failure == null ? "onComplete" : "onError")
                + " (Reactive Streams 2.13)", e);
        }
    }

    /**
     * The subscriber threw (a 2.13 violation): it gets nothing more, the graph is cut, and the
     * bug is reported like a failing user function.
     */
    private void handleSubscriberFailed(RuntimeException e) {
        reactor.handleReport(name() + ": the subscriber threw (Reactive Streams 2.13)", e);
        h_signalled = true;
        h_subscriber = null;
        cancelled = true;
        handleClearAvailable();
        post(() -> handleCancelled(e));
    }

    /** 3.9: a request of zero or less is answered with onError, and the stream is cut. */
    private void handleBadRequest(long n) {
        Flow.Subscriber<? super T> subscriber = h_subscriber;
        if (subscriber == null || h_signalled) {
            return;
        }
        h_signalled = true;
        h_subscriber = null;
        IllegalArgumentException cause = new IllegalArgumentException(
            "Reactive Streams 3.9: request(n) needs n > 0, got " + n);
        cancelled = true;
        handleCancelled(cause);
        subscriber.onError(cause);
    }

    /** Drops the subscriber (3.13) and what is held, then ends the fibers without a failure. */
    private void handleCancelled(Throwable reason) {
        h_subscriber = null;
        h_held.clear();
        if (handleBit() < 0 && !handleIsClosed()) {
            h_cancelOnOpen = true;
            h_cancelReason = reason;
            return;
        }
        handleCancel(reason);
    }

    private void post(Runnable task) {
        try {
            reactor.execute(task);
        } catch (RejectedExecutionException closed) {
            // the catalyst is gone: its close already ended the graph and told the subscriber
        }
    }

    private static long addCapped(long current, long n) {
        long sum = current + n;
        return sum < 0 ? Long.MAX_VALUE : sum; // 3.17: Long.MAX_VALUE is "effectively unbounded"
    }

    /** The subscription the subscriber holds; its methods are safe from any thread. */
    private final class Link implements Flow.Subscription {
        @Override
        public void request(long n) {
            if (cancelled) {
                return; // 3.6
            }
            if (n <= 0) {
                post(() -> handleBadRequest(n));
                return;
            }
            if (demand.getAndAccumulate(n, SubscriberSink::addCapped) == 0) {
                post(onDemand);
            }
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return; // 3.7
            }
            cancelled = true;
            post(() -> handleCancelled(null));
        }
    }

    /** The subscription of a refused subscriber: there is nothing to request or cancel. */
    private enum Refused implements Flow.Subscription {
        INSTANCE;

        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
    }
}
