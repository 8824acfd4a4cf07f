package dev.pushback.dsl.internal;

import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.Source;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/** From the opaque handles users hold to the endpoints behind them. */
public final class Handles {
    /** A user-facing sink that stands for an endpoint of the project's own (an HTTP response). */
    public interface SinkFacade<T> extends Sink<T> {
        AbstractSink<T> endpoint();
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
        if (sink instanceof SinkFacade<T> facade) {
            return facade.endpoint();
        }
        throw new IllegalArgumentException(describe(sink) + " is not a pushback sink:"
            + " a custom sink extends dev.pushback.catalyst.spi.AbstractSink");
    }

    private static String describe(Object handle) {
        return handle == null ? "null" : handle.getClass().getName();
    }
}
