package dev.pushback.catalyst.endpoint;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collector;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;

/**
 * A sink that is always writable and folds every element into one result (DESIGN N10), completed
 * on the catalyst thread at the end of input — exceptionally when the feeding fiber fails.
 *
 * <pre>{@code
 * CollectorSink<String, ?, List<String>> all = CollectorSink.of(catalyst, Collectors.toList());
 * all.result().thenAccept(System.out::println);
 * }</pre>
 */
public final class CollectorSink<T, A, R> extends AbstractSink<T> {
    private final BiConsumer<A, ? super T> accumulator;
    private final Function<A, R> finisher;
    private final CompletableFuture<R> result = new CompletableFuture<>();
    private final A h_container;

    private CollectorSink(Catalyst catalyst, Collector<? super T, A, R> collector) {
        super(catalyst, "collect");
        this.accumulator = collector.accumulator();
        this.finisher = collector.finisher();
        this.h_container = collector.supplier().get();
        closed().whenComplete((ok, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            }
        });
    }

    public static <T, A, R> CollectorSink<T, A, R> of(Catalyst catalyst, Collector<? super T, A, R> collector) {
        return new CollectorSink<>(catalyst, collector);
    }

    /** The folded result, completed at the end of input. */
    public CompletableFuture<R> result() {
        return result;
    }

    @Override
    public void handleAccept(T element) {
        accumulator.accept(h_container, element);
    }

    @Override
    protected boolean handleHasPending() {
        return false;
    }

    @Override
    protected void handleFinish() {
        R value;
        try {
            value = finisher.apply(h_container);
        } catch (RuntimeException e) {
            result.completeExceptionally(e); // the sink closes with it too, so the graph fails
            throw e;
        }
        result.complete(value);
    }
}
