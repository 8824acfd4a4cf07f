package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.SpscArrayQueue;

import dev.pushback.catalyst.ByteSink;
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
public final class InputStreamSink extends ByteSink {
    private final SpscArrayQueue<Handed> handed = new SpscArrayQueue<>(2);
    private final ArrayDeque<Handed> h_free = new ArrayDeque<>(2);
    private final Reader reader = new Reader();
    private int h_inFlight;
    private long h_inFlightBytes;
    private volatile Thread readingThread;
    private volatile long expectedElementBytes;

    private InputStreamSink(Catalyst catalyst, String name) {
        super(catalyst, name);
        closed().whenComplete((ok, failure) -> wakeReader());
    }

    public static InputStreamSink of(Catalyst catalyst, String name) {
        return new InputStreamSink(catalyst, name);
    }

    /** The stream to read; read it on any thread but the catalyst's, which it would block. */
    public InputStream inputStream() {
        return reader;
    }

    @Override
    public void expectElementBytes(long elementBytes) {
        expectedElementBytes = Math.max(expectedElementBytes, elementBytes);
    }

    /** A buffer holds one whole element: a hand-off per element, not per chunk. */
    private int bufferSize() {
        return (int) Math.max(catalyst.pool().chunkSize(), Math.min(Integer.MAX_VALUE, expectedElementBytes));
    }

    /** Two buffers in the reader's hands plus one pending chunk. */
    @Override
    public long retainedBound() {
        return 2L * bufferSize() + catalyst.pool().chunkSize();
    }

    /** Two buffers in the reader's hands plus one pending element. */
    @Override
    public long retainedBound(long elementBytes) {
        return 2L * Math.max(bufferSize(), elementBytes) + elementBytes;
    }

    @Override
    public long ownedBufferBytes() {
        return 2L * bufferSize();
    }

    @Override
    protected void handleOpen() {
        int size = bufferSize();
        h_free.add(new Handed(ByteBuffer.allocateDirect(size)));
        h_free.add(new Handed(ByteBuffer.allocateDirect(size)));
    }

    @Override
    protected int handleWrite(ByteBuffer source) {
        Handed free = h_free.pollFirst();
        if (free == null) {
            return 0;
        }
        ByteBuffer buffer = free.buffer;
        int length = Math.min(source.remaining(), buffer.capacity());
        int limit = source.limit();
        source.limit(source.position() + length);
        buffer.clear();
        buffer.put(source).flip();
        source.limit(limit);
        h_inFlight++;
        h_inFlightBytes += length;
        catalyst.handleRetain(length);
        handed.offer(free);
        wakeReader();
        if (h_free.isEmpty()) {
            handleClearAvailable();
        }
        return length;
    }

    private void wakeReader() {
        Thread thread = readingThread;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    protected void handleArmDrain() {
        // the reader gives back every buffer it has read; nothing to register
    }

    @Override
    protected boolean handleHasPending() {
        return super.handleHasPending() || h_inFlight > 0;
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        catalyst.handleRetain(-h_inFlightBytes); // the reader's buffers are its own now
        h_inFlightBytes = 0;
    }

    /** A buffer and its given-back task, made once: nothing is allocated per chunk. */
    private final class Handed implements Runnable {
        final ByteBuffer buffer;

        Handed(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void run() {
            if (handleIsClosed()) {
                return;
            }
            h_inFlight--;
            h_inFlightBytes -= buffer.limit();
            catalyst.handleRetain(-buffer.limit());
            h_free.addLast(this);
            if (InputStreamSink.super.handleHasPending()) {
                handleDrain();
            } else {
                handleSetAvailable();
                handleFinishIfDrained();
            }
        }
    }

    /** The reader's side; used by one thread at a time, like any InputStream. */
    private final class Reader extends InputStream {
        private final byte[] one = new byte[1];
        private Handed current;
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
            Handed chunk = awaitChunk();
            if (chunk == null) {
                return -1;
            }
            int count = Math.min(length, chunk.buffer.remaining());
            chunk.buffer.get(bytes, offset, count);
            if (!chunk.buffer.hasRemaining()) {
                current = null;
                giveBack(chunk);
            }
            return count;
        }

        @Override
        public int available() {
            return current == null ? 0 : current.buffer.remaining();
        }

        /** The chunk being read, waiting for one if needed; null at the end of input. */
        private Handed awaitChunk() throws IOException {
            readingThread = Thread.currentThread();
            while (current == null) {
                current = handed.poll();
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

        private void giveBack(Handed chunk) {
            try {
                catalyst.execute(chunk);
            } catch (RejectedExecutionException closedCatalyst) {
                // the catalyst is gone; its close completed the sink already
            }
        }

        @Override
        public void close() {
            if (closedByReader) {
                return;
            }
            closedByReader = true;
            try {
                catalyst.execute(() -> handleClose(new IOException(name() + ": closed by its reader")));
            } catch (RejectedExecutionException closedCatalyst) {
                // nothing left to stop
            }
        }
    }
}
