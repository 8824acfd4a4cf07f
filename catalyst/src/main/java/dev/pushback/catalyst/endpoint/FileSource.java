package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.catalyst.Catalyst;

/**
 * A regular file read from start to end. Regular files are always available (DESIGN N14): the bit
 * stays set and each move reads one chunk.
 */
public final class FileSource extends AbstractByteSource {
    private final FileChannel channel;

    private FileSource(Catalyst catalyst, String name, FileChannel channel) {
        super(catalyst, name);
        this.channel = channel;
    }

    /** Opens {@code path} now, so that a missing file is reported when the graph is built. */
    public static FileSource open(Catalyst catalyst, Path path) throws IOException {
        return new FileSource(catalyst, path.toString(), FileChannel.open(path, StandardOpenOption.READ));
    }

    /** Reads an already open channel, which the catalyst owns from now on. */
    public static FileSource of(Catalyst catalyst, String name, FileChannel channel) {
        return new FileSource(catalyst, name, channel);
    }

    /** The channel, for zero-copy transfers (DESIGN C6). */
    public FileChannel channel() {
        return channel;
    }

    @Override
    protected ByteBuffer handleNextChunk() throws IOException {
        ByteBuffer buffer = handleReadBuffer();
        int read = channel.read(buffer);
        if (read < 0) {
            handleEnd();
            return null;
        }
        return buffer.flip();
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        channel.close();
    }
}
