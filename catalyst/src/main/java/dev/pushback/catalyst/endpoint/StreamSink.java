package dev.pushback.catalyst.endpoint;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

import dev.pushback.catalyst.Catalyst;

/**
 * A blocking output the selector cannot watch — stdout, stderr, an {@link OutputStream} — bridged
 * by a helper thread (DESIGN N14): the helper writes one buffer while the catalyst fills the other,
 * so the sink runs at most one chunk ahead of the real output. A write error (EPIPE on a closed
 * pipe) fails the sink.
 */
public final class StreamSink extends BridgeSink {
    private final WritableByteChannel output;
    private final boolean closeOutput;
    private volatile boolean stopping;
    private volatile Thread helper;

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
    protected void handleOpen() throws Exception {
        super.handleOpen();
        Thread thread = new Thread(this::writeLoop, reactor.config().name() + "-" + name() + "-writer");
        thread.setDaemon(true);
        helper = thread;
        thread.start();
    }

    @Override
    void handleHandedOver() {
        LockSupport.unpark(helper);
    }

    private void writeLoop() {
        try {
            while (!stopping) {
                HandOff handed = takeHanded();
                if (handed == null) {
                    LockSupport.park(this);
                    continue;
                }
                ByteBuffer buffer = handed.buffer;
                while (buffer.hasRemaining()) {
                    output.write(buffer);
                }
                if (!handed.giveBack()) {
                    return; // the catalyst closed under us
                }
            }
        } catch (IOException e) {
            if (!stopping) {
                IOException named = new IOException(name() + ": " + e.getMessage(), e);
                try {
                    reactor.execute(() -> handleClose(named));
                } catch (RejectedExecutionException closed) {
                    // nothing to report to
                }
            }
        }
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
