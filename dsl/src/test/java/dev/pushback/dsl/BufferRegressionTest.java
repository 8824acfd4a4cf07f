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

    /**
     * An intersect ends with its shortest input and closes its inputs. When an input is a buffer,
     * its writer must not be left blocked on a buffer that nobody reads any more, holding bytes.
     */
    @Test
    void intersectEndingFirstReleasesTheBufferItReads() {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(64))) {
            Graph graph = Graph.on(catalyst);
            ManualSource<ByteBuffer> longer = new ManualSource<>(catalyst, "longer");
            ManualSource<ByteBuffer> shorter = new ManualSource<>(catalyst, "shorter");
            ScriptedByteSink sink = new ScriptedByteSink(catalyst, "out");
            graph.intersect(graph.from(longer).buffer(1), graph.from(shorter), (a, b) -> {
                ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining());
                return both.put(a.duplicate()).put(b.duplicate()).flip();
            }).to(sink);
            CompletableFuture<Void> done = graph.start();
            catalyst.execute(() -> {
                for (int i = 0; i < 10; i++) {
                    longer.handlePush(ByteBuffer.wrap(new byte[] {(byte) i}));
                }
                for (int i = 0; i < 3; i++) {
                    shorter.handlePush(ByteBuffer.wrap(new byte[] {(byte) (100 + i)}));
                }
                longer.handleFinish();
                shorter.handleFinish();
                longer.handleSetReadable(true);
                shorter.handleSetReadable(true);
                sink.handleUnlimited();
            });
            for (int round = 0; round < 1_000 && !done.isDone(); round++) {
                catalyst.runOnce(0);
            }
            assertThat(done).isCompleted();
            assertThat(sink.handleWritten()).containsExactly(0, 100, 1, 101, 2, 102);
            assertThat(catalyst.retainedBytes()).isZero();
        }
    }
}
