package dev.pushback.compiler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.compiler.CompileException;
import dev.pushback.compiler.ir.Dataflow;
import dev.pushback.compiler.ir.Node;

/** DESIGN C1: a plan prints every fiber, its endpoints and mask, as text and as Graphviz dot. */
class PlanTest {
    @Test
    void c1_explainAndDotShowFibersEndpointsAndMasks() {
        try (Catalyst catalyst = Catalyst.open()) {
            Dataflow flow = new Dataflow();
            Node x = flow.source(new ManualSource<String>(catalyst, "x"));
            Node y = flow.source(new ManualSource<String>(catalyst, "y"));
            Node union = flow.union(List.of(flow.map(x, (Function<Object, Object>) s -> s, "map"), y));
            Node fork = flow.broadcast(union);
            flow.sink(flow.branch(fork, Node.BranchPolicy.THROTTLING, null), new ManualSink<String>(catalyst, "out"));
            flow.sink(flow.branch(fork, Node.BranchPolicy.DROPPING, null), new ManualSink<String>(catalyst, "log"));
            CompiledPlan plan = Compiler.compile(flow, catalyst);
            assertThat(plan.fibers()).hasSize(2);
            String before = plan.explain();
            assertThat(before).contains("plan: 2 fibers, 4 endpoints", "fiber 0 (x): mask {x readable, out writable}",
                "fiber 1 (y): mask {y readable, out writable}", "-> dropping branch", "sink log (dropping)",
                "writable bit unassigned");
            catalyst.execute(plan::handleStart);
            catalyst.runOnce(0);
            String after = plan.explain();
            assertThat(after).contains("x readable @", "[readable bit 0 (word 0)]").doesNotContain("unassigned");
            String dot = plan.dot();
            assertThat(dot).startsWith("digraph plan {").contains("subgraph cluster_0", "subgraph cluster_1", "label=\"out\\n")
                .endsWith("}\n");
            // The shared sink appears once, fed from both clusters.
            assertThat(dot.lines().filter(l -> l.contains("[shape=ellipse, label=\"out"))).hasSize(1);
        }
    }

    @Test
    void aDanglingFeedIsAClearCompileError() {
        try (Catalyst catalyst = Catalyst.open()) {
            Dataflow flow = new Dataflow();
            flow.map(flow.source(new ManualSource<String>(catalyst, "x")), (Function<Object, Object>) s -> s, "map");
            assertThatThrownBy(() -> Compiler.compile(flow, catalyst))
                .isInstanceOf(CompileException.class).hasMessageContaining("'map' is not connected to a sink");
        }
    }

    @Test
    void anEndpointOfAnotherCatalystIsRefused() {
        try (Catalyst mine = Catalyst.open(Catalyst.Config.defaults().withName("mine"));
             Catalyst other = Catalyst.open(Catalyst.Config.defaults().withName("other"))) {
            Dataflow flow = new Dataflow();
            flow.sink(flow.source(new ManualSource<String>(mine, "x")), new ManualSink<String>(other, "theirs"));
            assertThatThrownBy(() -> Compiler.compile(flow, mine))
                .isInstanceOf(CompileException.class).hasMessageContaining("belongs to catalyst other, not to mine");
        }
    }

    @Test
    void usingAFeedTwiceWithoutBroadcastIsRefused() {
        try (Catalyst catalyst = Catalyst.open()) {
            Dataflow flow = new Dataflow();
            Node x = flow.source(new ManualSource<String>(catalyst, "x"));
            flow.sink(x, new ManualSink<String>(catalyst, "a"));
            assertThatThrownBy(() -> flow.sink(x, new ManualSink<String>(catalyst, "b")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("use broadcast()");
        }
    }

    @Test
    void n3_theBoundCountsEveryPathIntoASinkOnce() {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(1024))) {
            Dataflow flow = new Dataflow();
            Node source = flow.source(new ManualSource<java.nio.ByteBuffer>(catalyst, "in"));
            Node fork = flow.broadcast(source);
            Node a = flow.branch(fork, Node.BranchPolicy.THROTTLING, null);
            Node b = flow.branch(fork, Node.BranchPolicy.THROTTLING, null);
            var sink = new dev.pushback.catalyst.spi.AbstractByteSink(catalyst, "bytes") {
                @Override
                protected int handleWrite(java.nio.ByteBuffer buffer) {
                    int n = buffer.remaining();
                    buffer.position(buffer.limit());
                    return n;
                }

                @Override
                protected void handleArmDrain() { }
            };
            flow.sink(flow.union(List.of(a, b)), sink);
            CompiledPlan plan = Compiler.compile(flow, catalyst);
            // a diamond: two chunks in one move, after the one chunk it gathers (N3, N9, N16)
            assertThat(plan.retainedBound()).isEqualTo(2 * 1024 + 1024);
        }
    }
}
