package dev.pushback.catalyst;

import java.util.concurrent.CompletableFuture;

/**
 * A sink of elements, as users hold it: something a graph writes to ({@code feed.to(sink)}).
 * Opaque on purpose: how it writes and when it can take more belong to its catalyst.
 *
 * <pre>{@code
 * Sink<ByteBuffer> out = graph.write(Path.of("out.txt"));
 * graph.stdin().to(out);
 * out.closed().join();                          // written and closed, or the failure
 * }</pre>
 *
 * <p>Every sink is an {@link dev.pushback.catalyst.spi.AbstractSink}; write a new kind of sink
 * by extending it (see the {@code spi} package).
 *
 * @param <T> the element type; byte sinks take {@link java.nio.ByteBuffer} chunks
 */
public interface Sink<T> {
    /** A short human-readable name, used in plans and error messages. */
    String name();

    /** Completes when the sink has closed: everything written, or exceptionally with its failure. */
    CompletableFuture<Void> closed();
}
