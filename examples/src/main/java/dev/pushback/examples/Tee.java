package dev.pushback.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code tee [-a] [FILE...]}: stdin to stdout and to every FILE, byte for byte. Every output
 * throttles the input (a cut-through broadcast, DESIGN N4): stdin is read only while all of them
 * can take the chunk.
 *
 * <p>As GNU tee: a FILE that cannot be opened is reported ({@code tee: /nonexistent/x: No such
 * file or directory}) and the others, and stdout, go on; so do they when a write fails ({@code
 * tee: /dev/full: No space left on device}): it is reported once and what follows is discarded
 * for that output alone (an {@link OutputFile}), stdout too when it is a file or a device ({@code
 * tee: 'standard output': No space left on device}). The exit status is then 1. A pipe as stdout,
 * or a FIFO or socket as FILE, can block, so it is the library's bridged sink, and a failure
 * there stops tee; its reader going away (EPIPE) ends tee silently with status 141, as SIGPIPE
 * ends GNU tee.
 */
final class Tee implements Launcher.Command {
    @Override
    public int run(Cli cli, String[] files) throws Exception {
        boolean append = cli.flag('a');
        int status = 0;
        try (Catalyst catalyst = cli.catalyst()) {
            Graph graph = Graph.on(catalyst);
            Feed.Broadcast<ByteBuffer> tee = cli.stdin(graph).broadcast();
            List<OutputFile> outputs = new ArrayList<>();
            if (OutputFile.stdoutMayBlock()) {
                tee.to(cli.stdout(graph)); // a pipe: its reader going away ends tee (status 141)
            } else {
                OutputFile stdout = OutputFile.stdout(catalyst, stdoutName());
                outputs.add(stdout);
                tee.to(stdout);
            }
            for (String file : files) {
                Path path = Path.of(file);
                try {
                    if (OutputFile.mayBlock(path)) {
                        tee.to(append ? graph.append(path) : graph.write(path));
                    } else {
                        OutputFile output = OutputFile.open(catalyst, file, append);
                        outputs.add(output);
                        tee.to(output);
                    }
                } catch (IOException e) {
                    cli.print(e);
                    status = 1;
                }
            }
            cli.run(graph);
            for (OutputFile output : outputs) {
                if (output.failed()) {
                    status = 1;
                }
            }
        }
        return status;
    }

    @Override
    public Cli.Options options() {
        return Cli.Options.flags("a").alias("--append", 'a');
    }

    /** GNU tee: "tee: read error: Is a directory". */
    @Override
    public String stdinName() {
        return "read error";
    }

    /** GNU tee: "tee: 'standard output': No space left on device". */
    @Override
    public String stdoutName() {
        return "'standard output'";
    }

    @Override
    public String usage() {
        return "tee [-a] [FILE...]      stdin to stdout and to each FILE (-a appends)";
    }
}
