package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

import dev.pushback.catalyst.Catalyst;

/**
 * A byte stream read by ordinary blocking code through an {@link InputStream}: the reader's
 * thread is the bridge (DESIGN N14). A chunk is copied into one of two buffers and handed to the
 * reader; the sink is writable while a buffer is free, so the graph runs at most one chunk ahead
 * of what the reader has read.
 *
 * <pre>{@code
 * InputStreamSink sink = InputStreamSink.of(catalyst, "upload");
 * graph.read(socket).to(sink);
 * graph.start();
 * try (InputStream in = sink.inputStream()) {   // on any thread but the catalyst's
 *     in.transferTo(out);
 * }
 * }</pre>
 *
 * <p>At the end of input the stream gives -1 once everything is read; after a failure it gives
 * what was handed over, then throws the failure. Closing the stream early fails the sink (like a
 * closed pipe), and so the fiber that feeds it.
 */
public final class InputStreamSink extends BridgeSink {
    private final Reader reader = new Reader();
    private volatile Thread readingThread;

    private InputStreamSink(Catalyst catalyst, String name) {
        super(catalyst, name);
        closed().whenComplete((ok, failure) -> handleHandedOver()); // wakes a reader waiting for data
    }

    public static InputStreamSink of(Catalyst catalyst, String name) {
        return new InputStreamSink(catalyst, name);
    }

    /** The stream to read; read it on any thread but the catalyst's, which it would block. */
    public InputStream inputStream() {
        return reader;
    }

    @Override
    void handleHandedOver() {
        Thread thread = readingThread;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** The reader's side; used by one thread at a time, like any InputStream. */
    private final class Reader extends InputStream {
        private final byte[] one = new byte[1];
        private HandOff current;
        private boolean closedByReader;

        @Override
        public int read() throws IOException {
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            if (closedByReader) {
                throw new IOException(name() + ": stream closed");
            }
            if (length == 0) {
                return 0;
            }
            HandOff chunk = awaitChunk();
            if (chunk == null) {
                return -1;
            }
            int count = Math.min(length, chunk.buffer.remaining());
            chunk.buffer.get(bytes, offset, count);
            if (!chunk.buffer.hasRemaining()) {
                current = null;
                chunk.giveBack(); // false only once the catalyst is gone, whose close completed the sink
            }
            return count;
        }

        @Override
        public int available() {
            return current == null ? 0 : current.buffer.remaining();
        }

        /** The chunk being read, waiting for one if needed; null at the end of input. */
        private HandOff awaitChunk() throws IOException {
            readingThread = Thread.currentThread();
            while (current == null) {
                current = takeHanded();
                if (current != null) {
                    break;
                }
                if (closed().isDone()) {
                    // whatever was handed over before the close has been read: now the close itself
                    if (closed().isCompletedExceptionally()) {
                        Throwable failure = closed().handle((ok, f) -> f).join();
                        throw failure instanceof IOException io ? io : new IOException(name() + ": " + failure, failure);
                    }
                    return null;
                }
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(name() + ": interrupted while waiting for data");
                }
            }
            return current;
        }

        @Override
        public void close() {
            if (closedByReader) {
                return;
            }
            closedByReader = true;
            try {
                reactor.execute(() -> handleClose(new IOException(name() + ": closed by its reader")));
            } catch (RejectedExecutionException closedCatalyst) {
                // nothing left to stop
            }
        }
    }
}
