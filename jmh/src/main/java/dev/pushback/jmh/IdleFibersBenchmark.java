package dev.pushback.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * DESIGN C3: the cost of a round grows with the ready endpoints, not with the fibers. One active
 * pipeline (an always-readable source → map → an always-writable sink) runs next to {@code idle}
 * fibers that never become ready (a {@link ManualSource} that is not readable → a
 * {@link ManualSink}), each started as its own graph, as one connection each would be. Every
 * fork starts {@link #STARTED} of them and ends all but {@code idle}: the JIT compiles code
 * from type and branch profiles, and a fork that never started a graph besides the active one
 * compiles the round differently (in an early version of this benchmark that alone made a
 * 10–25% difference, with the same code and no idle fiber live at all).
 *
 * <p>One invocation is one catalyst round with the default budget: tasks, timers, one
 * {@code selectNow}, then the ready fibers — only the active one, which makes
 * {@link Catalyst#DEFAULT_MOVES_PER_ROUND} moves. One operation is one element moved, so the score
 * is the active pipeline's throughput; with C3 it does not depend on {@code idle}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(Catalyst.DEFAULT_MOVES_PER_ROUND)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class IdleFibersBenchmark {
    /** Idle graphs every fork starts, whatever {@link #idle} is. */
    static final int STARTED = 100_000;

    @Param({"0", "10000", "100000"})
    int idle;

    private Catalyst catalyst;
    private Fixtures.SumSink sink;

    @Setup
    public void setup() {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("idle-fibers"));
        // Every fork has the same history: it starts STARTED idle graphs, then ends all but
        // `idle` of them. So the JIT has seen the same code paths with the same profiles in
        // every fork, and what differs is only how many idle fibers are live while measuring.
        List<ManualSource<Object>> sources = new ArrayList<>(STARTED);
        for (int i = 0; i < STARTED; i++) {
            Graph graph = Graph.on(catalyst);
            ManualSource<Object> in = new ManualSource<>(catalyst, "idle-in-" + i);
            graph.from(in).to(new ManualSink<Object>(catalyst, "idle-out-" + i));
            graph.start();
            sources.add(in);
            if ((i & 1023) == 1023) {
                catalyst.runOnce(0);
            }
        }
        Fixtures.runUntil(catalyst, () -> Core.of(catalyst).handleFiberCount() == STARTED, 1_000_000);
        List<ManualSource<Object>> ending = sources.subList(idle, STARTED);
        catalyst.execute(() -> ending.forEach(ManualSource::handleFinish));
        Fixtures.runUntil(catalyst, () -> Core.of(catalyst).handleFiberCount() == idle, 1_000_000);
        if (Core.of(catalyst).handleFiberCount() != idle) {
            throw new IllegalStateException("expected " + idle + " idle fibers, have " + Core.of(catalyst).handleFiberCount());
        }
        // Starting many graphs keeps both JIT compilers busy; while C2's queue is long, HotSpot
        // compiles new hot methods at tier 2, which records no type profiles, and the active
        // pipeline's stages would then be compiled without them in some forks and not in others
        // (a bimodal result that says nothing about C3). Let the queue drain first.
        settleCompiler();
        Graph active = Graph.on(catalyst);
        sink = new Fixtures.SumSink(catalyst, "sum");
        active.from(new Fixtures.EndlessSource(catalyst, "endless")).map(x -> Fixtures.add(x, 1)).to(sink);
        active.start();
        Fixtures.runUntil(catalyst, () -> sink.count > 0, 1_000_000);
        if (Core.of(catalyst).handleFiberCount() != idle + 1) {
            throw new IllegalStateException("expected " + (idle + 1) + " fibers, have " + Core.of(catalyst).handleFiberCount());
        }
    }

    private static void settleCompiler() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @TearDown
    public void tearDown() {
        long start = System.nanoTime();
        catalyst.close();
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (millis > 1000) {
            System.out.println("\n(closing the catalyst with " + idle + " idle fibers took " + millis + " ms)");
        }
    }

    @Benchmark
    public long round() {
        catalyst.runOnce(0);
        return sink.sum;
    }
}
