package dev.pushback.catalyst;

import java.util.concurrent.CompletableFuture;

/**
 * A source of elements, as users hold it: something a graph reads from ({@code graph.from(source)}).
 * Opaque on purpose: how it reads and when it is available belong to its catalyst.
 *
 * <pre>{@code
 * Source<ByteBuffer> in = ...;                 // made by the dsl or by an endpoint author
 * graph.from(in).to(graph.stdout());
 * in.closed().thenRun(() -> System.err.println(in.name() + " done"));
 * }</pre>
 *
 * <p>Every source is an {@link dev.pushback.catalyst.spi.AbstractSource}; write a new kind of
 * source by extending it (see the {@code spi} package).
 *
 * @param <T> the element type; byte sources give read-only {@link java.nio.ByteBuffer} chunks
 */
public interface Source<T> {
    /** A short human-readable name, used in plans and error messages. */
    String name();

    /** Completes when the source has closed: normally, or exceptionally with its failure. */
    CompletableFuture<Void> closed();
}
