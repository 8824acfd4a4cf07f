package dev.pushback.jmh;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

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

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;
import dev.pushback.jmh.Fixtures.Cell;

/**
 * DESIGN C4: a chain of {@code k} maps ({@code x -> x + c}) per element, through pushback and
 * by hand. One operation is one element; an invocation moves {@link #BATCH} elements, which for
 * pushback is one catalyst round ({@code runOnce(0)}, the fiber's budget set to the batch) so
 * that the select call of a round is spread over the batch.
 *
 * <p>Nothing is allocated per element on purpose: the source gives the same mutable {@link Cell}
 * every poll, the maps add to it in place and the sink sums it into a field. What is left per
 * element is the fiber's readiness check, the poll, the fused stage tree and the offer.
 *
 * <ul>
 *   <li>{@code handLoop}: the arithmetic written out by hand, what pushback is measured against;</li>
 *   <li>{@code lambdaLoop}: the same lambda objects pushback runs, applied in a plain loop, with no
 *       catalyst: the cost of calling {@code k} user functions through one call site;</li>
 *   <li>{@code pushback}: source → k × map → sink, compiled into one fiber, driven by
 *       {@code catalyst.runOnce(0)} on the benchmark thread.</li>
 * </ul>
 *
 * {@code polluted=true} first runs other graphs through every kind of stage, source and sink
 * ({@link Pollution}), as an application with several graphs does, so the runtime's shared call
 * sites are megamorphic; {@code false} shows the best case of a JVM running this chain alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(MapChainBenchmark.BATCH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MapChainBenchmark {
    static final int BATCH = 4096;

    @Param({"1", "4", "16"})
    int k;

    @Param({"true", "false"})
    boolean polluted;

    private Catalyst catalyst;
    private Fixtures.SumSink sink;
    private Function<Object, Object>[] functions;
    private final Cell cell = new Cell();
    private long handSum;

    // The constants of the hand loop, the same as the lambdas capture. Fields, not literals, so
    // that the hand loop may not fold them any more than the JIT can fold the lambdas' captures.
    private long c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15;

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Setup
    public void setup() {
        if (polluted) {
            Pollution.run(3);
        }
        long[] c = new long[16];
        for (int i = 0; i < c.length; i++) {
            c[i] = i + 1;
        }
        c0 = c[0]; c1 = c[1]; c2 = c[2]; c3 = c[3]; c4 = c[4]; c5 = c[5]; c6 = c[6]; c7 = c[7];
        c8 = c[8]; c9 = c[9]; c10 = c[10]; c11 = c[11]; c12 = c[12]; c13 = c[13]; c14 = c[14]; c15 = c[15];
        functions = new Function[k];
        for (int i = 0; i < k; i++) {
            functions[i] = Fixtures.stage(i, c[i]);
        }

        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("map-chain").withMovesPerRound(BATCH));
        Graph graph = Graph.on(catalyst);
        Feed<Object> feed = graph.from(new Fixtures.EndlessSource(catalyst, "endless"));
        for (int i = 0; i < k; i++) {
            feed = feed.map(functions[i]);
        }
        sink = new Fixtures.SumSink(catalyst, "sum");
        feed.to(sink);
        graph.start();
        catalyst.runOnce(0); // starts the fiber; it makes its first BATCH moves
        if (sink.count != BATCH) {
            throw new IllegalStateException("expected " + BATCH + " moves in the first round, got " + sink.count);
        }
    }

    @TearDown
    public void tearDown() {
        catalyst.close();
    }

    @Benchmark
    public long pushback() {
        catalyst.runOnce(0);
        return sink.sum;
    }

    @Benchmark
    public long lambdaLoop() {
        Function<Object, Object>[] fs = functions;
        Object element = cell;
        long sum = handSum;
        for (int n = 0; n < BATCH; n++) {
            Object x = element;
            for (Function<Object, Object> f : fs) {
                x = f.apply(x);
            }
            sum += ((Cell) x).value;
        }
        handSum = sum;
        return sum;
    }

    @Benchmark
    public long handLoop() {
        Cell x = cell;
        long sum = handSum;
        switch (k) {
            case 1 -> {
                for (int n = 0; n < BATCH; n++) {
                    x.value += c0;
                    sum += x.value;
                }
            }
            case 4 -> {
                for (int n = 0; n < BATCH; n++) {
                    x.value += c0;
                    x.value += c1;
                    x.value += c2;
                    x.value += c3;
                    sum += x.value;
                }
            }
            case 16 -> {
                for (int n = 0; n < BATCH; n++) {
                    x.value += c0;
                    x.value += c1;
                    x.value += c2;
                    x.value += c3;
                    x.value += c4;
                    x.value += c5;
                    x.value += c6;
                    x.value += c7;
                    x.value += c8;
                    x.value += c9;
                    x.value += c10;
                    x.value += c11;
                    x.value += c12;
                    x.value += c13;
                    x.value += c14;
                    x.value += c15;
                    sum += x.value;
                }
            }
            default -> throw new IllegalStateException("no hand loop for k = " + k);
        }
        handSum = sum;
        return sum;
    }
}
