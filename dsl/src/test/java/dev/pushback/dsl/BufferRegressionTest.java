package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.compiler.Plan;

/** Regressions found by {@link RandomGraphTest}, as small deterministic graphs. */
class BufferRegressionTest {
    /**
     * An expansion into buffer(1) puts three elements in it in one move; a reader that takes one
     * element per round must not make it writable again while it still holds two (DESIGN N3).
     */
    @Test
    void expansionIntoBufferStaysWithinThePlansBound() {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(64))) {
            Graph graph = Graph.on(catalyst);
            ManualSource<ByteBuffer> source = new ManualSource<>(catalyst, "in");
            ScriptedByteSink sink = new ScriptedByteSink(catalyst, "out");
            graph.from(source)
                .flatMap(chunk -> List.of(chunk.duplicate(), chunk.duplicate(), chunk.duplicate()))
                .buffer(1)
                .to(sink);
            Plan plan = graph.compile();
            CompletableFuture<Void> done = graph.start();
            catalyst.execute(() -> {
                for (int i = 0; i < 200; i++) {
                    source.handlePush(ByteBuffer.wrap(new byte[20]));
                }
                source.handleFinish();
                source.handleSetReadable(true);
            });
            for (int round = 0; round < 10_000 && !done.isDone(); round++) {
                catalyst.execute(() -> sink.handleGrant(20)); // the reader's sink takes one element per round
                catalyst.runOnce(0);
            }
            assertThat(done).isCompleted();
            assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
            assertThat(sink.handleWritten()).hasSize(200 * 3 * 20);
        }
    }
}
