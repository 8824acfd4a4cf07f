package dev.pushback.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.dsl.Graph;

/**
 * The guide's first pipeline on small elements (issue 8 section 2): lines of text, decoded,
 * filtered, encoded again with a newline, into a byte sink — {@code lines() → filter →
 * encodeLines → sink}. One operation is one line read (57% of them have a '7' and go on);
 * {@code -prof gc} gives the bytes allocated per line. The source gives the same chunk of 42-byte lines forever and the sink writes nothing
 * anywhere, so what is measured is the text path itself.
 *
 * <pre>{@code java -jar jmh/target/benchmarks.jar LinesBenchmark -prof gc}</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(LinesBenchmark.LINES)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LinesBenchmark {
    static final int LINES = 4096;

    private Catalyst catalyst;
    private NullSink sink;
    private long seen;

    @Setup(Level.Trial)
    public void setUp() {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("lines").withMovesPerRound(LINES));
        Graph graph = Graph.on(catalyst);
        sink = new NullSink(catalyst);
        graph.from(new RepeatingLines(catalyst))
            .lines(StandardCharsets.UTF_8)
            .filter(line -> {
                seen++;
                return line.indexOf('7') >= 0;
            })
            .encodeLines(StandardCharsets.UTF_8)
            .to(sink);
        graph.start();
        catalyst.runOnce(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        catalyst.close();
    }

    @Benchmark
    public long linesFilterEncode() {
        long target = seen + LINES;
        while (seen < target) {
            catalyst.runOnce(0);
        }
        return sink.bytes;
    }

    /** Always readable: the same chunk of whole 42-byte lines on every read. */
    static final class RepeatingLines extends AbstractByteSource {
        private final ByteBuffer chunk;

        RepeatingLines(Catalyst catalyst) {
            super(catalyst, "lines");
            StringBuilder text = new StringBuilder();
            for (int i = 0; text.length() + 42 <= 64 * 1024; i++) {
                text.append(String.format("line %08d of the log with some words\n", i));
            }
            chunk = ByteBuffer.allocateDirect(text.length());
            chunk.put(text.toString().getBytes(StandardCharsets.US_ASCII)).flip();
        }

        @Override
        protected ByteBuffer handleNextChunk() {
            return chunk.clear();
        }
    }

    /** Always writable: counts lines and bytes and writes them nowhere. */
    static final class NullSink extends AbstractByteSink {
        long lines;
        long bytes;

        NullSink(Catalyst catalyst) {
            super(catalyst, "null");
        }

        @Override
        protected int handleWrite(ByteBuffer source) throws IOException {
            int n = source.remaining();
            for (int i = source.position(); i < source.limit(); i++) {
                if (source.get(i) == '\n') {
                    lines++;
                }
            }
            source.position(source.limit());
            bytes += n;
            return n;
        }

        @Override
        protected void handleArmDrain() {}
    }
}
