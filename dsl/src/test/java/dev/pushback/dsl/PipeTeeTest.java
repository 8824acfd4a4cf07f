package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.compiler.Plan;

/** 1 GiB through a tee on real pipes into two files and a pipe: identical outputs, bounded memory. */
class PipeTeeTest {
    private static final long SIZE = 1L << 30;

    @TempDir
    Path dir;

    @Test
    void n3_n4_oneGibibyteThroughTeeIntact() throws Exception {
        Pipe in = Pipe.open();
        Pipe out = Pipe.open();
        CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> {
            try (var sink = in.sink()) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] block = new byte[1 << 20];
                new Random(13).nextBytes(block);
                ByteBuffer buffer = ByteBuffer.wrap(block);
                for (long written = 0; written < SIZE; written += block.length) {
                    block[(int) (written >>> 20) % block.length] ^= 1; // every block differs
                    digest.update(block);
                    buffer.clear();
                    while (buffer.hasRemaining()) {
                        sink.write(buffer);
                    }
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        CompletableFuture<String> piped = CompletableFuture.supplyAsync(() -> {
            try (InputStream source = java.nio.channels.Channels.newInputStream(out.source())) {
                return sha256(source);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Plan plan;
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            Feed.Broadcast<ByteBuffer> tee = graph.read(in.source()).broadcast();
            tee.to(graph.write(dir.resolve("a")));
            tee.to(graph.write(dir.resolve("b")));
            tee.to(graph.write(out.sink()));
            plan = graph.compile();
            graph.run();
            assertThat(catalyst.peakRetainedBytes()).as("peak retained bytes").isLessThanOrEqualTo(plan.retainedBound());
        }
        String expected = sent.get(120, TimeUnit.SECONDS);
        assertThat(piped.get(120, TimeUnit.SECONDS)).isEqualTo(expected);
        try (InputStream a = Files.newInputStream(dir.resolve("a")); InputStream b = Files.newInputStream(dir.resolve("b"))) {
            assertThat(sha256(a)).isEqualTo(expected);
            assertThat(sha256(b)).isEqualTo(expected);
        }
        assertThat(plan.retainedBound()).as("a pending and a gathered chunk per sink").isEqualTo(6L * 64 * 1024);
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
