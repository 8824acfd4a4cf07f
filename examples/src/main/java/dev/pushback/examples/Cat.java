package dev.pushback.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code cat [FILE...]}: the files, or stdin for none or {@code -}, to stdout in order. Like
 * GNU cat, a file that cannot be read is reported ({@code cat: /tmp: Is a directory}) and
 * skipped, and the exit status is then 1; a failure to write stdout stops it ({@code cat: write
 * error: No space left on device}), and stdout's reader going away (EPIPE) stops it silently with
 * status 141.
 */
final class Cat implements Launcher.Command {
    @Override
    public int run(Cli cli, String[] files) throws Exception {
        String[] inputs = files.length == 0 ? new String[] {"-"} : files;
        int status = 0;
        for (String input : inputs) {
            try (Catalyst catalyst = cli.catalyst()) {
                Graph graph = Graph.on(catalyst);
                Feed<ByteBuffer> feed = input.equals("-") ? cli.stdin(graph) : graph.read(Path.of(input));
                feed.to(cli.stdout(graph));
                cli.run(graph);
            } catch (IOException e) {
                cli.print(e);
                if (cli.stdoutFailed(e)) {
                    return 1; // nothing more can be written
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
