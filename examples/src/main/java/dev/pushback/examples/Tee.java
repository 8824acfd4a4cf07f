package dev.pushback.examples;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code tee [-a] FILE...}: stdin to stdout and to every FILE, byte for byte. Every output
 * throttles the input (a cut-through broadcast, DESIGN N4): stdin is read only while all of them
 * can take the chunk.
 */
final class Tee implements Launcher.Command {
    @Override
    public int run(Cli cli, String[] files) throws Exception {
        try (Catalyst catalyst = cli.catalyst()) {
            Graph graph = Graph.on(catalyst);
            Feed.Broadcast<ByteBuffer> tee = graph.stdin().broadcast();
            tee.to(graph.stdout());
            boolean append = cli.flag('a');
            for (String file : files) {
                Path path = Path.of(file);
                tee.to(append ? graph.append(path) : graph.write(path));
            }
            cli.run(graph);
        }
        return 0;
    }

    @Override
    public Cli.Options options() {
        return Cli.Options.flags("a").alias("--append", 'a');
    }

    @Override
    public String usage() {
        return "tee [-a] FILE...        stdin to stdout and to each FILE (-a appends)";
    }
}
