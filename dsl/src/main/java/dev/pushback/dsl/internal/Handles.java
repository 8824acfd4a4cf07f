package dev.pushback.dsl.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.Source;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/** From the opaque handles users hold to the endpoints behind them. */
public final class Handles {
    // User-facing sinks that stand for an endpoint of the project's own (an HTTP response), each
    // installed by its class's static initializer, so no runtime method shows on the user type.
    private static final Map<Class<?>, Function<Sink<?>, AbstractSink<?>>> FACADES = new ConcurrentHashMap<>();

    /** Called once by a facade class: how to reach the endpoint behind one of its instances. */
    public static void installFacade(Class<?> type, Function<Sink<?>, AbstractSink<?>> endpoint) {
        FACADES.put(type, endpoint);
    }

    private Handles() {}

    public static <T> AbstractSource<T> source(Source<T> source) {
        if (source instanceof AbstractSource<T> endpoint) {
            return endpoint;
        }
        throw new IllegalArgumentException(describe(source) + " is not a pushback source:"
            + " a custom source extends dev.pushback.catalyst.spi.AbstractSource");
    }

    public static <T> AbstractSink<T> sink(Sink<T> sink) {
        if (sink instanceof AbstractSink<T> endpoint) {
            return endpoint;
        }
        Function<Sink<?>, AbstractSink<?>> facade = sink == null ? null : FACADES.get(sink.getClass());
        if (facade != null) {
            @SuppressWarnings("unchecked")
            AbstractSink<T> endpoint = (AbstractSink<T>) facade.apply(sink);
            return endpoint;
        }
        throw new IllegalArgumentException(describe(sink) + " is not a pushback sink:"
            + " a custom sink extends dev.pushback.catalyst.spi.AbstractSink");
    }

    private static String describe(Object handle) {
        return handle == null ? "null" : handle.getClass().getName();
    }
}
