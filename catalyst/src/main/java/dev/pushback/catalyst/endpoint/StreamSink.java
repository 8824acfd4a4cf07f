package dev.pushback.catalyst.endpoint;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.SpscArrayQueue;

import dev.pushback.catalyst.ByteSink;
import dev.pushback.catalyst.Catalyst;

/**
 * A blocking output the selector cannot watch — stdout, stderr, an {@link OutputStream} — bridged
 * by a helper thread (DESIGN N14). A chunk is copied into one of two buffers and written by the
 * helper; the sink is writable while a buffer is free, so it runs at most one chunk ahead of the
 * real output. A write error (EPIPE on a closed pipe) fails the sink.
 */
public final class StreamSink extends ByteSink {
    private final WritableByteChannel output;
    private final boolean closeOutput;
    private final SpscArrayQueue<Written> toWrite = new SpscArrayQueue<>(2);
    private final ArrayDeque<Written> h_free = new ArrayDeque<>(2);
    private volatile boolean stopping;
    private volatile Thread helper;
    private int h_inFlight;
    private volatile long expectedElementBytes;

    private StreamSink(Catalyst catalyst, String name, WritableByteChannel output, boolean closeOutput) {
        super(catalyst, name);
        this.output = output;
        this.closeOutput = closeOutput;
    }

    /** Standard output; not closed when the sink finishes. */
    public static StreamSink stdout(Catalyst catalyst) {
        return new StreamSink(catalyst, "stdout", new FileOutputStream(FileDescriptor.out).getChannel(), false);
    }

    /** Standard error; not closed when the sink finishes. */
    public static StreamSink stderr(Catalyst catalyst) {
        return new StreamSink(catalyst, "stderr", new FileOutputStream(FileDescriptor.err).getChannel(), false);
    }

    /** An output stream, closed when the sink closes. */
    public static StreamSink of(Catalyst catalyst, String name, OutputStream out) {
        return new StreamSink(catalyst, name, Channels.newChannel(out), true);
    }

    /** A blocking channel, closed when the sink closes. */
    public static StreamSink of(Catalyst catalyst, String name, WritableByteChannel out) {
        return new StreamSink(catalyst, name, out, true);
    }

    @Override
    public void expectElementBytes(long elementBytes) {
        expectedElementBytes = Math.max(expectedElementBytes, elementBytes);
    }

    /** The helper's buffers hold one whole element: a hand-off per element, not per chunk. */
    private int bufferSize() {
        return (int) Math.max(catalyst.pool().chunkSize(), Math.min(Integer.MAX_VALUE, expectedElementBytes));
    }

    /** Two buffers in the helper's hands plus one pending chunk. */
    @Override
    public long retainedBound() {
        return 2L * bufferSize() + catalyst.pool().chunkSize();
    }

    /** Two buffers in the helper's hands plus one pending element. */
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
        h_free.add(new Written(ByteBuffer.allocateDirect(size)));
        h_free.add(new Written(ByteBuffer.allocateDirect(size)));
        Thread thread = new Thread(this::writeLoop, catalyst.config().name() + "-" + name() + "-writer");
        thread.setDaemon(true);
        helper = thread;
        thread.start();
    }

    private void writeLoop() {
        try {
            while (!stopping) {
                Written written = toWrite.poll();
                if (written == null) {
                    LockSupport.park(this);
                    continue;
                }
                ByteBuffer buffer = written.buffer;
                while (buffer.hasRemaining()) {
                    output.write(buffer);
                }
                catalyst.execute(written);
            }
        } catch (IOException e) {
            if (!stopping) {
                IOException named = new IOException(name() + ": " + e.getMessage(), e);
                try {
                    catalyst.execute(() -> handleClose(named));
                } catch (RejectedExecutionException closed) {
                    // nothing to report to
                }
            }
        } catch (RejectedExecutionException closed) {
            // the catalyst closed under us
        }
    }

    @Override
    protected int handleWrite(ByteBuffer source) {
        Written free = h_free.pollFirst();
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
        catalyst.handleRetain(length);
        toWrite.offer(free);
        LockSupport.unpark(helper);
        if (h_free.isEmpty()) {
            handleClearAvailable();
        }
        return length;
    }

    /** A buffer and its written-back task, made once: nothing is allocated per chunk. */
    private final class Written implements Runnable {
        final ByteBuffer buffer;

        Written(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void run() {
            h_inFlight--;
            catalyst.handleRetain(-buffer.limit());
            h_free.addLast(this);
            if (handleIsClosed()) {
                return;
            }
            if (StreamSink.super.handleHasPending()) {
                handleDrain();
            } else {
                handleSetAvailable();
                handleFinishIfDrained();
            }
        }
    }

    @Override
    protected void handleArmDrain() {
        // the helper reports every finished buffer; nothing to register
    }

    @Override
    protected boolean handleHasPending() {
        return super.handleHasPending() || h_inFlight > 0;
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        stopping = true;
        Thread thread = helper;
        if (closeOutput) {
            output.close();
            if (thread != null) {
                thread.interrupt(); // as StreamSource: a blocked write must not outlive the sink
            }
        } else if (thread != null) {
            LockSupport.unpark(thread);
        }
    }
}
