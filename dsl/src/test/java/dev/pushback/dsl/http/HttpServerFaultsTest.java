package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.internal.Core;

/**
 * Faults on real sockets (issue 9 section 3, in part): a client that resets mid-body fails its
 * exchange only; a client that half-closes still gets its whole response; random garbage never
 * gets a 2xx. The server echoes bodies.
 */
class HttpServerFaultsTest {
    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();
    private static Catalyst catalyst;
    private static HttpServer server;
    private static Thread loop;

    @BeforeAll
    static void start() throws Exception {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("faults").withErrors((what, cause) -> REPORTS.add(what)));
        server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults().withWorkers(1))
            .each(HttpServerTest::echo);
        loop = new Thread(catalyst::loop, "faults");
        loop.start();
    }

    @AfterAll
    static void stop() throws Exception {
        catalyst.close();
        loop.join(10_000);
    }

    @Test
    void aClientThatResetsMidBodyFailsItsExchangeOnlyAndGivesItsBuffersBack() throws Exception {
        long lentBefore = catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS);
        int reportsBefore = REPORTS.size();
        byte[] body = new byte[1 << 20];
        new Random(9).nextBytes(body);
        try (SocketChannel steady = SocketChannel.open(server.address());
             SocketChannel quitter = SocketChannel.open(server.address())) {
            quitter.write(ByteBuffer.wrap("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\npart of it"
                .getBytes(StandardCharsets.ISO_8859_1)));
            readSome(quitter, "part of it"); // the exchange is in flight: its echo has begun
            quitter.setOption(StandardSocketOptions.SO_LINGER, 0);
            quitter.close(); // a reset, mid-body

            String head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
            Thread writer = new Thread(() -> {
                try {
                    steady.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)));
                    ByteBuffer out = ByteBuffer.wrap(body);
                    while (out.hasRemaining()) {
                        steady.write(out);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            byte[] reply = readAll(steady);
            writer.join(30_000);
            String text = new String(reply, StandardCharsets.ISO_8859_1);
            int start = text.indexOf("\r\n\r\n") + 4;
            assertThat(text).startsWith("HTTP/1.1 200 ");
            assertThat(java.util.Arrays.copyOfRange(reply, start, reply.length)).as("the other exchange, byte for byte").isEqualTo(body);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS) > lentBefore
                || server.peakConnections() > 0 && catalyst.submit(() -> catalyst.retainedBytes()).get(30, TimeUnit.SECONDS) > 0) {
            assertThat(System.nanoTime()).as("buffers and retained bytes back").isLessThan(deadline);
        }
        catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
        assertThat(REPORTS.subList(reportsBefore, REPORTS.size())).as("the reset exchange's fiber failed once, at most")
            .hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void aClientThatHalfClosesGetsItsWholeResponse() throws Exception {
        byte[] body = new byte[200_000];
        new Random(4).nextBytes(body);
        try (SocketChannel client = SocketChannel.open(server.address())) {
            client.write(ByteBuffer.wrap(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1)));
            ByteBuffer out = ByteBuffer.wrap(body);
            while (out.hasRemaining()) {
                client.write(out);
            }
            client.shutdownOutput(); // done sending; still reading
            byte[] reply = readAll(client);
            String text = new String(reply, StandardCharsets.ISO_8859_1);
            int start = text.indexOf("\r\n\r\n") + 4;
            assertThat(text).startsWith("HTTP/1.1 200 ");
            assertThat(java.util.Arrays.copyOfRange(reply, start, reply.length)).isEqualTo(body);
        }
    }

    @Test
    void randomGarbageNeverGetsA2xx() throws Exception {
        Random random = new Random(12345);
        for (int i = 0; i < 60; i++) {
            byte[] garbage = new byte[1 + random.nextInt(600)];
            random.nextBytes(garbage);
            if (i % 3 == 0) { // something that starts like a request
                byte[] start = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1);
                System.arraycopy(start, 0, garbage, 0, Math.min(start.length, garbage.length));
            }
            try (SocketChannel client = SocketChannel.open(server.address())) {
                try {
                    client.write(ByteBuffer.wrap(garbage));
                    client.shutdownOutput();
                } catch (IOException refusedAlready) {
                    // the server may have answered and closed before all of it was written
                }
                String reply = new String(readAll(client), StandardCharsets.ISO_8859_1);
                assertThat(reply).as("garbage %d", i).doesNotStartWith("HTTP/1.1 2");
                if (!reply.isEmpty()) {
                    assertThat(reply).as("garbage %d", i).matches("(?s)HTTP/1\\.1 [45]\\d\\d .*");
                }
            }
        }
    }

    private static void readSome(SocketChannel client, String until) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (!got.toString(StandardCharsets.ISO_8859_1).contains(until)) {
            assertThat(client.read(buffer.clear())).as("closed before " + until).isPositive();
            got.write(buffer.array(), 0, buffer.position());
        }
    }

    private static byte[] readAll(SocketChannel client) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (client.read(buffer.clear()) > 0) {
                got.write(buffer.array(), 0, buffer.position());
            }
        } catch (IOException reset) {
            // what was read counts
        }
        return got.toByteArray();
    }
}
