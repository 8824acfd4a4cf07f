package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;

class SmokeTest {
    @Test
    void manualMapFilterCollect() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<Integer> source = new ManualSource<>(catalyst, "numbers");
            CompletableFuture<List<Integer>> result = graph.from(source).map(i -> i * 10).filter(i -> i != 20)
                .collect(Collectors.toList());
            catalyst.execute(() -> {
                for (int i = 1; i <= 5; i++) source.handlePush(i);
                source.handleFinish();
                source.handleSetReadable(true);
            });
            graph.run();
            assertThat(result.get()).containsExactly(10, 30, 40, 50);
            // One fiber (C1): the map and filter fused between the source and the collector, whose
            // mask is the source's readable and the collector's writable bit (N1, N10); neither
            // holds data (bound 0). After the run the endpoints are closed and their bits freed.
            assertThat(graph.explain()).isEqualTo("""
                plan: 1 fiber, 2 endpoints, chunk 65536 B, retained bound 0 B, memory bound 0 B
                fiber 0 (numbers): mask {numbers readable, collect writable}
                  source numbers [readable bit unassigned]
                    -> map
                      -> filter
                        -> sink collect [writable bit unassigned]
                """);
        }
    }

    @Test
    void pipeToPipeLines() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            Pipe pipe = Pipe.open();
            CompletableFuture<List<String>> lines = graph.read(pipe.source()).lines().collect(Collectors.toList());
            Thread writer = new Thread(() -> {
                try (var sink = pipe.sink()) {
                    sink.write(ByteBuffer.wrap("alpha\nbeta\ngam".getBytes(StandardCharsets.UTF_8)));
                    sink.write(ByteBuffer.wrap("ma\ndelta".getBytes(StandardCharsets.UTF_8)));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            graph.run();
            writer.join();
            assertThat(lines.get()).containsExactly("alpha", "beta", "gamma", "delta");
        }
    }

    @Test
    void throttledSinkStopsSource() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            ManualSource<String> source = new ManualSource<>(catalyst, "in");
            ManualSink<String> sink = new ManualSink<>(catalyst, "out");
            graph.from(source).to(sink);
            graph.start();
            Drive.step(catalyst, () -> {
                for (int i = 0; i < 10; i++) source.handlePush("e" + i);
                source.handleSetReadable(true);
                sink.handleAcceptThenBlock(3);
            });
            Drive.rounds(catalyst, 5); // the sink is blocked: no round moves anything (N1)
            assertThat(Drive.read(catalyst, () -> List.copyOf(sink.handleReceived()))).containsExactly("e0", "e1", "e2");
            assertThat(Drive.read(catalyst, sink::handleOfferedWhileBlocked)).as("nothing offered to a blocked sink").isZero();
            assertThat(Drive.read(catalyst, source::handleWaiting)).as("the rest still in the source").isEqualTo(7);
            Drive.step(catalyst, () -> sink.handleSetWritable(true));
            assertThat(Drive.read(catalyst, () -> List.copyOf(sink.handleReceived()))).hasSize(10).endsWith("e9");
        }
    }
}
