package dev.pushback.examples;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code interleave FILE...}: the union of the inputs line by line to stdout (DESIGN N6). A line
 * is never split, each input keeps its line order, and ready inputs take turns. Lines are views of
 * the read chunk, written without a copy; a last line without a newline gets one.
 */
final class Interleave implements Launcher.Command {
    private static final ByteBuffer NEWLINE = ByteBuffer.wrap(new byte[] {'\n'}).asReadOnlyBuffer();

    @Override
    public int run(Cli cli, String[] files) throws Exception {
        if (files.length == 0) {
            throw new Cli.UsageException("missing FILE operand");
        }
        try (Catalyst catalyst = cli.catalyst()) {
            Graph graph = Graph.on(catalyst);
            List<Feed<ByteBuffer>> lines = new ArrayList<>();
            boolean stdinUsed = false;
            for (String file : files) {
                Feed<ByteBuffer> input;
                if (file.equals("-")) {
                    if (stdinUsed) {
                        throw new Cli.UsageException("stdin (-) given twice");
                    }
                    stdinUsed = true;
                    input = graph.stdin();
                } else {
                    input = graph.read(Path.of(file));
                }
                lines.add(input.rawLines().flatMap(Interleave::terminated));
            }
            @SuppressWarnings("unchecked")
            Feed<ByteBuffer>[] inputs = lines.toArray(new Feed[0]);
            graph.union(inputs).to(graph.stdout());
            cli.run(graph);
        }
        return 0;
    }

    /** The line itself, or the line and a newline when it is the last and has none. */
    private static List<ByteBuffer> terminated(ByteBuffer line) {
        if (line.hasRemaining() && line.get(line.limit() - 1) == '\n') {
            return List.of(line);
        }
        return List.of(line, NEWLINE.duplicate());
    }

    @Override
    public String usage() {
        return "interleave FILE...      lines of all FILEs (- is stdin) to stdout, never split";
    }
}
