package dev.pushback.catalyst.flow;

import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * A source fed by a {@link Flow.Publisher}: its readable bit means "the one requested element has
 * arrived". It requests one element, and the next only when its fiber has moved the last one
 * ({@link #handleConsumed()}), so the publisher is never more than one element ahead of what the
 * graph can take — the bound of a bridged stream (DESIGN N14). Signals from the publisher come on
 * any thread and reach the catalyst through {@link Catalyst#execute}; every call on the
 * subscription is made on the catalyst thread, so they are serial (Reactive Streams 2.7).
 *
 * <pre>{@code
 * graph.from(PublisherSource.of(catalyst, "numbers", submissionPublisher))
 *      .map(n -> n * 2)
 *      .to(sink);
 * }</pre>
 *
 * <p>{@link #unsubscribed(Catalyst, String)} makes one whose {@link #subscriber()} is handed to a
 * publisher by the caller. Closing the source (its fiber ended or failed, the catalyst closed)
 * cancels the subscription; an {@code onError} fails the fiber at once (DESIGN N11).
 *
 * @param <T> the element type
 */
public final class PublisherSource<T> extends AbstractSource<T> {
    private final Flow.Publisher<? extends T> publisher;
    private final Inbox inbox = new Inbox();
    private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    private T h_element;
    private boolean h_given;
    private boolean h_completed;
    private boolean h_terminated; // 2.4: after onComplete or onError the subscription is not used
    private Throwable h_failure;

    private PublisherSource(Catalyst catalyst, String name, Flow.Publisher<? extends T> publisher) {
        super(catalyst, name);
        this.publisher = publisher;
    }

    /** A source that subscribes to {@code publisher} when its graph starts. */
    public static <T> PublisherSource<T> of(Catalyst catalyst, String name, Flow.Publisher<? extends T> publisher) {
        return new PublisherSource<>(catalyst, name, Objects.requireNonNull(publisher, "publisher"));
    }

    /** A source fed by whatever publisher its {@link #subscriber()} is subscribed to. */
    public static <T> PublisherSource<T> unsubscribed(Catalyst catalyst, String name) {
        return new PublisherSource<>(catalyst, name, null);
    }

    /** The subscriber that feeds this source; subscribe it to one publisher. */
    public Flow.Subscriber<T> subscriber() {
        return inbox;
    }

    @Override
    protected boolean handleInitiallyAvailable() {
        return h_element != null || h_completed;
    }

    @Override
    protected void handleOpen() {
        if (publisher != null) {
            try {
                publisher.subscribe(inbox);
            } catch (RuntimeException e) {
                h_failure = h_failure != null ? h_failure : e; // a 1.9 violation fails the fiber
            }
        }
        if (h_failure != null) {
            // Failed before the graph started: its fiber waits on this source only after this returns.
            reactor.execute(() -> handleFail(h_failure));
        }
    }

    @Override
    public T handlePoll() {
        T element = h_element;
        if (element == null) {
            return handleNothing(h_completed);
        }
        h_element = null;
        h_given = true;
        return element;
    }

    @Override
    public void handleConsumed() {
        if (h_given) {
            h_given = false;
            handleRequestOne();
        }
    }

    private void handleRequestOne() {
        Flow.Subscription current = subscription.get();
        if (current != null && !h_terminated && !handleIsClosed()) {
            current.request(1);
        }
    }

    private void handleSubscribed(Flow.Subscription current) {
        if (handleIsClosed()) {
            current.cancel();
            return;
        }
        current.request(1);
    }

    private void handleNext(T element) {
        if (handleIsClosed() || h_terminated) {
            return; // 2.8: elements may still come after a cancel
        }
        if (h_element != null) {
            // Failing closes the source, which cancels the subscription of this faulty publisher.
            handleFailWhenStarted(new IllegalStateException(name() + ": the publisher sent more than requested (Reactive Streams 1.1)"));
            return;
        }
        h_element = element;
        handleSetAvailable();
    }

    private void handleCompleted() {
        if (h_terminated) {
            return;
        }
        h_terminated = true;
        h_completed = true;
        handleSetAvailable(); // the fiber moves what it holds, then polls the end
    }

    /** {@code onError}: the fiber fails, and the subscription is not cancelled (2.4). */
    private void handleFailed(Throwable cause) {
        if (h_terminated || handleIsClosed()) {
            return;
        }
        h_terminated = true;
        handleFailWhenStarted(cause);
    }

    private void handleFailWhenStarted(Throwable cause) {
        if (handleBit() >= 0) {
            handleFail(cause);
        } else if (h_failure == null) {
            h_failure = cause; // see handleOpen
        }
    }

    @Override
    protected void handleRelease() {
        h_element = null;
        Flow.Subscription current = subscription.get();
        if (current != null && !h_terminated) {
            current.cancel(); // 2.6
        }
    }

    private void post(Runnable task) {
        try {
            reactor.execute(task);
        } catch (RejectedExecutionException closed) {
            // the catalyst closed, and this source with it: it has cancelled or will never subscribe
        }
    }

    /**
     * The subscriber side. Its methods return at once and throw nothing but the
     * NullPointerException 2.13 asks for; their work is done on the catalyst thread.
     */
    private final class Inbox implements Flow.Subscriber<T> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            Objects.requireNonNull(s, "subscription"); // 2.13
            if (!subscription.compareAndSet(null, s)) {
                s.cancel(); // 2.5: one subscription only
                return;
            }
            try {
                reactor.execute(() -> handleSubscribed(s));
            } catch (RejectedExecutionException closed) {
                s.cancel(); // the only call ever made on it, so still serial (2.7)
            }
        }

        @Override
        public void onNext(T element) {
            Objects.requireNonNull(element, "element"); // 2.13
            post(() -> handleNext(element));
        }

        @Override
        public void onError(Throwable failure) {
            Objects.requireNonNull(failure, "failure"); // 2.13
            post(() -> handleFailed(failure));
        }

        @Override
        public void onComplete() {
            post(PublisherSource.this::handleCompleted);
        }
    }
}
