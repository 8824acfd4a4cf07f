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
            System.out.println(graph.explain());
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
            catalyst.execute(() -> {
                for (int i = 0; i < 10; i++) source.handlePush("e" + i);
                source.handleSetReadable(true);
                sink.handleAcceptThenBlock(3);
            });
            for (int i = 0; i < 5; i++) catalyst.runOnce(0);
            assertThat(catalyst.submit(() -> List.copyOf(sink.handleReceived())).thenApply(x -> x).getNow(null)).isNull();
            catalyst.runOnce(0);
            catalyst.execute(() -> assertThat(sink.handleReceived()).containsExactly("e0", "e1", "e2"));
            catalyst.execute(() -> assertThat(source.handleWaiting()).isEqualTo(7));
            catalyst.runOnce(0);
        }
    }
}
