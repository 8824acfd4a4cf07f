package dev.pushback.examples;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code cat [FILE...]}: the files, or stdin for none or {@code -}, to stdout in order. Like
 * coreutils, a file that cannot be read is reported and skipped, and the exit code is then 1.
 */
final class Cat implements Launcher.Command {
    @Override
    public int run(Cli cli, String[] files) throws Exception {
        String[] inputs = files.length == 0 ? new String[] {"-"} : files;
        int status = 0;
        for (String input : inputs) {
            try (Catalyst catalyst = cli.catalyst()) {
                Graph graph = Graph.on(catalyst);
                Feed<ByteBuffer> feed = input.equals("-") ? graph.stdin() : graph.read(Path.of(input));
                feed.to(graph.stdout());
                cli.run(graph);
            } catch (java.nio.file.FileSystemException e) {
                if (!cli.reported(e)) {
                    cli.err().println(cli.name() + ": " + Cli.describe(e));
                }
                status = 1;
            }
        }
        return status;
    }

    @Override
    public String usage() {
        return "cat [FILE...]           FILEs (stdin for none or -) to stdout";
    }
}
