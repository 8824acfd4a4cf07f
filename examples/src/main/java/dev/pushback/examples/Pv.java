package dev.pushback.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code pv [FILE...]}: the FILEs in order, or stdin for none or {@code -}, to stdout unchanged,
 * with a progress line on stderr every second. The progress goes through a dropping branch
 * (DESIGN N5) fed by an interval (N12): when stderr is slow the line is dropped, and the data never
 * waits for it. Each FILE is a graph of its own, run after the one before; the count, the clock
 * and the progress carry on from one to the next (the interval ticks every 100 ms and a line is
 * printed once a second has passed since the last). A FILE that cannot be read is reported and
 * skipped, and the exit status is then 1.
 */
final class Pv implements Launcher.Command {
    private static final long SECOND_NANOS = 1_000_000_000L;

    private long h_bytes;
    private long h_bytesAtLastTick;
    private long h_lastTickNanos;
    private long h_startNanos;

    @Override
    public int run(Cli cli, String[] files) throws Exception {
        String[] inputs = files.length == 0 ? new String[] {"-"} : files;
        h_startNanos = System.nanoTime();
        h_lastTickNanos = h_startNanos;
        int status = 0;
        for (String input : inputs) {
            try (Catalyst catalyst = cli.catalyst()) {
                Graph graph = Graph.on(catalyst);
                Feed<ByteBuffer> in = input.equals("-") ? cli.stdin(graph) : graph.read(Path.of(input));
                CompletableFuture<Void> data = in.map(this::count).to(cli.stdout(graph));
                graph.interval(Duration.ofMillis(100), data)
                    .filter(tick -> catalyst.config().clock().nanoTime() - h_lastTickNanos >= SECOND_NANOS)
                    .map(tick -> progress(catalyst.config().clock().nanoTime(), false))
                    .broadcast().dropping()
                    .encode(StandardCharsets.UTF_8)
                    .to(graph.stderr());
                cli.run(graph);
            } catch (IOException e) {
                cli.print(e);
                if (cli.stdoutFailed(e)) {
                    return 1; // nothing more can be written
                }
                status = 1;
            }
        }
        cli.err().print(progress(System.nanoTime(), true));
        return status;
    }

    private ByteBuffer count(ByteBuffer chunk) {
        h_bytes += chunk.remaining();
        return chunk;
    }

    private String progress(long now, boolean last) {
        long elapsedNanos = Math.max(1, now - (last ? h_startNanos : h_lastTickNanos));
        long bytes = last ? h_bytes : h_bytes - h_bytesAtLastTick;
        double rate = bytes * 1e9 / elapsedNanos;
        h_bytesAtLastTick = h_bytes;
        h_lastTickNanos = now;
        long seconds = (now - h_startNanos) / 1_000_000_000L;
        return String.format("\r%s %d:%02d:%02d [%s/s]%s", size(h_bytes), seconds / 3600, seconds / 60 % 60,
            seconds % 60, size((long) rate), last ? "\n" : "");
    }

    static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format("%.1f %s", value, units[unit]);
    }

    @Override
    public String usage() {
        return "pv [FILE...]            FILEs (stdin for none or -) to stdout, progress on stderr every second";
    }
}
