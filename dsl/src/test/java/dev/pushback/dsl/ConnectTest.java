package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.catalyst.endpoint.SocketEndpoints;

/**
 * DESIGN N17, negotiated connect, on real sockets on loopback: nothing moves through a connecting
 * socket until it is connected; names are looked up off the catalyst thread; a refused,
 * unresolvable or timed-out connect fails the fibers that use it, once, naming the address, and
 * nothing else; a connected socket half-closes both ways. The catalyst is driven by the test
 * thread (no sleeps); timers run on a clock the test moves.
 */
@Timeout(120)
class ConnectTest {
    private static final int MIB = 1 << 20;
    private static final int ROUNDS = 200_000;

    @TempDir
    Path dir;

    /** What the catalyst reported: what failed, and why. */
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final List<Throwable> causes = new CopyOnWriteArrayList<>();

    private Catalyst open(Catalyst.Config config) {
        return Catalyst.open(config.withName("connect").withErrors((what, cause) -> {
            reports.add(what + ": " + cause);
            causes.add(cause);
        }));
    }

    private Catalyst open() {
        return open(Catalyst.Config.defaults());
    }

    private Path random(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    private static Listener echo(Catalyst catalyst) throws IOException {
        return Listener.open(catalyst, new InetSocketAddress("127.0.0.1", 0), 64,
            (graph, connection) -> graph.from(connection.source()).to(connection.sink()));
    }

    /** {@code in} to the connection, what comes back to {@code out}: the graph's future. */
    private static CompletableFuture<Void> copyThrough(Graph graph, Connection connection, Path in, Path out) throws IOException {
        graph.read(in).to(connection.sink());
        graph.from(connection.source()).to(graph.write(out));
        return graph.start();
    }

    /** Stops the listener before its catalyst closes, which would fail its accept fiber. */
    private static void stop(Catalyst catalyst, Listener listener) {
        listener.close();
        Drive.until(catalyst, 10_000, () -> listener.done().isDone());
    }

    /** A port that was just bound and closed again: nobody listens there. */
    private static int closedPort() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        }
    }

    private static Throwable failure(CompletableFuture<?> future) {
        return future.handle((ok, failure) -> failure).join();
    }

    @Test
    void n17_aFileCopiedToAnEchoServerAndBackIsByteIdentical() throws Exception {
        Path in = random("in", 4 * MIB, 1);
        Path out = dir.resolve("out");
        try (Catalyst catalyst = open()) {
            Listener listener = echo(catalyst);
            Graph graph = Graph.on(catalyst);
            Connection server = graph.connect(listener.address());
            assertThat(server.remoteAddress()).isEqualTo(listener.address());
            CompletableFuture<Void> done = copyThrough(graph, server, in, out);
            Drive.until(catalyst, ROUNDS, done::isDone);
            assertThat(done).isCompleted();
            assertThat(Files.mismatch(in, out)).as("the copy is byte-identical").isEqualTo(-1L);
            stop(catalyst, listener);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void n17_aRefusedConnectFailsItsFibersOnceNamingTheAddressAndTheCatalystGoesOn() throws Exception {
        int port = closedPort();
        Path in = random("in", 256 * 1024, 2);
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            Connection nobody = graph.connect(new InetSocketAddress("127.0.0.1", port));
            CompletableFuture<Void> sent = graph.read(in).to(nobody.sink());
            CompletableFuture<Long> received = graph.from(nobody.source()).count();
            CompletableFuture<Void> done = graph.start();
            Drive.until(catalyst, ROUNDS, done::isDone);

            Throwable refused = failure(done);
            assertThat(refused).isInstanceOf(ConnectException.class).hasMessage("connect to 127.0.0.1:" + port + " refused");
            assertThat(failure(nobody.source().closed())).as("the source fails with it").isSameAs(refused);
            assertThat(failure(nobody.sink().closed())).as("and so does the sink").isSameAs(refused);
            assertThat(failure(received)).isSameAs(refused);
            assertThat(sent).isCompletedExceptionally();
            assertThat(causes).as("reported once: %s", reports).containsExactly(refused);

            Path copy = dir.resolve("copy");
            Graph other = Graph.on(catalyst);
            CompletableFuture<Void> copied = other.read(in).to(other.write(copy));
            other.start();
            Drive.until(catalyst, ROUNDS, copied::isDone);
            assertThat(copied).as("the catalyst goes on").isCompleted();
            assertThat(Files.mismatch(in, copy)).isEqualTo(-1L);
        }
        assertThat(causes).hasSize(1);
    }

    @Test
    void n17_anUnresolvableNameFailsWithTheName() throws Exception {
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            Connection nowhere = graph.connect(InetSocketAddress.createUnresolved("no-such-host.invalid", 80));
            graph.from(nowhere.source()).count();
            graph.read(random("in", 1024, 3)).to(nowhere.sink());
            CompletableFuture<Void> done = graph.start();
            Drive.until(catalyst, 6_000, done::isDone); // the system's resolver, bounded at a minute
            Throwable unknown = failure(done);
            assertThat(unknown).isInstanceOf(UnknownHostException.class).hasMessage("cannot resolve no-such-host.invalid");
            assertThat(causes).as("reported once: %s", reports).containsExactly(unknown);
            // Looked up on a resolver thread: the JDK's failure was made there, not in a round of the catalyst.
            assertThat(unknown.getCause()).isInstanceOf(UnknownHostException.class);
            assertThat(unknown.getCause().getStackTrace()).noneMatch(frame -> frame.getClassName().startsWith("dev.pushback.catalyst.internal"));
        }
    }

    @Test
    void n17_aLookupThatTakesLongNeverHoldsTheCatalystBack() throws Exception {
        // The lookup is held back by the test's own resolver: while it waits, the catalyst runs
        // tasks and other graphs, and the connection's sides stay unavailable.
        List<Runnable> lookups = new CopyOnWriteArrayList<>();
        Path in = random("in", 512 * 1024, 4);
        try (Catalyst catalyst = open()) {
            SocketEndpoints socket = SocketEndpoints.connect(catalyst, InetSocketAddress.createUnresolved("no-such-host.invalid", 80),
                ConnectOptions.defaults(), lookups::add);
            Graph graph = Graph.on(catalyst);
            int[] moved = {0};
            graph.read(in).map(chunk -> {
                moved[0]++;
                return chunk;
            }).to(socket.sink());
            CompletableFuture<Long> received = graph.from(socket.source()).count();
            CompletableFuture<Void> done = graph.start();
            Drive.until(catalyst, 1_000, () -> !lookups.isEmpty());

            CompletableFuture<String> task = catalyst.submit(() -> "ran");
            Path copy = dir.resolve("copy");
            Graph other = Graph.on(catalyst);
            CompletableFuture<Void> copied = other.read(in).to(other.write(copy));
            other.start();
            Drive.until(catalyst, ROUNDS, () -> task.isDone() && copied.isDone());
            assertThat(task).isCompletedWithValue("ran");
            assertThat(copied).isCompleted();
            assertThat(done).as("still looking up").isNotDone();
            assertThat(received).isNotDone();
            assertThat(Drive.read(catalyst, () -> moved[0])).as("nothing moves into a socket not connected").isZero();

            Thread resolver = new Thread(lookups.get(0), "test-resolver");
            resolver.start();
            resolver.join(60_000);
            Drive.until(catalyst, 1_000, done::isDone);
            assertThat(failure(done)).isInstanceOf(UnknownHostException.class).hasMessage("cannot resolve no-such-host.invalid");
            assertThat(moved[0]).isZero();
        }
        assertThat(causes).hasSize(1);
    }

    @Test
    @EnabledOnOs(OS.LINUX) // reads the listening socket's accept queue from /proc
    void n17_aConnectThatHangsTimesOutOnTheCatalystsClock() throws Exception {
        // A connect that cannot complete, on loopback alone: a listener with a backlog of 1 that
        // never accepts holds two connections in its accept queue (Linux allows backlog + 1);
        // with the queue full, the kernel drops every further SYN, so the next connect stays in
        // SYN_SENT, retrying, for as long as the queue stays full — which is forever here. The
        // test waits until /proc shows the two queued, so the catalyst's connect is the third.
        // The timeout itself runs on a clock the test moves: no real time needs to pass.
        CachedNanoClock clock = new CachedNanoClock();
        List<SocketChannel> queued = new ArrayList<>();
        try (ServerSocketChannel full = ServerSocketChannel.open();
             Catalyst catalyst = open(Catalyst.Config.defaults().withClock(clock))) {
            full.bind(new InetSocketAddress("127.0.0.1", 0), 1);
            int port = ((InetSocketAddress) full.getLocalAddress()).getPort();
            for (int i = 0; i < 2; i++) {
                queued.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (acceptQueue(port) < 2) {
                assertThat(System.nanoTime()).as("the accept queue fills").isLessThan(deadline);
                Thread.onSpinWait();
            }

            Graph graph = Graph.on(catalyst);
            Connection hung = graph.connect(new InetSocketAddress("127.0.0.1", port),
                ConnectOptions.defaults().withConnectTimeout(Duration.ofSeconds(2)));
            int[] moved = {0};
            graph.read(random("in", 64 * 1024, 5)).map(chunk -> {
                moved[0]++;
                return chunk;
            }).to(hung.sink());
            graph.from(hung.source()).count();
            CompletableFuture<Void> done = graph.start();
            Drive.rounds(catalyst, 20);
            assertThat(synSent(port)).as("the connect waits in SYN_SENT").isEqualTo(1);

            clock.advance(Duration.ofMillis(1_990).toNanos());
            Drive.rounds(catalyst, 20);
            assertThat(done).as("not before its timeout, on the catalyst's clock").isNotDone();
            assertThat(Drive.read(catalyst, () -> moved[0])).as("nothing moves before the connect").isZero();

            clock.advance(Duration.ofMillis(20).toNanos()); // past 2 s and the timer wheel's tick
            Drive.until(catalyst, 1_000, done::isDone);
            Throwable timedOut = failure(done);
            assertThat(timedOut).isInstanceOf(SocketTimeoutException.class)
                .hasMessage("connect to 127.0.0.1:" + port + " timed out after 2 s");
            assertThat(failure(hung.sink().closed())).isSameAs(timedOut);
            assertThat(failure(hung.source().closed())).isSameAs(timedOut);
            assertThat(causes).as("reported once: %s", reports).containsExactly(timedOut);
            assertThat(moved[0]).isZero();
            Drive.rounds(catalyst, 2);
            assertThat(synSent(port)).as("the socket is closed").isZero();
        } finally {
            for (SocketChannel channel : queued) {
                channel.close();
            }
        }
    }

    /** The accept queue of the socket listening on {@code port}: rx_queue of its LISTEN line. */
    private static int acceptQueue(int port) throws IOException {
        for (String[] fields : tcpLines()) {
            if (localPort(fields) == port && fields[3].equals("0A")) {
                return Integer.parseInt(fields[4].substring(fields[4].indexOf(':') + 1), 16);
            }
        }
        return -1;
    }

    /** Sockets connecting to {@code port} that wait in SYN_SENT. */
    private static int synSent(int port) throws IOException {
        int count = 0;
        for (String[] fields : tcpLines()) {
            String remote = fields[2];
            if (Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16) == port && fields[3].equals("02")) {
                count++;
            }
        }
        return count;
    }

    private static int localPort(String[] fields) {
        return Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16);
    }

    private static List<String[]> tcpLines() throws IOException {
        List<String[]> lines = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path path = Path.of("/proc/self/net", table);
            if (Files.exists(path)) {
                List<String> all = Files.readAllLines(path);
                for (String line : all.subList(1, all.size())) {
                    lines.add(line.trim().split("\\s+"));
                }
            }
        }
        return lines;
    }

    @Test
    void n17_aPeerThatResetsMidStreamFailsOnlyThatConnection() throws Exception {
        Path big = random("big", 4 * MIB, 6);
        Path in = random("in", MIB, 7);
        Path out = dir.resolve("out");
        try (ServerSocketChannel resetting = ServerSocketChannel.open(); Catalyst catalyst = open()) {
            resetting.bind(new InetSocketAddress("127.0.0.1", 0));
            // The peer reads 256 KiB of the 4 MiB, then closes with SO_LINGER 0: an RST.
            CompletableFuture<Long> reset = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel peer = resetting.accept()) {
                    long read = 0;
                    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                    while (read < 256 * 1024) {
                        int n = peer.read(buffer.clear());
                        if (n < 0) {
                            break;
                        }
                        read += n;
                    }
                    peer.setOption(StandardSocketOptions.SO_LINGER, 0);
                    return read;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Listener listener = echo(catalyst);

            Graph doomed = Graph.on(catalyst);
            Connection resetter = doomed.connect(resetting.getLocalAddress());
            doomed.read(big).to(resetter.sink());
            doomed.from(resetter.source()).count();
            CompletableFuture<Void> doomedDone = doomed.start();
            Graph healthy = Graph.on(catalyst);
            CompletableFuture<Void> healthyDone = copyThrough(healthy, healthy.connect(listener.address()), in, out);

            Drive.until(catalyst, ROUNDS, () -> doomedDone.isDone() && healthyDone.isDone());
            assertThat(reset.join()).isGreaterThanOrEqualTo(256 * 1024);
            assertThat(failure(doomedDone)).isInstanceOf(IOException.class);
            assertThat(healthyDone).as("the other connection is not touched: %s", reports).isCompleted();
            assertThat(Files.mismatch(in, out)).isEqualTo(-1L);
            // One failure per direction of the reset socket at most: a read and a write that failed.
            assertThat(causes).as("%s", reports).hasSizeBetween(1, 2).allMatch(cause -> cause instanceof IOException);
            assertThat(reports).noneMatch(report -> report.contains(listener.address().getPort() + " "));
            stop(catalyst, listener);
        }
    }

    @Test
    void n17_sixteenConnectsAtOnceToOneServerEachEchoByteIdentical() throws Exception {
        int count = 16;
        try (Catalyst catalyst = open()) {
            Listener listener = echo(catalyst);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            List<Path> ins = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Path in = random("in" + i, 256 * 1024 + i, 100 + i);
                ins.add(in);
                Graph graph = Graph.on(catalyst);
                done.add(copyThrough(graph, graph.connect(listener.address()), in, dir.resolve("out" + i)));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(done.toArray(new CompletableFuture[0]));
            Drive.until(catalyst, ROUNDS, all::isDone);
            assertThat(all).isCompleted();
            for (int i = 0; i < count; i++) {
                assertThat(Files.mismatch(ins.get(i), dir.resolve("out" + i))).as("connection %d", i).isEqualTo(-1L);
            }
            assertThat(Drive.read(catalyst, listener::peakConnections)).isBetween(1, count);
            stop(catalyst, listener);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void halfClose_theEndOfTheFeedShutsDownOutputAndTheWholeReplyStillComesBack() throws Exception {
        // The server answers only once it has read the end of the request: the client's FIN,
        // which the end of its feed into the socket sends, with the socket still open to read.
        Path request = random("request", MIB, 8);
        Path reply = random("reply", 2 * MIB, 9);
        Path received = dir.resolve("received");
        try (ServerSocketChannel server = ServerSocketChannel.open(); Catalyst catalyst = open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<byte[]> requestDigest = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel peer = server.accept()) {
                    byte[] digest = readToEnd(peer);
                    ByteBuffer answer = ByteBuffer.wrap(Files.readAllBytes(reply));
                    while (answer.hasRemaining()) {
                        peer.write(answer);
                    }
                    return digest;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> done = copyThrough(graph, graph.connect(server.getLocalAddress()), request, received);
            Drive.until(catalyst, ROUNDS, done::isDone);
            assertThat(done).isCompleted();
            assertThat(requestDigest.join()).as("the server read the whole request, then its end").isEqualTo(sha256(request));
            assertThat(Files.mismatch(reply, received)).as("the whole reply came back after the FIN").isEqualTo(-1L);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void halfClose_thePeersFinEndsTheFeedWhileTheSinkStillWrites() throws Exception {
        // The server says hello and shuts down its output at once, but reads nothing until the
        // client's feed from the socket has ended; small socket buffers keep the 4 MiB the client
        // sends from fitting in them, so the client's sink is still writing when its feed ends.
        Path request = random("request", 4 * MIB, 10);
        CountDownLatch feedEnded = new CountDownLatch(1);
        try (ServerSocketChannel server = ServerSocketChannel.open(); Catalyst catalyst = open()) {
            server.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024); // accepted sockets inherit it
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<byte[]> requestDigest = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel peer = server.accept()) {
                    peer.write(ByteBuffer.wrap("hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                    peer.shutdownOutput();
                    feedEnded.await();
                    return readToEnd(peer);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Graph graph = Graph.on(catalyst);
            Connection connection = graph.connect(server.getLocalAddress(), ConnectOptions.defaults().withSendBufferSize(64 * 1024));
            CompletableFuture<Void> sent = graph.read(request).to(connection.sink());
            CompletableFuture<List<String>> greeting = graph.from(connection.source()).lines().collect(java.util.stream.Collectors.toList());
            CompletableFuture<Void> done = graph.start();
            Drive.until(catalyst, ROUNDS, greeting::isDone);
            assertThat(greeting.join()).containsExactly("hello");
            assertThat(sent).as("the sink still writes after the feed from the socket ended").isNotDone();
            assertThat(connection.sink().closed()).isNotDone();
            feedEnded.countDown();
            Drive.until(catalyst, ROUNDS, done::isDone);
            assertThat(done).isCompleted();
            assertThat(requestDigest.join()).as("the server read all 4 MiB").isEqualTo(sha256(request));
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void halfClose_aFeedThatFailsBeforeTheConnectIsMadeShutsDownOutputOnceItIs() throws Exception {
        // A shutdown needs a connection: the sink's side closes early, the FIN goes once connected,
        // and the socket's feed still gets the server's answer.
        List<Runnable> lookups = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(); Catalyst catalyst = open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> {
                try (SocketChannel peer = server.accept()) {
                    long read = 0;
                    ByteBuffer buffer = ByteBuffer.allocate(1024);
                    for (int n; (n = peer.read(buffer.clear())) >= 0; ) {
                        read += n;
                    }
                    peer.write(ByteBuffer.wrap(("read " + read).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            SocketEndpoints socket = SocketEndpoints.connect(catalyst, InetSocketAddress.createUnresolved("127.0.0.1", port),
                ConnectOptions.defaults(), lookups::add);
            java.util.concurrent.SubmissionPublisher<ByteBuffer> upstream = new java.util.concurrent.SubmissionPublisher<>();
            Graph graph = Graph.on(catalyst);
            graph.from(upstream).to(socket.sink());
            CompletableFuture<String> reply = graph.from(socket.source()).decode(java.nio.charset.StandardCharsets.US_ASCII)
                .collect(java.util.stream.Collectors.joining());
            graph.start();
            Drive.until(catalyst, 1_000, () -> !lookups.isEmpty());
            upstream.closeExceptionally(new IOException("upstream broke"));
            Drive.until(catalyst, 10_000, () -> socket.sink().closed().isDone());
            assertThat(failure(socket.sink().closed())).hasMessage("upstream broke");

            Thread resolver = new Thread(lookups.get(0), "test-resolver");
            resolver.start();
            resolver.join(60_000);
            Drive.until(catalyst, ROUNDS, reply::isDone);
            assertThat(reply.join()).as("the server read the end of the stream, and answered").isEqualTo("read 0");
            answered.join();
        }
        assertThat(causes).extracting(Throwable::getMessage).containsExactly("upstream broke");
    }

    /** Reads {@code peer} to its end of stream; the SHA-256 of what it read. */
    private static byte[] readToEnd(SocketChannel peer) throws IOException {
        MessageDigest digest = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (peer.read(buffer.clear()) >= 0) {
            digest.update(buffer.flip());
        }
        return digest.digest();
    }

    private static byte[] sha256(Path file) throws IOException {
        return sha256().digest(Files.readAllBytes(file));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
