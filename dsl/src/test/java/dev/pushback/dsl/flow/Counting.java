package dev.pushback.dsl.flow;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** A publisher wrapped to count what its subscriber requests, and to see a cancel arrive. */
final class Counting<T> implements Flow.Publisher<T> {
    private final Flow.Publisher<T> upstream;
    final AtomicLong requested = new AtomicLong();
    final AtomicBoolean cancelled = new AtomicBoolean();

    Counting(Flow.Publisher<T> upstream) {
        this.upstream = upstream;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        upstream.subscribe(new Flow.Subscriber<T>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                        requested.addAndGet(n);
                        s.request(n);
                    }

                    @Override
                    public void cancel() {
                        cancelled.set(true);
                        s.cancel();
                    }
                });
            }

            @Override
            public void onNext(T item) {
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable cause) {
                subscriber.onError(cause);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
    }
}
