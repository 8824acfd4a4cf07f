package dev.pushback.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.dsl.Graph;

/**
 * DESIGN C5: a subgraph (one per connection) is added and removed without touching unrelated
 * fibers. One operation builds, compiles and starts a one-fiber graph (a {@link ManualSource} →
 * a {@link ManualSink}), lets it move one element and end, and runs the round in which its fiber
 * retires and its two endpoints close and give their bits back — next to {@code idle} fibers that
 * never run. With C5 the cost does not depend on {@code idle}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class SubgraphChurnBenchmark {
    @Param({"0", "10000", "100000"})
    int idle;

    private Catalyst catalyst;
    private final Object element = new Object();

    @Setup
    public void setup() {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("churn"));
        for (int i = 0; i < idle; i++) {
            Graph graph = Graph.on(catalyst);
            graph.from(new ManualSource<Object>(catalyst, "idle-in-" + i)).to(new ManualSink<Object>(catalyst, "idle-out-" + i));
            graph.start();
            if ((i & 1023) == 1023) {
                catalyst.runOnce(0);
            }
        }
        Fixtures.runUntil(catalyst, () -> Core.of(catalyst).handleFiberCount() == idle, 1_000_000);
    }

    @TearDown
    public void tearDown() {
        catalyst.close();
    }

    @Benchmark
    public int connection() {
        Graph graph = Graph.on(catalyst);
        ManualSource<Object> in = new ManualSource<>(catalyst, "in");
        ManualSink<Object> out = new ManualSink<>(catalyst, "out");
        graph.from(in).to(out);
        graph.start();
        catalyst.execute(() -> {
            in.handlePush(element);
            in.handleFinish();
            in.handleSetReadable(true);
        });
        catalyst.runOnce(0); // starts the fiber, which moves the element, sees the end and retires
        if (!out.handleIsClosed()) {
            throw new IllegalStateException("the subgraph did not end in one round");
        }
        return Core.of(catalyst).handleFiberCount();
    }
}
