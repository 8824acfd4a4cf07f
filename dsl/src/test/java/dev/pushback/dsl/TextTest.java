package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSource;

/** Byte streams to text and back: lines(), rawLines(), decode(), encode(). */
class TextTest {
    private static final String TEXT = "héllo wörld €\r\nsecond line ✓\n\nlast line without newline — 𝄞";

    @TempDir
    Path dir;

    private static Catalyst catalyst(int chunk) {
        return Catalyst.open(Catalyst.Config.defaults().withChunkSize(chunk).withErrors((what, cause) -> { }));
    }

    /** The text's bytes cut into chunks at {@code cut}, {@code 2 * cut}, …: every cut size is tried. */
    private static List<ByteBuffer> chunks(byte[] bytes, int cut) {
        List<ByteBuffer> chunks = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += cut) {
            chunks.add(ByteBuffer.wrap(bytes, i, Math.min(cut, bytes.length - i)).slice());
        }
        return chunks;
    }

    private static <T> T run(Catalyst catalyst, Graph graph, ManualSource<ByteBuffer> source, List<ByteBuffer> chunks,
                             CompletableFuture<T> result) throws Exception {
        catalyst.execute(() -> {
            chunks.forEach(source::handlePush);
            source.handleFinish();
            source.handleSetReadable(true);
        });
        graph.run();
        return result.get();
    }

    @Test
    void decodeKeepsCharactersCutBetweenChunksWhole() throws Exception {
        byte[] bytes = TEXT.getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut <= bytes.length; cut++) {
            try (Catalyst catalyst = catalyst(64)) {
                Graph graph = Graph.on(catalyst);
                ManualSource<ByteBuffer> source = new ManualSource<>(catalyst, "utf8");
                CompletableFuture<String> text = graph.from(source).decode(StandardCharsets.UTF_8).collect(Collectors.joining());
                assertThat(run(catalyst, graph, source, chunks(bytes, cut), text)).as("cut every %d bytes", cut).isEqualTo(TEXT);
            }
        }
    }

    @Test
    void linesAfterAStageAreSplitAcrossChunks() throws Exception {
        byte[] bytes = TEXT.getBytes(StandardCharsets.UTF_8);
        List<String> expected = List.of("héllo wörld €", "second line ✓", "", "last line without newline — 𝄞");
        for (int cut = 1; cut <= bytes.length; cut++) {
            try (Catalyst catalyst = catalyst(64)) {
                Graph graph = Graph.on(catalyst);
                ManualSource<ByteBuffer> source = new ManualSource<>(catalyst, "bytes");
                // The map in between means the lines cannot be framed by the source itself.
                CompletableFuture<List<String>> lines = graph.from(source).map(chunk -> chunk).lines().collect(Collectors.toList());
                assertThat(run(catalyst, graph, source, chunks(bytes, cut), lines)).as("cut every %d bytes", cut).isEqualTo(expected);
            }
        }
    }

    @Test
    void linesFramedByAFileSourceCrossChunkBoundariesWithoutLoss() throws Exception {
        StringBuilder text = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String line = "line " + i + " " + "x".repeat(i % 53);
            expected.add(line);
            text.append(line).append(i % 7 == 0 ? "\r\n" : "\n");
        }
        Path file = Files.writeString(dir.resolve("lines"), text);
        try (Catalyst catalyst = catalyst(32)) { // far shorter than most lines: most lines are carried
            Graph graph = Graph.on(catalyst);
            CompletableFuture<List<String>> lines = graph.read(file).lines().collect(Collectors.toList());
            graph.run();
            assertThat(lines.get()).isEqualTo(expected);
            assertThat(graph.explain()).contains("lines (fused into source)");
        }
    }

    @Test
    void rawLinesKeepTheirTerminatorsAndEncodeRoundTrips() throws Exception {
        byte[] bytes = TEXT.getBytes(StandardCharsets.UTF_8);
        try (Catalyst catalyst = catalyst(16)) {
            Graph graph = Graph.on(catalyst);
            ManualSource<ByteBuffer> source = new ManualSource<>(catalyst, "bytes");
            CompletableFuture<String> again = graph.from(source).rawLines()
                .map(line -> StandardCharsets.UTF_8.decode(line).toString())
                .encode(StandardCharsets.UTF_8)
                .decode(StandardCharsets.UTF_8)
                .collect(Collectors.joining());
            assertThat(run(catalyst, graph, source, chunks(bytes, 5), again)).isEqualTo(TEXT);
        }
    }

    @Test
    void aLineLongerThanTheLimitFailsTheGraphWithAClearMessage() throws Exception {
        Path file = Files.writeString(dir.resolve("long"), "short\n" + "y".repeat(5000) + "\n");
        try (Catalyst catalyst = catalyst(64)) {
            Graph graph = Graph.on(catalyst);
            CompletableFuture<List<ByteBuffer>> lines = graph.read(file).rawLines(1000).collect(Collectors.toList());
            Exception failure = org.assertj.core.api.Assertions.catchException(graph::run);
            assertThat(failure).hasMessageContaining("line longer than 1000 bytes");
            assertThat(lines).isCompletedExceptionally();
        }
    }

    @Test
    void n12_aPlainIntervalTicksUntilItsGraphIsClosed() {
        org.agrona.concurrent.CachedNanoClock clock = new org.agrona.concurrent.CachedNanoClock();
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(64).withClock(clock))) {
            Graph graph = Graph.on(catalyst);
            List<Long> ticks = new ArrayList<>();
            CompletableFuture<Void> done = graph.interval(java.time.Duration.ofMillis(2)).forEach(ticks::add);
            graph.start();
            Drive.rounds(catalyst, 1); // started at time 0
            assertThat(ticks).isEmpty();
            for (int i = 0; i < 3; i++) {
                clock.advance(java.time.Duration.ofMillis(3).toNanos()); // past the next period and the wheel's tick
                Drive.rounds(catalyst, 2);
            }
            assertThat(ticks).containsExactly(1L, 2L, 3L);
            assertThat(done).as("a plain interval never ends by itself").isNotDone();
        }
    }
}
