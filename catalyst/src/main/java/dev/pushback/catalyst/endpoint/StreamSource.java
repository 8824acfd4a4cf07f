package dev.pushback.catalyst.endpoint;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.SpscArrayQueue;

import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.catalyst.Catalyst;

/**
 * A blocking input the selector cannot watch — stdin, an {@link InputStream} — bridged by a helper
 * thread (DESIGN N14). The helper reads into one of two buffers while the catalyst moves the
 * other, so it is at most one chunk ahead of what the fiber has moved: the bound is two chunks.
 * Hand-offs to the catalyst go through {@link Catalyst#execute}; buffers come back through a
 * single-producer queue, so no lock is taken on the data path.
 *
 * <p>Closing the source closes the input and interrupts the helper, so it does not outlive the
 * source. Stdin is neither closed nor interrupted (that would close descriptor 0): its daemon
 * helper stops at its next read rather than at once.
 */
public final class StreamSource extends AbstractByteSource {
    private final ReadableByteChannel input;
    private final Available available;
    private final boolean closeInput;
    private final SpscArrayQueue<Filled> empties = new SpscArrayQueue<>(2);
    private final ArrayDeque<Filled> h_filled = new ArrayDeque<>(2);
    private volatile boolean stopping;
    private volatile Thread helper;
    private Filled h_current;
    private boolean h_inputEnded;

    /** How many bytes the input can give without blocking (0 when it cannot tell). */
    @FunctionalInterface
    private interface Available {
        int bytes() throws IOException;
    }

    private StreamSource(Catalyst catalyst, String name, ReadableByteChannel input, Available available, boolean closeInput) {
        super(catalyst, name);
        this.input = input;
        this.available = available;
        this.closeInput = closeInput;
    }

    /** Standard input; it is not closed when the source closes. */
    public static StreamSource stdin(Catalyst catalyst) {
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        return new StreamSource(catalyst, "stdin", in.getChannel(), in::available, false);
    }

    /** An input stream, closed when the source closes. */
    public static StreamSource of(Catalyst catalyst, String name, InputStream in) {
        return new StreamSource(catalyst, name, Channels.newChannel(in), in::available, true);
    }

    /** A blocking channel, closed when the source closes. */
    public static StreamSource of(Catalyst catalyst, String name, ReadableByteChannel in) {
        return new StreamSource(catalyst, name, in, () -> 0, true);
    }

    /**
     * Chunks of a bridge are this many pool chunks (1 MiB by default): every hand-off between the
     * helper and the catalyst costs thread wake-ups, so a bridge moves more per hand-off. The
     * helper fills a chunk only with what the input already holds; it never waits to fill it.
     */
    public static final int BRIDGE_CHUNKS = 16;

    private int bridgeChunk() {
        return BRIDGE_CHUNKS * reactor.config().chunkSize();
    }

    @Override
    public long maxElementBytes() {
        return Math.max(bridgeChunk(), super.maxElementBytes());
    }

    /** Two bridge chunks handed off and not yet moved, plus a cut line when framing lines. */
    @Override
    public long retainedBound() {
        return 2L * bridgeChunk() + super.retainedBound();
    }

    @Override
    public long ownedBufferBytes() {
        return 2L * bridgeChunk();
    }

    @Override
    protected boolean handleInitiallyAvailable() {
        return false;
    }

    @Override
    protected void handleOpen() {
        int size = bridgeChunk();
        empties.offer(new Filled(ByteBuffer.allocateDirect(size)));
        empties.offer(new Filled(ByteBuffer.allocateDirect(size)));
        Thread thread = new Thread(this::readLoop, reactor.config().name() + "-" + name() + "-reader");
        thread.setDaemon(true);
        helper = thread;
        thread.start();
    }

    private void readLoop() {
        try {
            while (!stopping) {
                Filled filled = empties.poll();
                if (filled == null) {
                    LockSupport.park(this);
                    continue;
                }
                ByteBuffer buffer = filled.buffer.clear();
                int read = input.read(buffer);
                if (read < 0) {
                    reactor.execute(this::handleInputEnded);
                    return;
                }
                // A pipe gives at most what it holds; while more is already there, take it too,
                // so that each hand-off (a wake-up of the catalyst) carries a full chunk.
                boolean ended = false;
                while (buffer.hasRemaining() && available.bytes() > 0) {
                    if (input.read(buffer) < 0) {
                        ended = true;
                        break;
                    }
                }
                buffer.flip();
                reactor.execute(filled);
                if (ended) {
                    reactor.execute(this::handleInputEnded);
                    return;
                }
            }
        } catch (IOException e) {
            if (!stopping) {
                postFailure(new IOException(name() + ": " + e.getMessage(), e));
            }
        } catch (RejectedExecutionException closed) {
            // the catalyst closed under us: nothing left to hand off to
        }
    }

    private void postFailure(IOException e) {
        try {
            reactor.execute(() -> handleFail(e));
        } catch (RejectedExecutionException closed) {
            // nothing to report to
        }
    }

    /** A buffer and its hand-off task, made once: nothing is allocated per chunk. */
    private final class Filled implements Runnable {
        final ByteBuffer buffer;

        Filled(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void run() {
            if (handleIsClosed()) {
                return;
            }
            reactor.handleRetain(buffer.remaining());
            h_filled.addLast(this);
            handleSetAvailable();
        }
    }

    private void handleInputEnded() {
        h_inputEnded = true;
        if (h_filled.isEmpty() && h_current == null) {
            handleEnd();
        }
    }

    @Override
    protected ByteBuffer handleNextChunk() {
        Filled filled = h_filled.pollFirst();
        if (filled == null) {
            return handleNothing(h_inputEnded);
        }
        h_current = filled;
        reactor.handleRetain(-filled.buffer.remaining());
        return filled.buffer;
    }

    @Override
    protected void handleChunkConsumed() {
        Filled filled = h_current;
        if (filled != null) {
            h_current = null;
            empties.offer(filled);
            LockSupport.unpark(helper);
        }
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        stopping = true;
        for (Filled filled : h_filled) {
            reactor.handleRetain(-filled.buffer.remaining());
        }
        h_filled.clear();
        Thread thread = helper;
        if (closeInput) {
            input.close();
            if (thread != null) {
                // A stream that ignores close while a read blocks still gives up on interrupt, and no
                // helper thread outlives its source. Not for stdin: interrupting would close fd 0.
                thread.interrupt();
            }
        } else if (thread != null) {
            LockSupport.unpark(thread);
        }
    }
}
