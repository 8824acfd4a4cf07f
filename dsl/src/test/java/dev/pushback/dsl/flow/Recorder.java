package dev.pushback.dsl.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * A subscriber that records its signals and requests only when told: a consumer as slow as the
 * test wants. For catalysts driven by the test thread, which is then the one that signals. Not
 * final: a test overrides a signal to misbehave.
 */
class Recorder<T> implements Flow.Subscriber<T> {
    final List<T> items = new ArrayList<>();
    final List<String> signals = new ArrayList<>();
    Flow.Subscription subscription;
    Throwable failure;
    boolean completed;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        signals.add("onSubscribe");
        subscription = s;
    }

    @Override
    public void onNext(T item) {
        items.add(item);
    }

    @Override
    public void onError(Throwable cause) {
        signals.add("onError");
        failure = cause;
    }

    @Override
    public void onComplete() {
        signals.add("onComplete");
        completed = true;
    }
}
