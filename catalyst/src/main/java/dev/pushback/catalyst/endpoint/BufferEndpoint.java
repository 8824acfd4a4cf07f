package dev.pushback.catalyst.endpoint;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * An explicit, bounded buffer of {@code capacity} elements between two fibers — the only place
 * pushback stores elements (DESIGN N3). Its sink side is writable while there is room; its source
 * side is readable while it holds elements. Byte chunks are copied in, since the writer's chunk is
 * reused after the move.
 *
 * <pre>{@code
 * BufferEndpoint<String> buffer = new BufferEndpoint<>(catalyst, "lookahead", 8);
 * // writer fiber -> buffer.sink();  buffer.source() -> reader fiber
 * }</pre>
 */
public final class BufferEndpoint<T> {
    private final int capacity;
    private final ArrayDeque<T> h_elements;
    private final In in;
    private final Out out;
    private volatile long expectedElementBytes;

    public BufferEndpoint(Catalyst catalyst, String name, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("buffer capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.h_elements = new ArrayDeque<>(capacity);
        this.in = new In(catalyst, name + " in");
        this.out = new Out(catalyst, name + " out");
    }

    public int capacity() {
        return capacity;
    }

    /** The side writers offer to. */
    public AbstractSink<T> sink() {
        return in;
    }

    /** The side readers poll. */
    public AbstractSource<T> source() {
        return out;
    }

    private static long bytesOf(Object element) {
        return element instanceof ByteBuffer buffer ? buffer.remaining() : 0;
    }

    private final class In extends AbstractSink<T> {
        In(Catalyst catalyst, String name) {
            super(catalyst, name);
            // Closed before its input ended (its writer failed): the reader fails now, with the
            // writer's failure, rather than at its next poll, which waits for its sinks (N11).
            closed().whenComplete((ok, failure) -> {
                if (!handleIsFinishing()) {
                    out.handleWriterFailed(failure != null ? failure
                        : new java.io.IOException(name() + " closed before its input ended"));
                }
            });
        }

        @Override
        @SuppressWarnings("unchecked")
        public void handleAccept(T element) {
            if (out.handleIsClosed()) {
                return; // nobody reads any more (an intersect ended, the reader failed): discarded
            }
            T stored = element;
            if (element instanceof ByteBuffer chunk) {
                ByteBuffer copy = ByteBuffer.allocate(chunk.remaining());
                copy.put(chunk).flip();
                stored = (T) copy;
                reactor.handleRetain(copy.remaining());
            }
            h_elements.addLast(stored);
            if (h_elements.size() >= capacity) {
                handleClearAvailable();
            }
            out.handleFilled();
        }

        @Override
        protected boolean handleHasPending() {
            return false;
        }

        /** At most {@code capacity} elements of at most a chunk each. */
        @Override
        public long retainedBound() {
            return (long) capacity * reactor.pool().chunkSize();
        }

        @Override
        public long retainedBound(long elementBytes) {
            return capacity * elementBytes;
        }

        @Override
        public void expectElementBytes(long elementBytes) {
            expectedElementBytes = Math.max(expectedElementBytes, elementBytes);
        }

        @Override
        protected void handleFinish() {
            out.handleWriterFinished();
        }

        /**
         * A reader took an element. One move may offer several elements (an expansion, a diamond)
         * and all are taken, so the buffer can hold more than its capacity for a while; it is
         * writable again only once it is below capacity, or it would grow without bound.
         */
        void handleRoom() {
            if (h_elements.size() < capacity) {
                handleSetAvailable();
            }
        }
    }

    private final class Out extends AbstractSource<T> {
        private T h_current;
        private boolean h_writerFinished;

        Out(Catalyst catalyst, String name) {
            super(catalyst, name);
        }

        @Override
        protected boolean handleInitiallyAvailable() {
            return !h_elements.isEmpty();
        }

        /** What its writers offer. */
        @Override
        public long maxElementBytes() {
            return Math.max(super.maxElementBytes(), expectedElementBytes);
        }

        void handleFilled() {
            handleSetAvailable();
        }

        void handleWriterFailed(Throwable cause) {
            handleFail(cause);
        }

        void handleWriterFinished() {
            h_writerFinished = true;
            if (h_elements.isEmpty()) {
                handleEnd();
            }
        }

        @Override
        public T handlePoll() {
            T element = h_elements.pollFirst();
            if (element == null) {
                return handleNothing(h_writerFinished);
            }
            h_current = element;
            reactor.handleRetain(-bytesOf(element)); // now the one chunk the reading fiber moves
            in.handleRoom();
            return element;
        }

        @Override
        public void handleConsumed() {
            h_current = null;
        }

        /**
         * The reader is gone. What is stored is dropped, and the writing side stays writable and
         * discards from now on, so that its writer is not blocked forever on a buffer that nobody
         * reads (an intersect closes its inputs when it ends with its shortest one).
         */
        @Override
        protected void handleRelease() {
            for (T element : h_elements) {
                reactor.handleRetain(-bytesOf(element));
            }
            h_elements.clear();
            in.handleRoom();
        }
    }
}
