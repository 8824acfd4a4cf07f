package dev.pushback.jmh;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * pushback's {@code tee} exactly as the README writes it, for {@code jmh/tee-bench.sh} while the
 * examples launcher ({@code java -jar examples/target/pushback-examples.jar tee FILE...}) is not
 * there: standard input to standard output and to every file named, every output throttling
 * the input (DESIGN N4).
 *
 * <pre>{@code java -cp jmh/target/benchmarks.jar dev.pushback.jmh.PushbackTee out1 out2 < in > out}</pre>
 */
public final class PushbackTee {
    private PushbackTee() {}

    public static void main(String[] args) throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            Feed.Broadcast<ByteBuffer> tee = graph.stdin().broadcast();
            tee.to(graph.stdout());
            for (String file : args) {
                tee.to(graph.write(Path.of(file)));
            }
            graph.run(); // runs the catalyst on this thread until the input ends
        }
    }
}
