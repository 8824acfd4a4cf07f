package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.dsl.Connection;
import dev.pushback.dsl.Graph;
import dev.pushback.dsl.tls.BlockingTlsClient;
import dev.pushback.dsl.tls.OpenSsl;
import dev.pushback.dsl.tls.TlsClientConfig;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * The echo server over TLS (DESIGN N18) against real peers on loopback: curl, the JDK's
 * HttpClient and SSLSocket, openssl s_client, and a client driving its own engine; a client that
 * reads nothing of a large download, which holds the server within its plan's bound (N3) until it
 * reads or its idle timeout closes it; and the connections that go wrong — plaintext to the TLS
 * port, a handshake never finished, a peer that leaves without close_notify, a renegotiation, an
 * expired certificate — each fail alone while the next client is served.
 */
class HttpsServerTest {
    @TempDir
    static Path keys;
    private static OpenSsl openssl;
    private static TlsServerConfig tls;
    private static TlsClientConfig trusting;

    @TempDir
    Path dir;

    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final List<Catalyst> catalysts = new ArrayList<>();
    private final List<Thread> loops = new ArrayList<>();

    @BeforeAll
    static void makeKeys() throws Exception {
        assumeTrue(OpenSsl.available(), "no openssl binary");
        openssl = OpenSsl.ca(keys);
        tls = TlsServerConfig.fromPem(openssl.rsaLeaf("server"), openssl.file("server.key"));
        trusting = TlsClientConfig.trusting(openssl.file("ca.pem"));
    }

    /** An echo server with {@code tls} on a catalyst of its own, with {@code config}; one worker, so tests can drive its clock. */
    private HttpServer serve(Catalyst.Config config, TlsServerConfig tls, HttpServer.Options options) throws IOException {
        return serve(config, tls, options, HttpServerTest::echo);
    }

    /** A server with {@code handler} and {@code tls} on a catalyst of its own, with {@code config}; one worker. */
    private HttpServer serve(Catalyst.Config config, TlsServerConfig tls, HttpServer.Options options, HttpServer.Handler handler)
            throws IOException {
        Catalyst catalyst = Catalyst.open(config.withErrors((what, cause) -> reports.add(what + ": " + cause)));
        HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0), options.withWorkers(1).withTls(tls))
            .each(handler);
        Thread loop = new Thread(catalyst::loop, "https");
        loop.start();
        catalysts.add(catalyst);
        loops.add(loop);
        return server;
    }

    private HttpServer serve() throws IOException {
        return serve(Catalyst.Config.defaults().withName("https"), tls, HttpServer.Options.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        for (Catalyst catalyst : catalysts) {
            catalyst.close();
        }
        for (Thread loop : loops) {
            loop.join(10_000);
        }
    }

    private static String https(HttpServer server) {
        return "https://localhost:" + server.address().getPort() + "/echo";
    }

    /** curl with the CA, localhost pinned to the address the server listens on. */
    private List<String> curl(HttpServer server, String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "--cacert", openssl.file("ca.pem").toString(),
            "--resolve", "localhost:" + server.address().getPort() + ":127.0.0.1"));
        command.addAll(List.of(args));
        return command;
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("%s ends", command).isTrue();
        assertThat(process.exitValue()).as("%s: %s", command, output).isZero();
        return output;
    }

    // ---------------------------------------------------------------- real clients

    @Test
    void curlGetsAndSendsSeveralRequestsOnOneConnection() throws Exception {
        HttpServer server = serve();
        String url = https(server);
        assertThat(run(curl(server, url))).isEqualTo("Hello, World!");
        assertThat(run(curl(server, "-w", "[%{num_connects} %{http_code} %{ssl_verify_result}]", url, url, url)))
            .isEqualTo("Hello, World![1 200 0]Hello, World![0 200 0]Hello, World![0 200 0]"); // one handshake, kept alive
    }

    @Test
    void curlUploadsTenMebibytesAndGetsThemBackByteForByteWithAndWithoutChunking() throws Exception {
        HttpServer server = serve();
        byte[] data = new byte[10 << 20];
        new Random(10).nextBytes(data);
        Path file = Files.write(dir.resolve("upload"), data);
        for (List<String> extra : List.of(List.<String>of(), List.of("-H", "Transfer-Encoding: chunked"))) {
            List<String> command = curl(server, "--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream",
                "-o", dir.resolve("reply").toString());
            command.addAll(extra);
            command.add(https(server));
            run(command);
            assertThat(Files.readAllBytes(dir.resolve("reply"))).as("echo with %s", extra).isEqualTo(data);
        }
    }

    @Test
    void theJdkHttpClientWithItsOwnContextGetsAndPostsOnOneConnection() throws Exception {
        HttpServer server = serve();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .sslContext(trusting.sslContext()).sslParameters(trusting.sslParameters("127.0.0.1")).build();
        URI uri = URI.create("https://127.0.0.1:" + server.address().getPort() + "/echo"); // checked against the IP SAN
        var get = client.send(java.net.http.HttpRequest.newBuilder(uri).GET().build(), BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("Hello, World!");
        assertThat(get.sslSession()).hasValueSatisfying(session -> assertThat(session.getProtocol()).isEqualTo("TLSv1.3"));
        byte[] body = new byte[1 << 20];
        new Random(11).nextBytes(body);
        var post = client.send(java.net.http.HttpRequest.newBuilder(uri).POST(BodyPublishers.ofByteArray(body)).build(),
            BodyHandlers.ofByteArray());
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(post.body()).isEqualTo(body);
        assertThat(server.peakConnections()).as("kept alive").isEqualTo(1);
    }

    @Test
    void opensslSClientVerifiesTheChainAndGetsHttp11ByAlpnOnTls13And12() throws Exception {
        HttpServer server = serve();
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            List<String> command = List.of("openssl", "s_client", version, "-connect", "127.0.0.1:" + server.address().getPort(),
                "-servername", "localhost", "-verify_hostname", "localhost", "-CAfile", openssl.file("ca.pem").toString(),
                "-verify_return_error", "-alpn", "h2,http/1.1", "-ign_eof");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (var stdin = process.getOutputStream()) {
                stdin.write("GET /s_client HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(output).as(version).contains("Verify return code: 0 (ok)", "ALPN protocol: http/1.1",
                "HTTP/1.1 200 OK", "Hello, World!");
            assertThat(process.exitValue()).as(output).isZero();
        }
    }

    @Test
    void aConnectionClosedByTheServerEndsWithCloseNotify() throws Exception {
        HttpServer server = serve();
        try (BlockingTlsClient client = BlockingTlsClient.connect(server.address(), trusting.newEngine("localhost", 1))) {
            client.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            String reply = new String(client.readToEnd(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 200 OK").endsWith("Hello, World!");
            assertThat(client.closeNotifyReceived()).as("close_notify before the connection ended").isTrue();
        }
    }

    @Test
    void aClientThatSendsCloseNotifyAfterItsRequestStillGetsItsResponse() throws Exception {
        HttpServer server = serve();
        try (BlockingTlsClient client = BlockingTlsClient.connect(server.address(), trusting.newEngine("localhost", 1))) {
            client.write("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");
            client.closeNotify(); // TLS 1.3: a half-close, the way back stays open
            String reply = new String(client.readToEnd(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nhello");
            assertThat(client.closeNotifyReceived()).isTrue();
        }
    }

    // ---------------------------------------------------------------- connections that go wrong

    @Test
    void plaintextToTheTlsPortIsClosedAndReportedAndTheNextClientIsServed() throws Exception {
        HttpServer server = serve();
        try (SocketChannel plain = SocketChannel.open(server.address())) {
            plain.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(readToEndOrReset(plain)).as("no HTTP answer in plaintext").doesNotContain("HTTP/1.1");
        }
        awaitReport("TLS handshake failed with /127.0.0.1:");
        assertThat(run(curl(server, https(server)))).isEqualTo("Hello, World!");
    }

    @Test
    void aClientThatNeverFinishesItsHandshakeIsClosedAtTheDeadline() throws Exception {
        // The server's timers run on a clock the test moves: nothing waits for the deadline to pass.
        CachedNanoClock clock = new CachedNanoClock();
        Catalyst.Config config = Catalyst.Config.defaults().withName("deadline").withClock(clock);
        HttpServer server = serve(config, tls.withHandshakeTimeout(Duration.ofMillis(200)), HttpServer.Options.defaults());
        Catalyst catalyst = catalysts.get(0);
        try (SocketChannel silent = SocketChannel.open(server.address());
             BlockingTlsClient done = BlockingTlsClient.connect(server.address(), trusting.newEngine("localhost", 1));
             BlockingTlsClient halfway = BlockingTlsClient.open(server.address(), trusting.newEngine("localhost", 1))) {
            // A client hello cut short: the server has read some of a handshake, never all of it.
            halfway.socket().getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00});
            done.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(done.readUntil("Hello, World!")).startsWith("HTTP/1.1 200 OK");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.peakConnections() < 3) {
                assertThat(System.nanoTime()).as("all three accepted").isLessThan(deadline);
                catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            }
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // the half hello is read
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            assertThat(reports).isEmpty();
            clock.advance(Duration.ofMillis(310).toNanos()); // past the deadline and the wheel's tick
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // wakes the loop: the timers are due
            assertThat(readToEndOrReset(silent)).isEmpty();
            assertThat(halfway.socket().getInputStream().readAllBytes()).as("closed without a word").isEmpty();
            awaitReport("TLS handshake timed out with /127.0.0.1:");
            assertThat(reports).hasSize(2).allSatisfy(report -> assertThat(report).contains("not complete within 200 ms"));
            // The connection whose handshake was done has no deadline: it is served still.
            done.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(new String(done.readToEnd(), StandardCharsets.ISO_8859_1)).contains("Hello, World!");
        }
    }

    @Test
    void aPeerThatLeavesWithoutCloseNotifyFailsOnlyItsConnectionAndGivesItsBuffersBack() throws Exception {
        HttpServer server = serve();
        Catalyst catalyst = catalysts.get(0);
        long lentBefore = catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS);
        try (BlockingTlsClient steady = BlockingTlsClient.connect(server.address(), trusting.newEngine("localhost", 1));
             BlockingTlsClient quitter = BlockingTlsClient.connect(server.address(), trusting.newEngine("localhost", 1))) {
            steady.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(steady.readUntil("Hello, World!")).startsWith("HTTP/1.1 200 OK");
            quitter.write("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\npart of it");
            quitter.readUntil("part of it"); // the exchange is in flight: its echo has begun
            quitter.abort(); // no close_notify, mid-body

            byte[] body = new byte[1 << 20];
            new Random(12).nextBytes(body);
            steady.write("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n\r\n");
            steady.write(body);
            String reply = steady.readUntil("\r\n\r\n");
            byte[] echoed = steady.read(body.length);
            assertThat(reply).startsWith("HTTP/1.1 200 OK");
            assertThat(echoed).as("the other connection's echo, byte for byte").isEqualTo(body);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS) > lentBefore
                || catalyst.submit(catalyst::retainedBytes).get(30, TimeUnit.SECONDS) > 0) {
            assertThat(System.nanoTime()).as("buffers and retained bytes back").isLessThan(deadline);
        }
        // As for a plain client that resets mid-body: its exchange's fiber fails, reported once at most.
        assertThat(reports).as("a peer that goes away is no TLS failure").noneMatch(r -> r.contains("TLS handshake"))
            .hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void aTls12RenegotiationIsRefusedAndOnlyThatConnectionCloses() throws Exception {
        HttpServer server = serve();
        try (SSLSocket socket = (SSLSocket) trusting.sslContext().getSocketFactory().createSocket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(30_000);
            socket.setSSLParameters(trusting.sslParameters("localhost"));
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readUntil(socket, "Hello, World!")).startsWith("HTTP/1.1 200 OK");
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThatThrownBy(() -> {
                socket.startHandshake(); // asks for a new handshake on the open connection
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                int read = socket.getInputStream().read();
                if (read < 0) {
                    throw new java.io.EOFException("closed"); // closed instead of answered
                }
            }).isInstanceOf(IOException.class);
        }
        awaitReport("TLS renegotiation refused");
        assertThat(run(curl(server, https(server)))).isEqualTo("Hello, World!");
    }

    // ---------------------------------------------------------------- a client that reads nothing

    /** 32 MiB, far more than the sockets and the kernel hold between the server and a client that does not read. */
    private static final int BIG = 32 << 20;

    /** A file of {@link #BIG} seeded random bytes in the test's directory. */
    private Path bigFile() throws IOException {
        byte[] data = new byte[BIG];
        new Random(BIG).nextBytes(data);
        return Files.write(dir.resolve("big"), data);
    }

    /** Serves {@code file} at {@code /big} (with its length) and hands its exchanges' graphs to {@code exchanges}; echoes elsewhere. */
    private static HttpServer.Handler download(Path file, BlockingQueue<Graph> exchanges) {
        return (req, res) -> {
            if (!req.target().equals("/big")) {
                HttpServerTest.echo(req, res);
                return;
            }
            res.header("Content-Length", Long.toString(Files.size(file)));
            req.graph().read(file).to(res); // a regular file: always available, so only the client holds it back
            exchanges.add(req.graph());
        };
    }

    /** What the server's catalyst shows at the start of a round: the round, its exchange's moves, whether the response is refused. */
    private record Progress(long round, long moves, boolean refused) {}

    /**
     * Waits until the exchange of {@code exchanges}' next graph is stuck behind a client that does
     * not read: its response sink refuses bytes, and across two full rounds of the catalyst the
     * exchange's fibers made no move. Nothing here waits for time to pass, only for that state.
     */
    private static Graph awaitBlocked(Catalyst catalyst, BlockingQueue<Graph> exchanges) throws Exception {
        Graph exchange = exchanges.poll(30, TimeUnit.SECONDS);
        assertThat(exchange).as("the download's exchange began").isNotNull();
        CompiledPlan plan = (CompiledPlan) exchange.compile();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Progress since = null;
        while (true) {
            assertThat(System.nanoTime()).as("the server backs up within a minute").isLessThan(deadline);
            Progress now = catalyst.submit(() -> {
                long moves = 0;
                for (Fiber fiber : plan.fibers()) {
                    moves += fiber.handleMoves();
                }
                boolean refused = false;
                for (Endpoint endpoint : plan.endpoints()) {
                    refused |= endpoint instanceof ResponseSink && !endpoint.handleIsAvailable();
                }
                return new Progress(Core.of(catalyst).handleRounds(), moves, refused);
            }).get(30, TimeUnit.SECONDS);
            if (!now.refused()) {
                since = null;
            } else if (since == null || now.moves() != since.moves()) {
                since = now;
            } else if (now.round() >= since.round() + 2) {
                return exchange;
            }
        }
    }

    /** The SHA-256 of {@code file}. */
    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }

    @Test
    void aClientThatReadsNothingHoldsTheServerWithinItsBoundWhileAnotherIsServedAndThenGetsEveryByte() throws Exception {
        Path big = bigFile();
        BlockingQueue<Graph> exchanges = new LinkedBlockingQueue<>();
        HttpServer server = serve(Catalyst.Config.defaults().withName("https-slow"), tls, HttpServer.Options.defaults(),
            download(big, exchanges));
        Catalyst catalyst = catalysts.get(0);
        try (BlockingTlsClient slow = BlockingTlsClient.connect(server.address(), trusting.newEngine("localhost", 1))) {
            slow.write("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n"); // and nothing read until the end
            Graph exchange = awaitBlocked(catalyst, exchanges);
            CompletableFuture<Void> done = exchange.start(); // started by the server already: its completion
            long bound = exchange.compile().retainedBound();
            assertThat(catalyst.peakRetainedBytes()).as("N3: pending records and bytes within the plan's bound, " + bound)
                .isPositive().isLessThanOrEqualTo(bound);
            assertThat(done).as("the slow download is in flight").isNotDone();

            // Meanwhile another client downloads the same file, whole, on the same catalyst.
            Path fast = dir.resolve("fast");
            run(curl(server, "-o", fast.toString(), https(server).replace("/echo", "/big")));
            assertThat(Files.mismatch(big, fast)).as("the second client's download, byte for byte").isEqualTo(-1L);
            assertThat(catalyst.peakRetainedBytes()).as("two exchanges at once, each within its plan's bound")
                .isLessThanOrEqualTo(2 * bound);
            assertThat(done).as("the slow client still holds its download").isNotDone();

            // Now the slow client reads: every byte, in order.
            String head = slow.readUntil("\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 200 OK").contains("Content-Length: " + BIG + "\r\n");
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            long received = 0;
            while (received < BIG) {
                byte[] part = slow.read((int) Math.min(1 << 20, BIG - received));
                digest.update(part);
                received += part.length;
            }
            assertThat(received).isEqualTo(BIG);
            assertThat(digest.digest()).as("the slow client's download, byte for byte").isEqualTo(sha256(big));
            done.get(30, TimeUnit.SECONDS);
            assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(2 * bound);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void aClientThatReadsNothingIsClosedAfterTheIdleTimeoutOnTheCatalystsClock() throws Exception {
        // The server's timers run on a clock the test moves: nothing waits for the minute to pass.
        CachedNanoClock clock = new CachedNanoClock();
        Path big = bigFile();
        BlockingQueue<Graph> exchanges = new LinkedBlockingQueue<>();
        HttpServer server = serve(Catalyst.Config.defaults().withName("https-stall").withClock(clock), tls,
            HttpServer.Options.defaults().withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60)), download(big, exchanges));
        Catalyst catalyst = catalysts.get(0);
        long lentBefore = catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS);
        try (BlockingTlsClient silent = BlockingTlsClient.connect(server.address(), trusting.newEngine("localhost", 1))) {
            silent.write("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n"); // and never reads
            Graph exchange = awaitBlocked(catalyst, exchanges);
            CompletableFuture<Void> done = exchange.start(); // started by the server already: its completion
            long bound = exchange.compile().retainedBound();
            assertThat(catalyst.peakRetainedBytes()).as("N3: within the plan's bound, " + bound)
                .isPositive().isLessThanOrEqualTo(bound);
            for (int second = 0; second < 59; second++) { // not quite the minute, a second at a time
                clock.advance(Duration.ofSeconds(1).toNanos());
                settle(catalyst);
            }
            assertThat(done).as("not before the idle timeout").isNotDone();
            assertThat(reports).isEmpty();
            for (int second = 0; second < 2; second++) { // past the minute and the wheel's tick
                clock.advance(Duration.ofSeconds(1).toNanos());
                settle(catalyst);
            }
            assertThat(done).as("the stalled exchange fails").failsWithin(Duration.ofSeconds(30));
            awaitReport("the client read nothing of its response for 60 s");
            // Closed at once, with what the kernel held dropped: what comes is short, and ends without close_notify.
            long got = 0;
            try {
                got = silent.readToEnd().length;
            } catch (IOException reset) {
                // the server reset the connection: what the kernel held is gone
            }
            assertThat(got).as("the response cut short").isLessThan(BIG);
            assertThat(silent.closeNotifyReceived()).as("aborted: no close_notify, so the client can tell").isFalse();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (catalyst.submit(() -> Core.of(catalyst).pool().handleLent()).get(30, TimeUnit.SECONDS) > lentBefore
                || catalyst.submit(catalyst::retainedBytes).get(30, TimeUnit.SECONDS) > 0) {
            assertThat(System.nanoTime()).as("buffers and retained bytes back").isLessThan(deadline);
        }
        assertThat(run(curl(server, https(server)))).as("the next client is served").isEqualTo("Hello, World!");
    }

    // ---------------------------------------------------------------- an expired certificate

    @Test
    void anExpiredCertificateFailsCurlAndOurClientNamingTheExpiryAndTheServerServesTheNextClient() throws Exception {
        TlsServerConfig stale = TlsServerConfig.fromPem(openssl.expiredLeaf("stale"), openssl.file("stale.key"));
        HttpServer server = serve(Catalyst.Config.defaults().withName("https-expired"), stale, HttpServer.Options.defaults());
        int port = server.address().getPort();

        List<String> strict = curl(server, https(server));
        Process curl = new ProcessBuilder(strict).redirectErrorStream(true).start();
        String said = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(curl.exitValue()).as("curl: peer certificate cannot be verified (%s)", said).isEqualTo(60);
        assertThat(said).contains("certificate has expired");

        InetSocketAddress localhost = new InetSocketAddress(InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}), port);
        Throwable expired = failure(get(localhost, trusting, dir.resolve("refused")));
        assertThat(expired).isInstanceOf(SSLHandshakeException.class)
            .hasMessageStartingWith("TLS handshake with localhost:" + port + " failed: ")
            .hasMessageContaining("(the certificate has expired: NotAfter: ");
        awaitReport("TLS handshake with localhost:" + port + " failed: ");
        awaitReport("TLS handshake failed with /127.0.0.1:"); // the server's side of it: the client's alert

        // The server goes on: clients that do not check the dates are served.
        assertThat(run(curl(server, "--insecure", https(server)))).isEqualTo("Hello, World!");
        Path reply = dir.resolve("reply");
        get(localhost, TlsClientConfig.defaults().insecureTrustAnyCertificateAndHostname(), reply).get(60, TimeUnit.SECONDS);
        assertThat(Files.readString(reply, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK").endsWith("Hello, World!");
    }

    /** A GET with our TLS client (a graph on the server's catalyst), its response to {@code reply}: its future. */
    private CompletableFuture<Void> get(InetSocketAddress address, TlsClientConfig client, Path reply) throws Exception {
        Path request = Files.writeString(dir.resolve("request"), "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            StandardCharsets.ISO_8859_1);
        Catalyst catalyst = catalysts.get(0);
        return catalyst.submit(() -> {
            Graph graph = Graph.on(catalyst);
            Connection connection = graph.connect(address, ConnectOptions.defaults(), client);
            graph.read(request).to(connection.sink());
            graph.from(connection.source()).to(graph.write(reply));
            return graph.start();
        }).get(30, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(60, TimeUnit.SECONDS);
            throw new AssertionError("did not fail");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Two rounds: the first selects after this task, so the second sees what was sent before it. */
    private static void settle(Catalyst catalyst) throws Exception {
        catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
        catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
    }

    private void awaitReport(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reports.stream().noneMatch(report -> report.contains(text))) {
            assertThat(System.nanoTime()).as("a report containing %s; got %s", text, reports).isLessThan(deadline);
            catalysts.get(0).submit(() -> null).get(30, TimeUnit.SECONDS);
        }
    }

    /** What the server sends until it closes; a reset ends it as well (a server that closes with unread input resets). */
    private static String readToEndOrReset(SocketChannel channel) throws IOException {
        StringBuilder got = new StringBuilder();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        try {
            while (channel.read(buffer.clear()) > 0) {
                got.append(StandardCharsets.ISO_8859_1.decode(buffer.flip()));
            }
        } catch (IOException reset) {
            // closed with unread input: the kernel resets
        }
        return got.toString();
    }

    private static String readUntil(SSLSocket socket, String text) throws IOException {
        StringBuilder got = new StringBuilder();
        byte[] buffer = new byte[8192];
        while (!got.toString().contains(text)) {
            int n = socket.getInputStream().read(buffer);
            assertThat(n).as("closed before " + text).isPositive();
            got.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
        return got.toString();
    }
}
