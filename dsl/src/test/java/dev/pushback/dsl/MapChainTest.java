package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSource;

/** Consecutive maps are fused into one stage (DESIGN C4); they must behave as separate maps. */
class MapChainTest {
    @Test
    void consecutiveMapsApplyInOrderAcrossTypes() throws Exception {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> { }))) {
            Graph graph = Graph.on(catalyst);
            ManualSource<Integer> source = numbers(catalyst, 4);
            CompletableFuture<List<String>> result = graph.from(source)
                .map(i -> i + 1).map(i -> i * 10).map(String::valueOf).map(s -> s + "!")
                .filter(s -> !s.startsWith("3"))
                .map(s -> "<" + s).map(s -> s + ">")
                .collect(Collectors.toList());
            graph.run();
            assertThat(result.get()).containsExactly("<10!>", "<20!>", "<40!>");
            assertThat(graph.explain()).containsSubsequence("map", "map", "map", "map", "filter", "map", "map", "sink");
        }
    }

    @Test
    void aFailingMapInAChainFailsTheGraph() {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> { }))) {
            Graph graph = Graph.on(catalyst);
            ManualSource<Integer> source = numbers(catalyst, 5);
            CompletableFuture<List<Integer>> result = graph.from(source)
                .map(i -> i + 1)
                .map(i -> {
                    if (i == 3) {
                        throw new IllegalStateException("boom at " + i);
                    }
                    return i;
                })
                .map(i -> i * 2)
                .collect(Collectors.toList());
            assertThatThrownBy(graph::run).isInstanceOf(IllegalStateException.class).hasMessage("boom at 3");
            assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(IllegalStateException.class);
        }
    }

    private static ManualSource<Integer> numbers(Catalyst catalyst, int count) {
        ManualSource<Integer> source = new ManualSource<>(catalyst, "numbers");
        catalyst.execute(() -> {
            for (int i = 0; i < count; i++) {
                source.handlePush(i);
            }
            source.handleFinish();
            source.handleSetReadable(true);
        });
        return source;
    }
}
