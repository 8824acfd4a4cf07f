package dev.pushback.dsl.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.TlsEndpoints;
import dev.pushback.catalyst.internal.Core;
import dev.pushback.compiler.Plan;
import dev.pushback.dsl.Graph;

/**
 * The TLS endpoints in graphs (DESIGN N18): their bits, the handshake under negotiation in both
 * modes, close_notify both ways, the deadline, and the memory they hold (N3).
 */
class TlsEndpointsTest {
    private static final Duration HANDSHAKE = Duration.ofSeconds(30);

    @TempDir
    static Path keys;
    private static TlsServerConfig server;
    private static TlsClientConfig client;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeKeys() throws Exception {
        assumeTrue(OpenSsl.available(), "no openssl binary");
        OpenSsl openssl = OpenSsl.ca(keys);
        server = TlsServerConfig.fromPem(openssl.ecLeaf("server"), openssl.file("server.key"));
        client = TlsClientConfig.trusting(openssl.file("ca.pem"));
    }

    /** Runs the catalyst's loop on a thread of its own until it is closed, with nothing open or not. */
    private static Thread run(Catalyst catalyst) {
        dev.pushback.catalyst.spi.Reactor reactor = dev.pushback.catalyst.spi.Reactor.of(catalyst);
        catalyst.execute(reactor::handleRetainLoop);
        Thread loop = new Thread(catalyst::loop, catalyst.config().name());
        loop.start();
        return loop;
    }

    /**
     * An echo graph on a TLS endpoint against a client driving its own engine. With 1 KiB chunks
     * each 16 KiB record is decrypted into the held buffer and given a chunk at a time: bytes the
     * selector cannot see, which the source's bit must count or the echo stalls.
     */
    @ParameterizedTest
    @ValueSource(ints = {1024, Catalyst.DEFAULT_CHUNK_SIZE})
    void anEchoGraphOverTlsIsByteIdenticalEndsWithCloseNotifyAndStaysInItsBound(int chunkSize) throws Exception {
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("tls-echo").withChunkSize(chunkSize));
        Thread loop = run(catalyst);
        try (catalyst; ServerSocketChannel listening = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            long lentBefore = catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS);
            BlockingTlsClient peer = BlockingTlsClient.open((InetSocketAddress) listening.getLocalAddress(),
                client.newEngine("localhost", 1));
            SocketChannel accepted = listening.accept();
            TlsEndpoints tls = TlsEndpoints.of(catalyst, accepted, server.newEngine(), HANDSHAKE);
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> echoed = graph.from(tls.source()).to(tls.sink());
            Plan plan = graph.compile();
            graph.start();
            assertThat(catalyst.submit(() -> tls.source().handleInterestOps()).get(30, TimeUnit.SECONDS))
                .as("waiting for the client hello: reads only").isEqualTo(SelectionKey.OP_READ);

            peer.handshake();
            byte[] data = new byte[1 << 20];
            new Random(chunkSize).nextBytes(data);
            Thread writer = new Thread(() -> {
                try {
                    peer.write(data);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            assertThat(peer.read(data.length)).as("echoed byte for byte").isEqualTo(data);
            writer.join(30_000);
            assertThat(catalyst.submit(() -> tls.source().handleInterestOps()).get(30, TimeUnit.SECONDS))
                .as("idle: waiting to read, never registered for a write it does not need (N2)").isEqualTo(SelectionKey.OP_READ);

            peer.closeNotify(); // the source ends, the echo ends, the sink finishes with its own close_notify
            assertThat(peer.readToEnd()).isEmpty();
            assertThat(peer.closeNotifyReceived()).isTrue();
            echoed.get(30, TimeUnit.SECONDS);
            peer.close();

            long owned = tls.source().ownedBufferBytes() + tls.sink().ownedBufferBytes();
            assertThat(owned).as("the read chunk and three record buffers").isGreaterThanOrEqualTo(chunkSize + 3L * 16_384);
            assertThat(plan.memoryBound()).isGreaterThanOrEqualTo(plan.retainedBound() + owned);
            assertThat(catalyst.stats().peakRetainedBytes()).as("N3: held records and bytes within the plan's bound")
                .isPositive().isLessThanOrEqualTo(plan.retainedBound());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS) > lentBefore
                    || catalyst.submit(catalyst::retainedBytes).get(30, TimeUnit.SECONDS) > 0) {
                assertThat(System.nanoTime()).as("buffers and retained bytes back").isLessThan(deadline);
            }
        }
        loop.join(10_000);
    }

    /**
     * Both ends in one catalyst: a client endpoint sends a file through a server's echo and writes
     * what comes back to another. Each handshake waits for the other side's records under
     * negotiation; the end of the file is a close_notify each way.
     */
    @Test
    void aClientAndAServerEndpointInOneCatalystCopyAFileThroughAnEcho() throws Exception {
        byte[] data = new byte[4 << 20];
        new Random(3).nextBytes(data);
        Path in = Files.write(dir.resolve("in"), data);
        Path out = dir.resolve("out");
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("tls-both"));
        Thread loop = run(catalyst);
        try (catalyst; ServerSocketChannel listening = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            SocketChannel outgoing = SocketChannel.open(listening.getLocalAddress());
            SocketChannel accepted = listening.accept();
            TlsEndpoints serverSide = TlsEndpoints.of(catalyst, accepted, server.newEngine(), HANDSHAKE);
            TlsEndpoints clientSide = TlsEndpoints.of(catalyst, outgoing, client.newEngine("localhost", 443), HANDSHAKE);
            Graph echo = Graph.on(catalyst);
            CompletableFuture<Void> echoed = echo.from(serverSide.source()).to(serverSide.sink());
            Graph copy = Graph.on(catalyst);
            CompletableFuture<Void> sent = copy.read(in).to(clientSide.sink());
            CompletableFuture<Void> received = copy.from(clientSide.source()).to(copy.write(out));
            echo.start();
            copy.start();
            CompletableFuture.allOf(echoed, sent, received).get(60, TimeUnit.SECONDS);
            assertThat(Files.readAllBytes(out)).isEqualTo(data);
        }
        loop.join(10_000);
    }

    @Test
    void aHandshakeNotDoneByTheDeadlineFailsTheGraphOnTheCatalystsClock() throws Exception {
        CachedNanoClock clock = new CachedNanoClock();
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("tls-deadline").withClock(clock)
            .withErrors((what, cause) -> { }));
        Thread loop = run(catalyst);
        try (catalyst; ServerSocketChannel listening = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel silent = SocketChannel.open(listening.getLocalAddress())) {
            TlsEndpoints tls = TlsEndpoints.of(catalyst, listening.accept(), server.newEngine(), Duration.ofMillis(500));
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> echoed = graph.from(tls.source()).to(tls.sink());
            graph.start();
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            assertThat(echoed).isNotDone();
            clock.advance(Duration.ofMillis(610).toNanos());
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // wakes the loop: the deadline is due
            try {
                echoed.get(30, TimeUnit.SECONDS);
                throw new AssertionError("the echo should have failed");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("not complete within 500 ms");
            }
            assertThat(silent.read(java.nio.ByteBuffer.allocate(16))).as("closed").isEqualTo(-1);
        }
        loop.join(10_000);
    }
}
