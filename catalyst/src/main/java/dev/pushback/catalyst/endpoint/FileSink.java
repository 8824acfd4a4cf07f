package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.Catalyst;

/**
 * A regular file written from its start (truncated) or appended to. Always writable (DESIGN N14):
 * every write completes, so nothing is ever pending.
 */
public final class FileSink extends AbstractByteSink {
    private final FileChannel channel;
    private final boolean closeChannel;

    private FileSink(Catalyst catalyst, String name, FileChannel channel, boolean closeChannel) {
        super(catalyst, name);
        this.channel = channel;
        this.closeChannel = closeChannel;
    }

    private FileSink(Catalyst catalyst, String name, FileChannel channel) {
        this(catalyst, name, channel, true);
    }

    /** Standard output written directly, for when it is a regular file or a character device. */
    public static FileSink stdout(Catalyst catalyst) {
        return new FileSink(catalyst, "stdout",
            new java.io.FileOutputStream(java.io.FileDescriptor.out).getChannel(), false);
    }

    /** Creates or truncates {@code path} now, so that an unwritable path is reported early. */
    public static FileSink create(Catalyst catalyst, Path path) throws IOException {
        return new FileSink(catalyst, path.toString(), FileChannel.open(path,
            StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING));
    }

    /** Appends to {@code path}, creating it if needed. */
    public static FileSink append(Catalyst catalyst, Path path) throws IOException {
        return new FileSink(catalyst, path.toString(), FileChannel.open(path,
            StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    /** Writes an already open channel, which the catalyst owns from now on. */
    public static FileSink of(Catalyst catalyst, String name, FileChannel channel) {
        return new FileSink(catalyst, name, channel);
    }

    public FileChannel channel() {
        return channel;
    }

    @Override
    protected int handleWrite(ByteBuffer source) throws IOException {
        int total = 0;
        while (source.hasRemaining()) {
            total += channel.write(source);
        }
        return total;
    }

    @Override
    protected void handleArmDrain() {
        handleDrain();
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        if (closeChannel) {
            channel.close();
        }
    }
}
