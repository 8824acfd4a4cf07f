package dev.pushback.examples;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Graph;

/**
 * {@code pv}: stdin to stdout unchanged, with a progress line on stderr every second. The progress
 * goes through a dropping branch (DESIGN N5) fed by an interval (N12): when stderr is slow the
 * line is dropped, and the data never waits for it.
 */
final class Pv implements Launcher.Command {
    private long h_bytes;
    private long h_bytesAtLastTick;
    private long h_lastTickNanos;
    private long h_startNanos;

    @Override
    public int run(Cli cli, String[] operands) throws Exception {
        if (operands.length > 0) {
            throw new Cli.UsageException("pv takes no operands");
        }
        try (Catalyst catalyst = cli.catalyst()) {
            Graph graph = Graph.on(catalyst);
            h_startNanos = System.nanoTime();
            h_lastTickNanos = h_startNanos;
            CompletableFuture<Void> data = graph.stdin().map(this::count).to(graph.stdout());
            graph.interval(Duration.ofSeconds(1), data)
                .map(tick -> progress(catalyst.config().clock().nanoTime(), false))
                .broadcast().dropping()
                .encode(StandardCharsets.UTF_8)
                .to(graph.stderr());
            cli.run(graph);
            cli.err().print(progress(System.nanoTime(), true));
        }
        return 0;
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
        return "pv                      stdin to stdout, progress on stderr every second";
    }
}
