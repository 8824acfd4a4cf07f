package dev.pushback.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.compiler.Transform;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code interleave FILE...}: the union of the inputs line by line to stdout (DESIGN N6). A line
 * is never split, each input keeps its line order, and ready inputs take turns. Lines are views of
 * the read chunk, written without a copy; only a line cut by a chunk boundary is gathered.
 *
 * <p>A last line without a newline is written as it is; only when a line of another input follows
 * it is a newline put between them, so that the two do not become one. A line longer than
 * {@value #MAX_LINE} bytes is an error for its input alone: it is reported ({@code interleave:
 * FILE: line longer than N bytes}), the rest of that input is read and dropped, the other inputs
 * go on, and the exit status is then 1; so is a FILE that cannot be opened, or a directory.
 */
final class Interleave implements Launcher.Command {
    /** The longest line, its newline included: the library's default for line framing. */
    static final int MAX_LINE = AbstractByteSource.DEFAULT_MAX_LINE;
    private static final ByteBuffer NEWLINE = ByteBuffer.wrap(new byte[] {'\n'}).asReadOnlyBuffer();

    @Override
    public int run(Cli cli, String[] files) throws Exception {
        if (files.length == 0) {
            throw new Cli.UsageException("missing FILE operand");
        }
        int status = 0;
        try (Catalyst catalyst = cli.catalyst()) {
            Graph graph = Graph.on(catalyst);
            List<Feed<ByteBuffer>> lines = new ArrayList<>();
            boolean stdinUsed = false;
            boolean[] tooLong = {false};
            for (String file : files) {
                Feed<ByteBuffer> input;
                if (file.equals("-")) {
                    if (stdinUsed) {
                        throw new Cli.UsageException("stdin (-) given twice");
                    }
                    stdinUsed = true;
                    input = cli.stdin(graph);
                } else {
                    try {
                        input = open(graph, Path.of(file));
                    } catch (IOException e) {
                        cli.print(e);
                        status = 1;
                        continue;
                    }
                }
                String name = file.equals("-") ? stdinName() : file;
                lines.add(input.transform("lines", () -> new BoundedLines(MAX_LINE, () -> {
                    tooLong[0] = true;
                    catalyst.config().errors().accept(name + ": line too long",
                        new IOException(name + ": line longer than " + MAX_LINE + " bytes"));
                })));
            }
            if (lines.isEmpty()) {
                return status;
            }
            @SuppressWarnings("unchecked")
            Feed<ByteBuffer>[] inputs = lines.toArray(new Feed[0]);
            Separator separator = new Separator();
            graph.union(inputs).<ByteBuffer>transform("separate", () -> separator).to(cli.stdout(graph));
            cli.run(graph);
            if (tooLong[0]) {
                status = 1;
            }
        }
        return status;
    }

    /** A file to read; a directory is refused now, as its read would fail and take the union with it. */
    private static Feed<ByteBuffer> open(Graph graph, Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "Is a directory");
        }
        return graph.read(path);
    }

    /**
     * After the union: a line that follows one without a newline (the last of its input) gets one
     * before it. One instance for every fiber of the union (they all run on the catalyst thread),
     * since what matters is the line written last, whichever input it came from.
     */
    private static final class Separator implements Transform<ByteBuffer, ByteBuffer> {
        private boolean open;

        @Override
        public void accept(ByteBuffer line, Emitter<? super ByteBuffer> out) throws Exception {
            if (!line.hasRemaining()) {
                return;
            }
            boolean wasOpen = open;
            open = line.get(line.limit() - 1) != '\n';
            if (wasOpen) {
                out.emit(NEWLINE.duplicate());
            }
            out.emit(line);
        }
    }

    /**
     * Byte chunks to lines, each a view of its chunk, or, when a chunk boundary cuts it, gathered
     * in a carry of at most {@code maxLine} bytes. A line longer than that is not an exception,
     * which would fail the fiber and with it the union's stdout (DESIGN N11): the input is told
     * once ({@code tooLong}), and what is left of it is dropped.
     */
    static final class BoundedLines implements Transform<ByteBuffer, ByteBuffer> {
        private final int maxLine;
        private final Runnable tooLong;
        private ByteBuffer carry = ByteBuffer.allocate(0);
        private boolean dropping;

        BoundedLines(int maxLine, Runnable tooLong) {
            this.maxLine = maxLine;
            this.tooLong = tooLong;
        }

        @Override
        public void accept(ByteBuffer chunk, Emitter<? super ByteBuffer> out) throws Exception {
            int start = chunk.position();
            int limit = chunk.limit();
            int newline;
            while (!dropping && (newline = indexOfNewline(chunk, start, limit)) >= 0) {
                int end = newline + 1;
                if (carry.position() + end - start > maxLine) {
                    drop();
                } else if (carry.position() > 0) {
                    append(chunk, start, end);
                    out.emit(carry.flip());
                    carry.clear();
                } else {
                    chunk.limit(end).position(start);
                    out.emit(chunk);
                    chunk.limit(limit);
                }
                start = end;
            }
            if (!dropping) {
                if (carry.position() + limit - start > maxLine) {
                    drop();
                } else {
                    append(chunk, start, limit);
                }
            }
            chunk.limit(limit).position(limit);
        }

        private void drop() {
            dropping = true;
            carry = ByteBuffer.allocate(0);
            tooLong.run();
        }

        private void append(ByteBuffer chunk, int from, int to) {
            int length = to - from;
            if (length == 0) {
                return;
            }
            if (carry.remaining() < length) {
                ByteBuffer larger = ByteBuffer.allocate(Math.min(maxLine, Math.max(256, 2 * (carry.position() + length))));
                larger.put(carry.flip());
                carry = larger;
            }
            int limit = chunk.limit();
            chunk.limit(to).position(from);
            carry.put(chunk);
            chunk.limit(limit);
        }

        @Override
        public void end(Emitter<? super ByteBuffer> out) throws Exception {
            if (!dropping && carry.position() > 0) {
                out.emit(carry.flip()); // the last line, without a newline
            }
        }

        /** The first {@code '\n'} in {@code from..to}, or -1: eight bytes a step, then byte by byte. */
        static int indexOfNewline(ByteBuffer buffer, int from, int to) {
            boolean big = buffer.order() == ByteOrder.BIG_ENDIAN;
            int i = from;
            for (; i + Long.BYTES <= to; i += Long.BYTES) {
                long word = buffer.getLong(i);
                if (big) {
                    word = Long.reverseBytes(word); // byte i in the lowest bits
                }
                long x = word ^ 0x0a0a0a0a0a0a0a0aL;
                long found = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
                if (found != 0) {
                    return i + (Long.numberOfTrailingZeros(found) >>> 3); // the lowest flag is exact
                }
            }
            for (; i < to; i++) {
                if (buffer.get(i) == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }

    @Override
    public String usage() {
        return "interleave FILE...      lines of all FILEs (- is stdin) to stdout, never split";
    }
}
