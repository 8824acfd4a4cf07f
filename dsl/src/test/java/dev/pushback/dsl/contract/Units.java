package dev.pushback.dsl.contract;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.Random;

/** The data a contract moves, and the test-thread side of the pipes and sockets it moves through. */
final class Units {
    private static final int CHUNK = Rig.CHUNK;
    /**
     * Sizes of the input units a byte source is given: a byte, less than a chunk, a chunk, more
     * than one, several — so that reads return partial chunks and chunks cut units.
     */
    private static final int[] SOURCE_SIZES = {1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 2, 5000};
    /** Sizes of the elements a byte sink is offered: at most a chunk, what a source declares (N3). */
    private static final int[] SINK_SIZES = {1, 100, CHUNK - 1, CHUNK, 17, CHUNK, 2, CHUNK};

    private Units() {}

    /** Input unit {@code i} of a byte source. */
    static byte[] sourceBytes(int i) {
        return random(SOURCE_SIZES[i % SOURCE_SIZES.length], i);
    }

    /** Element {@code i} offered to a byte sink. */
    static byte[] sinkBytes(int i) {
        return random(SINK_SIZES[i % SINK_SIZES.length], 1000 + i);
    }

    static byte[] sourceConcat(int units) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < units; i++) {
            all.writeBytes(sourceBytes(i));
        }
        return all.toByteArray();
    }

    static byte[] sinkConcat(int units) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < units; i++) {
            all.writeBytes(sinkBytes(i));
        }
        return all.toByteArray();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed * 7919 + 13).nextBytes(bytes);
        return bytes;
    }

    /**
     * Bytes a test writes into a non-blocking channel (a pipe's write end, a peer socket) as the
     * channel takes them, one pump per round; then optionally an end (close, shutdown) once all
     * is written.
     */
    static final class Outbox {
        private final WritableByteChannel channel;
        private final ArrayDeque<ByteBuffer> queued = new ArrayDeque<>();
        private IoAction end;
        private boolean ended;

        Outbox(WritableByteChannel channel) {
            this.channel = channel;
        }

        void add(byte[] bytes) {
            queued.addLast(ByteBuffer.wrap(bytes));
            pump();
        }

        /** Runs {@code end} once everything queued is written. */
        void endWith(IoAction end) {
            this.end = end;
            pump();
        }

        boolean isEmpty() {
            return queued.isEmpty();
        }

        void pump() {
            try {
                while (!queued.isEmpty() && channel.isOpen()) {
                    ByteBuffer next = queued.peekFirst();
                    channel.write(next);
                    if (next.hasRemaining()) {
                        return;
                    }
                    queued.pollFirst();
                }
                if (queued.isEmpty() && end != null && !ended) {
                    ended = true;
                    end.run();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** What a test reads from a non-blocking channel (a pipe's read end, a peer socket) while it reads. */
    static final class Inbox {
        private final ReadableByteChannel channel;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        private boolean reading = true;
        private int ends;
        private IOException failure;

        Inbox(ReadableByteChannel channel) {
            this.channel = channel;
        }

        void reading(boolean reading) {
            this.reading = reading;
        }

        void pump() {
            if (!reading || !channel.isOpen()) {
                return;
            }
            try {
                while (true) {
                    int n = channel.read(buffer.clear());
                    if (n > 0) {
                        received.write(buffer.array(), 0, n);
                    } else {
                        if (n < 0) {
                            ends++;
                            channel.close(); // read to the end: nothing more will come
                        }
                        return;
                    }
                }
            } catch (IOException e) {
                failure = e; // the writer reset the connection: what came before stays received
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closed already
                }
            }
        }

        /** A read that failed (a reset), or null. */
        IOException failure() {
            return failure;
        }

        byte[] bytes() {
            return received.toByteArray();
        }

        int size() {
            return received.size();
        }

        /** Times the end of the stream was read: at most once, since the channel closes then. */
        int ends() {
            return ends;
        }
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }
}
