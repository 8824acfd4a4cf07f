package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Drive;
import dev.pushback.dsl.Graph;

/**
 * The HTTP/1.1 client on real sockets on loopback: against pushback's own server on a catalyst
 * thread of its own, and against peers a test thread plays (a server that answers badly, late,
 * or not at all). The client's catalyst is driven by the test thread; timers run on a clock the
 * test moves.
 */
@Timeout(120)
class HttpClientTest {
    private static final int ROUNDS = 100_000;

    @TempDir
    Path dir;

    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final List<Throwable> causes = new CopyOnWriteArrayList<>();
    private final CachedNanoClock clock = new CachedNanoClock();
    private Catalyst server;
    private Thread serverLoop;
    private HttpServer echo;
    private Catalyst catalyst;
    private HttpClient client;

    /** GET: "Hello, World!"; with a body: the body back; {@code /status/N}: that status, empty. */
    static void echo(HttpRequest request, HttpResponse response) {
        if (request.target().startsWith("/status/")) {
            response.status(Integer.parseInt(request.target().substring(8))).send("");
        } else if (request.hasBody()) {
            request.body().to(response);
        } else {
            response.header("Content-Type", "text/plain").send("Hello, World!");
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = Catalyst.open(Catalyst.Config.defaults().withName("server").withErrors((what, cause) -> { }));
        echo = HttpServer.listen(server, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults().withWorkers(1))
            .each(HttpClientTest::echo);
        serverLoop = new Thread(server::loop, "server");
        serverLoop.start();
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("client").withClock(clock).withErrors((what, cause) -> {
            reports.add(what + ": " + cause);
            causes.add(cause);
        }));
        client = HttpClient.create(HttpClient.Options.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        catalyst.close();
        server.close();
        serverLoop.join(10_000);
    }

    private URI echoUri(String path) {
        return URI.create("http://127.0.0.1:" + echo.address().getPort() + path);
    }

    /** The response's body as text, and its head. */
    private record Got(ClientResponse response, String body) {}

    private Got get(String method, URI uri) {
        Graph graph = Graph.on(catalyst);
        ClientRequest request = client.request(graph, method, uri);
        CompletableFuture<String> body = text(request.responseBody());
        graph.start();
        Drive.until(catalyst, ROUNDS, body::isDone);
        return new Got(request.response().join(), body.join());
    }

    private static CompletableFuture<String> text(dev.pushback.dsl.Feed<ByteBuffer> body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        return body.forEach(chunk -> {
            byte[] copy = new byte[chunk.remaining()];
            chunk.get(copy);
            bytes.write(copy, 0, copy.length);
        }).thenApply(done -> bytes.toString(StandardCharsets.ISO_8859_1));
    }

    private Path random(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    private int openConnections() {
        return Drive.read(catalyst, () -> {
            ClientPools.Pool pool = ((ClientPools) poolsOf()).handlePool(Origin.of(echoUri("/")));
            return pool == null ? 0 : pool.handleOpenCount();
        });
    }

    private Object poolsOf() throws Exception {
        java.lang.reflect.Field field = HttpClient.class.getDeclaredField("pools");
        field.setAccessible(true);
        return ((java.util.Map<?, ?>) field.get(client)).get(catalyst);
    }

    @Test
    void aGetGetsTheStatusTheHeadersAndTheBody() {
        Got got = get("GET", echoUri("/hello"));
        assertThat(got.response().status()).isEqualTo(200);
        assertThat(got.response().header("content-type")).isEqualTo("text/plain");
        assertThat(got.response().contentLength()).isEqualTo(13);
        assertThat(got.body()).isEqualTo("Hello, World!");
        assertThat(reports).isEmpty();
    }

    @Test
    void aLargeUploadIsEchoedByteIdenticalChunkedAndWithItsLength() throws Exception {
        Path in = random("in", 8 << 20, 1);
        for (boolean withLength : new boolean[] {false, true}) {
            Path out = dir.resolve("out-" + withLength);
            Graph graph = Graph.on(catalyst);
            ClientRequest post = client.request(graph, "POST", echoUri("/echo"));
            if (withLength) {
                post.header("Content-Length", Long.toString(Files.size(in)));
            }
            graph.read(in).to(post.body());
            CompletableFuture<Void> written = post.responseBody().to(graph.write(out));
            graph.start();
            Drive.until(catalyst, ROUNDS, written::isDone);
            assertThat(written).isCompleted();
            assertThat(post.response().join().header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(Files.mismatch(in, out)).as("byte-identical, %s", withLength ? "Content-Length" : "chunked").isEqualTo(-1L);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void sequentialRequestsShareOneKeepAliveConnection() {
        for (int i = 0; i < 20; i++) {
            assertThat(get("GET", echoUri("/" + i)).body()).isEqualTo("Hello, World!");
        }
        assertThat(openConnections()).isEqualTo(1);
        assertThat(echo.peakConnections()).isEqualTo(1);
        // Idle between requests, neither side of the kept-alive connection holds an output buffer:
        // they are lent per write (ConnectionOutput), not owned per connection.
        assertThat(Drive.read(catalyst, () -> ConnectionOutput.handleLentBuffers(catalyst))).isZero();
        assertThat(server.submit(() -> ConnectionOutput.handleLentBuffers(server)).join()).isZero();
    }

    @Test
    void requestsBeyondThePoolsLimitWaitForAFreeConnection() {
        client = HttpClient.create(HttpClient.Options.defaults().withMaxConnectionsPerOrigin(2));
        List<CompletableFuture<String>> bodies = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Graph graph = Graph.on(catalyst);
            ClientRequest request = client.request(graph, "GET", echoUri("/" + i));
            bodies.add(text(request.responseBody()));
            graph.start();
        }
        Drive.until(catalyst, ROUNDS, () -> bodies.stream().allMatch(CompletableFuture::isDone));
        assertThat(bodies).allSatisfy(body -> assertThat(body.join()).isEqualTo("Hello, World!"));
        assertThat(echo.peakConnections()).isLessThanOrEqualTo(2);
        assertThat(openConnections()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- peers a test thread plays

    /**
     * A server on a test thread: accepts {@code connections} connections one after the other,
     * reads each request head (and a Content-Length body), and answers with {@code answer}'s
     * bytes for the request number; null closes the connection without a word.
     */
    private static final class Played implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final List<String> heads = new CopyOnWriteArrayList<>();
        final AtomicInteger accepted = new AtomicInteger();
        private final Thread thread;

        Played(int connections, java.util.function.IntFunction<byte[]> answer, boolean closeAfterEach) throws IOException {
            thread = new Thread(() -> {
                int request = 0;
                try {
                    for (int c = 0; c < connections; c++) {
                        try (Socket s = socket.accept()) {
                            accepted.incrementAndGet();
                            InputStream in = s.getInputStream();
                            OutputStream out = s.getOutputStream();
                            while (true) {
                                String head = readHead(in);
                                if (head == null) {
                                    break;
                                }
                                heads.add(head);
                                byte[] reply = answer.apply(request++);
                                if (reply == null) {
                                    break;
                                }
                                out.write(reply);
                                out.flush();
                                if (closeAfterEach) {
                                    break;
                                }
                            }
                        }
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "played");
            thread.setDaemon(true);
            thread.start();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
        }

        /** A request head up to its blank line, the body of a Content-Length read and dropped; null at the end. */
        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
                    if (length.find() && !head.toString().contains("Expect: 100-continue")) { // such a body comes only after a 100
                        in.readNBytes(Integer.parseInt(length.group(1)));
                    }
                    return head.toString();
                }
            }
            return null;
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(10_000);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Runs {@code method uri}, the response body read; its outcome. */
    private CompletableFuture<String> start(String method, URI uri) {
        Graph graph = Graph.on(catalyst);
        ClientRequest request = client.request(graph, method, uri);
        CompletableFuture<String> body = text(request.responseBody());
        graph.start();
        return body;
    }

    private static Throwable failure(CompletableFuture<?> future) {
        return future.handle((ok, failure) -> failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure).join();
    }

    @Test
    void aRefusedConnectFailsTheRequestOnceNamingItAndTheCatalystGoesOn() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        URI nobody = URI.create("http://127.0.0.1:" + port + "/x");
        CompletableFuture<String> body = start("GET", nobody);
        Drive.until(catalyst, ROUNDS, body::isDone);
        Throwable refused = failure(body);
        assertThat(refused).isInstanceOf(HttpClientException.class)
            .hasMessage("GET http://127.0.0.1:" + port + "/x: connect to 127.0.0.1:" + port + " refused");
        assertThat(((HttpClientException) refused).gatewayStatus()).isEqualTo(502);
        assertThat(refused.getCause()).isInstanceOf(java.net.ConnectException.class);
        assertThat(causes).as("reported once: %s", reports).containsExactly(refused);
        assertThat(get("GET", echoUri("/")).body()).as("the catalyst goes on").isEqualTo("Hello, World!");
    }

    @Test
    void badResponsesFailTheirRequestWithTheReasonAndTheConnectionIsDropped() throws Exception {
        String[] bad = {
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", // smuggling
            "HTTP/2.0 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\nContent-Length: 0\n\n", // bare LF
            "SSH-2.0-OpenSSH_9.2\r\n",
        };
        try (Played played = new Played(bad.length, i -> bytes(bad[i]), true)) {
            for (int i = 0; i < bad.length; i++) {
                CompletableFuture<String> body = start("GET", played.uri("/" + i));
                Drive.until(catalyst, ROUNDS, body::isDone);
                assertThat(failure(body)).as(bad[i]).isInstanceOf(HttpClientException.class)
                    .hasMessageStartingWith("GET " + played.uri("/" + i) + ": bad response from");
            }
            assertThat(played.accepted).as("each on a new connection").hasValue(bad.length);
        }
        assertThat(causes).hasSize(bad.length);
    }

    @Test
    void aServerThatClosesInTheMiddleOfTheBodyFailsTheRequestAfterItsHead() throws Exception {
        try (Played played = new Played(1, i -> bytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly forty bytes of the hundred promised"),
            true)) {
            Graph graph = Graph.on(catalyst);
            ClientRequest request = client.request(graph, "GET", played.uri("/cut"));
            CompletableFuture<String> body = text(request.responseBody());
            graph.start();
            Drive.until(catalyst, ROUNDS, body::isDone);
            assertThat(request.response().join().status()).as("the head came").isEqualTo(200);
            assertThat(failure(body)).isInstanceOf(HttpClientException.class)
                .hasMessageContaining("closed the connection in the middle of the response body");
        }
        assertThat(causes).hasSize(1);
    }

    @Test
    void aServerThatNeverAnswersTimesOutOnTheCatalystsClock() throws Exception {
        client = HttpClient.create(HttpClient.Options.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(60)));
        try (Played played = new Played(1, i -> new byte[0], false)) { // reads the request, answers nothing
            CompletableFuture<String> body = start("GET", played.uri("/silent"));
            Drive.until(catalyst, ROUNDS, () -> !played.heads.isEmpty());
            Drive.rounds(catalyst, 10);
            assertThat(body).as("no answer, no timeout yet").isNotDone();
            clock.advance(Duration.ofSeconds(6).toNanos());
            Drive.until(catalyst, ROUNDS, body::isDone);
            Throwable late = failure(body);
            assertThat(late).isInstanceOf(HttpClientException.class).hasMessageEndingWith("did not answer within 5 s");
            assertThat(((HttpClientException) late).timedOut()).isTrue();
            assertThat(((HttpClientException) late).gatewayStatus()).isEqualTo(504);
        }
    }

    @Test
    void aReusedConnectionTheServerClosedWhileIdleIsRetriedOnceForARequestWithoutBody() throws Exception {
        // The server answers one request per connection with keep-alive, then closes: the client
        // meets the close only when it reuses the connection, and sends the GET again.
        String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        try (Played played = new Played(2, i -> bytes(ok), true)) {
            CompletableFuture<String> first = start("GET", played.uri("/1"));
            Drive.until(catalyst, ROUNDS, first::isDone);
            assertThat(first.join()).isEqualTo("ok");
            Drive.until(catalyst, ROUNDS, () -> played.accepted.get() == 1 && played.heads.size() == 1);
            CompletableFuture<String> second = start("GET", played.uri("/2"));
            Drive.until(catalyst, ROUNDS, second::isDone);
            assertThat(second.join()).isEqualTo("ok");
            assertThat(played.accepted).hasValue(2);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void interimResponsesAreDroppedAndHeadAnd204AndChunkedWithTrailersWork() throws Exception {
        String[] answers = {
            "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", // to a HEAD: no body follows
            "HTTP/1.1 204 No Content\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nTrailer: x\r\n\r\n",
        };
        try (Played played = new Played(1, i -> bytes(answers[i]), false)) {
            String[] methods = {"GET", "HEAD", "DELETE", "GET"};
            String[] bodies = {"final", "", "", "hello!"};
            for (int i = 0; i < answers.length; i++) {
                Graph graph = Graph.on(catalyst);
                ClientRequest request = client.request(graph, methods[i], played.uri("/" + i));
                CompletableFuture<String> body = text(request.responseBody());
                graph.start();
                Drive.until(catalyst, ROUNDS, body::isDone);
                assertThat(body.join()).isEqualTo(bodies[i]);
            }
            assertThat(played.accepted).as("one keep-alive connection").hasValue(1);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void expectContinueHoldsTheBodyUntilTheServerSaysSo() throws Exception {
        Path in = random("in", 1 << 20, 7);
        Path out = dir.resolve("out");
        Graph graph = Graph.on(catalyst);
        ClientRequest post = client.request(graph, "POST", echoUri("/echo")).header("Expect", "100-continue");
        graph.read(in).to(post.body());
        CompletableFuture<Void> written = post.responseBody().to(graph.write(out));
        graph.start();
        Drive.until(catalyst, ROUNDS, written::isDone);
        assertThat(written).isCompleted();
        assertThat(Files.mismatch(in, out)).isEqualTo(-1L);
        // A final answer instead of 100: the body is not sent, the connection not reused.
        try (Played played = new Played(1, i -> bytes("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n"), false)) {
            Graph refused = Graph.on(catalyst);
            ClientRequest put = client.request(refused, "PUT", played.uri("/big")).header("Expect", "100-continue")
                .header("Content-Length", Long.toString(Files.size(in)));
            CompletableFuture<Void> sent = refused.read(in).to(put.body());
            CompletableFuture<String> answer = text(put.responseBody());
            refused.start();
            Drive.until(catalyst, ROUNDS, () -> answer.isDone() && sent.isDone());
            assertThat(put.response().join().status()).isEqualTo(417);
            assertThat(sent).as("the body's feeder ends: the server wants none of it").isCompleted();
            assertThat(played.heads.get(0)).contains("Expect: 100-continue");
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void aSlowReaderOfTheResponseStopsTheClientReadingWithinThePlansBound() throws Exception {
        // 64 MiB echoed by the server to a graph whose sink takes 8 chunks, then nothing until the
        // test says: the client holds no more than its plan allows, the upload stops (the server
        // stops reading it, N1 across two processes' worth of sockets), and all of it arrives after.
        int size = 64 << 20;
        Path in = random("in", size, 9);
        java.security.MessageDigest sent = java.security.MessageDigest.getInstance("SHA-256");
        sent.update(Files.readAllBytes(in));
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        long[] received = {0};
        long[] uploaded = {0};
        Graph graph = Graph.on(catalyst);
        ClientRequest post = client.request(graph, "POST", echoUri("/echo"));
        graph.read(in).map(chunk -> {
            uploaded[0] += chunk.remaining();
            return chunk;
        }).to(post.body());
        dev.pushback.catalyst.endpoint.ManualSink<Integer> held = new dev.pushback.catalyst.endpoint.ManualSink<>(catalyst, "slow reader");
        CompletableFuture<Void> read = post.responseBody().map(chunk -> {
            received[0] += chunk.remaining();
            digest.update(chunk);
            return 1;
        }).to(held);
        long bound = graph.compile().retainedBound();
        graph.start();
        Drive.step(catalyst, () -> held.handleAcceptThenBlock(8));
        long peak = 0;
        long lastUploaded = -1;
        for (int still = 0; still < 50; ) {
            catalyst.runOnce(10);
            peak = Math.max(peak, catalyst.retainedBytes());
            long now = Drive.read(catalyst, () -> uploaded[0]);
            still = now == lastUploaded ? still + 1 : 0;
            lastUploaded = now;
        }
        long whileHeld = Drive.read(catalyst, () -> received[0]);
        assertThat(whileHeld).as("the reader took 8 chunks").isLessThanOrEqualTo(8L * catalyst.config().chunkSize());
        assertThat(lastUploaded).as("the upload stopped: the server stopped reading it").isLessThan(size);
        assertThat(peak).as("retained at most the plan's bound %d", bound).isLessThanOrEqualTo(bound);
        Drive.step(catalyst, () -> held.handleSetWritable(true));
        for (int i = 0; i < ROUNDS && !read.isDone(); i++) {
            catalyst.runOnce(10);
            peak = Math.max(peak, catalyst.retainedBytes());
        }
        assertThat(read).isCompleted();
        assertThat(received[0]).isEqualTo(size);
        assertThat(digest.digest()).as("byte-identical").isEqualTo(sent.digest());
        assertThat(peak).isLessThanOrEqualTo(bound);
        assertThat(reports).isEmpty();
    }

    @Test
    void httpsToPushbacksOwnServerWithTheCaTrusted() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.pushback.dsl.tls.OpenSsl.available(), "no openssl binary");
        dev.pushback.dsl.tls.OpenSsl openssl = dev.pushback.dsl.tls.OpenSsl.ca(Files.createDirectories(dir.resolve("keys")));
        dev.pushback.dsl.tls.TlsServerConfig tls = dev.pushback.dsl.tls.TlsServerConfig.fromPem(openssl.rsaLeaf("server"),
            openssl.file("server.key"));
        HttpServer secure = HttpServer.listen(server, new InetSocketAddress("127.0.0.1", 0),
            HttpServer.Options.defaults().withWorkers(1).withTls(tls)).each(HttpClientTest::echo);
        client = HttpClient.create(HttpClient.Options.defaults().withTls(
            dev.pushback.dsl.tls.TlsClientConfig.trusting(openssl.file("ca.pem"))));
        URI base = URI.create("https://127.0.0.1:" + secure.address().getPort());
        assertThat(get("GET", base.resolve("/hello")).body()).isEqualTo("Hello, World!");
        Path in = random("in", 4 << 20, 11);
        Path out = dir.resolve("out");
        Graph graph = Graph.on(catalyst);
        ClientRequest post = client.request(graph, "POST", base.resolve("/echo"));
        graph.read(in).to(post.body());
        CompletableFuture<Void> written = post.responseBody().to(graph.write(out));
        graph.start();
        Drive.until(catalyst, ROUNDS, written::isDone);
        assertThat(written).isCompleted();
        assertThat(Files.mismatch(in, out)).isEqualTo(-1L);
        // The JDK's authorities do not know this CA: the request fails, naming the server.
        client = HttpClient.create(HttpClient.Options.defaults());
        CompletableFuture<String> untrusted = start("GET", base.resolve("/hello"));
        Drive.until(catalyst, ROUNDS, untrusted::isDone);
        assertThat(failure(untrusted)).isInstanceOf(HttpClientException.class)
            .hasMessageContaining("TLS handshake with 127.0.0.1:" + secure.address().getPort() + " failed")
            .hasCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        assertThat(causes).hasSize(1);
        secure.close();
    }

    @Test
    void theJdksHttpServerAsThePeer() throws Exception {
        com.sun.net.httpserver.HttpServer jdk = com.sun.net.httpserver.HttpServer.create(
            new InetSocketAddress("127.0.0.1", 0), 0);
        jdk.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            byte[] reply = body.length > 0 ? body : bytes("jdk says hello");
            exchange.sendResponseHeaders(200, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        jdk.setExecutor(java.util.concurrent.Executors.newSingleThreadExecutor());
        jdk.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + jdk.getAddress().getPort());
            assertThat(get("GET", base.resolve("/")).body()).isEqualTo("jdk says hello");
            Path in = random("in", 2 << 20, 13);
            Path out = dir.resolve("out");
            Graph graph = Graph.on(catalyst);
            ClientRequest post = client.request(graph, "POST", base.resolve("/echo"));
            graph.read(in).to(post.body());
            CompletableFuture<Void> written = post.responseBody().to(graph.write(out));
            graph.start();
            Drive.until(catalyst, ROUNDS, written::isDone);
            assertThat(written).isCompleted();
            assertThat(Files.mismatch(in, out)).isEqualTo(-1L);
        } finally {
            jdk.stop(0);
            ((java.util.concurrent.ExecutorService) jdk.getExecutor()).shutdownNow();
        }
        assertThat(reports).isEmpty();
    }
}
