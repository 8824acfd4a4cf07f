package dev.pushback.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractByteSink;

/**
 * A regular file or a character device written on the catalyst thread, always writable (DESIGN
 * N14), whose write failure is not the fiber's: it is reported once through the catalyst's
 * reporter ({@code /dev/full: No space left on device}) and from then on the sink takes every
 * element and discards it. So a tee output that fails leaves the others, and stdout, going on —
 * what a broadcast branch cannot do by itself, since a sink that throws fails its whole fiber
 * (DESIGN N11).
 */
final class OutputFile extends AbstractByteSink {
    private static final int TYPE_MASK = 0170000;
    private static final int REGULAR = 0100000;
    private static final int CHARACTER_DEVICE = 0020000;

    private final FileChannel channel;
    private final String label;
    private final boolean closeChannel;
    private volatile boolean failed;

    private OutputFile(Catalyst catalyst, String name, String label, FileChannel channel, boolean closeChannel) {
        super(catalyst, name);
        this.channel = channel;
        this.label = label;
        this.closeChannel = closeChannel;
    }

    /**
     * Standard output, when it is a regular file or a device (else it is a pipe, and the library's
     * bridged stdout); named {@code stdout} in plans, {@code label} in messages. Never closed.
     */
    static OutputFile stdout(Catalyst catalyst, String label) {
        return new OutputFile(catalyst, "stdout", label,
            new java.io.FileOutputStream(java.io.FileDescriptor.out).getChannel(), false);
    }

    /** Whether standard output (descriptor 1) may block: a pipe, a FIFO, a socket. */
    static boolean stdoutMayBlock() {
        Path fd = Path.of("/proc/self/fd/1");
        return !Files.exists(fd) || mayBlock(fd);
    }

    /** Creates or truncates {@code file} (or appends to it) now, so that one that cannot be opened is known at once. */
    static OutputFile open(Catalyst catalyst, String file, boolean append) throws IOException {
        FileChannel channel = FileChannel.open(Path.of(file), StandardOpenOption.WRITE, StandardOpenOption.CREATE,
            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        return new OutputFile(catalyst, file, file, channel, true);
    }

    /**
     * Whether writing {@code path} may block (a FIFO, a socket): then it is no file for this sink,
     * but one for the library's bridged sink. A path that does not exist yet is a regular file to be.
     */
    static boolean mayBlock(Path path) {
        try {
            int type = (Integer) Files.getAttribute(path, "unix:mode") & TYPE_MASK;
            return type != REGULAR && type != CHARACTER_DEVICE;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // opening it says what is wrong
        }
    }

    /** Whether a write failed (read after the catalyst has stopped, or on its thread). */
    boolean failed() {
        return failed;
    }

    @Override
    protected int handleWrite(ByteBuffer source) {
        int length = source.remaining();
        if (!failed) {
            try {
                while (source.hasRemaining()) {
                    channel.write(source);
                }
                return length;
            } catch (IOException e) {
                failed = true;
                IOException named = new IOException(label + ": " + e.getMessage(), e);
                if (closeChannel) {
                    try {
                        channel.close(); // its descriptor is of no more use
                    } catch (IOException ignored) {
                        named.addSuppressed(ignored);
                    }
                }
                reactor.handleReport(name(), named);
            }
        }
        source.position(source.limit()); // discarded: this output has failed, the others go on
        return length;
    }

    @Override
    protected void handleArmDrain() {
        handleDrain(); // every write completes: nothing stays pending
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        if (closeChannel) {
            channel.close();
        }
    }
}
