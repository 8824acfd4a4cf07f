package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.compiler.Plan;

/**
 * DESIGN N16 on real pipes, sockets and files: small elements are gathered into one write, what
 * is gathered never waits while the catalyst would sleep, and N3's bound still holds; N15's
 * budget counts bytes, so a round of short lines moves about a chunk.
 */
class CoalescingTest {
    private static final int LINES = 20_000;

    @TempDir
    Path dir;

    private Path lines() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            text.append(String.format("line %08d\n", i)); // 14 bytes
        }
        return Files.writeString(dir.resolve("lines"), text);
    }

    @Test
    void n16_aLineTypedIntoAPipeComesOutBeforeTheNextGoesIn() throws Exception {
        Pipe in = Pipe.open();
        Pipe out = Pipe.open();
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> done = graph.read(in.source()).rawLines().to(graph.write(out.sink()));
            graph.start();
            Thread loop = new Thread(catalyst::loop, "coalescing-loop");
            loop.start();
            out.source().configureBlocking(true);
            ByteBuffer read = ByteBuffer.allocate(256);
            for (int i = 0; i < 50; i++) {
                byte[] line = ("typed " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                in.sink().write(ByteBuffer.wrap(line));
                // Blocks until the line is out: a gathered line left waiting would hang here.
                read.clear().limit(line.length);
                while (read.hasRemaining()) {
                    assertThat(out.source().read(read)).as("line %d comes out", i).isPositive();
                }
                assertThat(new String(read.array(), 0, line.length, StandardCharsets.US_ASCII)).isEqualTo("typed " + i + "\n");
            }
            in.sink().close();
            done.get(30, TimeUnit.SECONDS);
            loop.join(30_000);
            assertThat(loop.isAlive()).isFalse();
        }
    }

    @Test
    void n16_smallElementsReachABridgedStreamAsFewWholeChunks() throws Exception {
        Path input = lines();
        AtomicLong writes = new AtomicLong();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        WritableByteChannel counted = new WritableByteChannel() {
            private boolean open = true;

            @Override
            public int write(ByteBuffer src) {
                writes.incrementAndGet();
                int n = src.remaining();
                byte[] bytes = new byte[n];
                src.get(bytes);
                synchronized (received) {
                    received.writeBytes(bytes);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            graph.read(input).rawLines().to(graph.write("counted", counted));
            Plan plan = graph.compile();
            graph.run();
            assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
            long total = Files.size(input);
            assertThat(received.toByteArray()).isEqualTo(Files.readAllBytes(input));
            // A hand-off is a gathered chunk (three quarters full at least) or what one round moved
            // (about a chunk, N15): a few writes for 20,000 lines, not one per line (N16).
            long chunk = catalyst.config().chunkSize();
            long rounds = catalyst.stats().rounds();
            assertThat(writes.get()).as("writes for %d lines of 14 bytes", LINES)
                .isLessThanOrEqualTo(total / (chunk * 3 / 4) + rounds + 1).isLessThan(LINES / 500);
        }
    }

    @Test
    void n15_aRoundOfShortLinesMovesAboutAChunk() throws Exception {
        Path input = lines();
        Path output = dir.resolve("copy");
        try (Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            graph.read(input).rawLines().to(graph.write(output));
            graph.run();
            long rounds = catalyst.stats().rounds();
            // 20,000 lines: 16 moves a round would take 1,250 rounds; a chunk's worth a round, a handful.
            assertThat(rounds).as("rounds for %d lines", LINES).isLessThan(LINES / 16 / 10);
        }
        assertThat(Files.readAllBytes(output)).isEqualTo(Files.readAllBytes(input));
    }

    @Test
    void n3_n16_gatheringIntoASocketStaysWithinThePlansBound() throws Exception {
        Path input = lines();
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept();
             Catalyst catalyst = Catalyst.open()) {
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> done = graph.read(input).rawLines().map(line -> line).to(graph.write(accepted));
            Plan plan = graph.compile();
            graph.start();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(1024); // a slow reader: the socket fills, the sink holds what it gathered
            client.configureBlocking(false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!done.isDone() || got.size() < Files.size(input)) {
                assertThat(System.nanoTime()).as("all bytes arrive").isLessThan(deadline);
                catalyst.runOnce(1);
                assertThat(catalyst.retainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
                int n = client.read(buffer.clear());
                if (n > 0) {
                    got.write(buffer.array(), 0, n);
                }
            }
            assertThat(catalyst.peakRetainedBytes()).isPositive().isLessThanOrEqualTo(plan.retainedBound());
            assertThat(got.toByteArray()).isEqualTo(Files.readAllBytes(input));
        }
    }
}
