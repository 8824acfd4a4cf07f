package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.internal.Core;

/** The echo server of issue 3 against real clients on loopback: the JDK HttpClient, curl, raw sockets. */
class HttpServerTest {
    private Catalyst catalyst;
    private HttpServer server;
    private Thread loop;
    private URI uri;

    @TempDir
    Path dir;

    /** The graph of the last exchange with a body, to read its plan's bound and its catalyst's count. */
    private static volatile dev.pushback.dsl.Graph lastExchange;

    /** Echoes a body (with its Content-Length if it had one, else chunked); Hello, World! without one. */
    static void echo(HttpRequest req, HttpResponse res) {
        if (req.hasBody()) {
            lastExchange = req.graph();
            String length = req.header("Content-Length");
            if (length != null) {
                res.header("Content-Length", length);
            }
            req.body().to(res);
        } else {
            res.header("Content-Type", "text/plain");
            res.send("Hello, World!");
        }
    }

    @BeforeEach
    void start() throws Exception {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("http").withErrors((what, cause) -> { }));
        server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults())
            .each(HttpServerTest::echo);
        uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/echo");
        loop = new Thread(catalyst::loop, "catalyst");
        loop.start();
    }

    @AfterEach
    void stop() throws Exception {
        catalyst.close();
        loop.join(10_000);
    }

    @Test
    void getAndPostWithTheJdkClientOnOneKeepAliveConnection() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var get = client.send(java.net.http.HttpRequest.newBuilder(uri).GET().build(), BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("Hello, World!");
        assertThat(get.headers().firstValue("Content-Length")).hasValue("13");
        byte[] body = new byte[1 << 20];
        new Random(1).nextBytes(body);
        var post = client.send(java.net.http.HttpRequest.newBuilder(uri).POST(BodyPublishers.ofByteArray(body)).build(),
            BodyHandlers.ofByteArray());
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(post.body()).isEqualTo(body);
    }

    @Test
    void twoHundredConcurrentKeepAliveRequestsAllIntact() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] body = ("request " + i + " ").repeat(1 + i * 7).getBytes(StandardCharsets.UTF_8);
            results.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(uri).POST(BodyPublishers.ofByteArray(body)).build(),
                BodyHandlers.ofByteArray()).thenApply(r -> r.statusCode() == 200 && java.util.Arrays.equals(r.body(), body)));
        }
        for (CompletableFuture<Boolean> result : results) {
            assertThat(result.get()).isTrue();
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        String requests = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "HEAD /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        String replies = exchange(requests);
        assertThat(replies).startsWith("HTTP/1.1 200 OK\r\n");
        int first = replies.indexOf("Hello, World!");
        int second = replies.indexOf("\r\n\r\nhello");
        int third = replies.indexOf("3\r\nabc\r\n0\r\n\r\n");
        int fourth = replies.lastIndexOf("HTTP/1.1 200 OK");
        assertThat(first).isPositive();
        assertThat(second).isGreaterThan(first);
        assertThat(third).isGreaterThan(second);
        assertThat(fourth).isGreaterThan(third);
        assertThat(replies.substring(fourth)).contains("Content-Length: 13\r\n", "Connection: close\r\n")
            .endsWith("\r\n\r\n"); // HEAD: no body, and the server closed the connection
    }

    @Test
    void aMalformedRequestGets400AndTheConnectionCloses() throws Exception {
        String replies = exchange("GET / HTTP/1.1\r\nBad Header\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        assertThat(replies).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close");
        assertThat(replies.indexOf("HTTP/1.1", 1)).as("nothing after the bad byte is served").isEqualTo(-1);
    }

    @Test
    void expectContinueGetsAnInterim100BeforeTheBodyIsSent() throws Exception {
        try (SocketChannel client = SocketChannel.open(server.address())) {
            client.write(ByteBuffer.wrap(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
            ByteBuffer buffer = ByteBuffer.allocate(256);
            StringBuilder interim = new StringBuilder();
            while (!interim.toString().endsWith("\r\n\r\n")) { // the body is not sent until the server asks
                int n = client.read(buffer.clear());
                assertThat(n).isPositive();
                interim.append(StandardCharsets.ISO_8859_1.decode(buffer.flip()));
            }
            assertThat(interim.toString()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            while (client.read(buffer.clear()) > 0) {
                rest.write(buffer.array(), 0, buffer.position());
            }
            assertThat(rest.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nping");
        }
    }

    @Test
    void anUpgradeIsDeclinedAnsweredInHttp11AndTheConnectionCloses() throws Exception {
        String replies = exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
            + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
        assertThat(replies).startsWith("HTTP/1.1 200 OK\r\n").contains("Connection: close\r\n").endsWith("Hello, World!");
        assertThat(exchange("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")).startsWith("HTTP/1.1 501 ");
    }

    @Test
    void anUnsupportedVersionGets505() throws Exception {
        assertThat(exchange("GET / HTTP/2.0\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 505 ");
    }

    @Test
    void curlUploadsChunkedAndContentLengthBodies() throws Exception {
        byte[] data = new byte[10 << 20];
        new Random(2).nextBytes(data);
        Path file = Files.write(dir.resolve("upload"), data);
        for (List<String> extra : List.of(List.<String>of(), List.of("-H", "Transfer-Encoding: chunked"))) {
            List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "--data-binary", "@" + file,
                "-H", "Content-Type: application/octet-stream", "-o", dir.resolve("reply").toString()));
            command.addAll(extra);
            command.add(uri.toString());
            Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor()).as(output).isZero();
            assertThat(Files.readAllBytes(dir.resolve("reply"))).as("echo with %s", extra).isEqualTo(data);
        }
    }

    /** What a server's catalyst shows at the start of a round: the round, a progress count, and whether it is backed up. */
    private record Progress(long round, long count, boolean backedUp) {}

    /** Reads a server's {@link Progress} on its catalyst thread; null while there is nothing to read yet. */
    @FunctionalInterface
    private interface Probe {
        Progress read() throws Exception;
    }

    /**
     * Writes {@code data} (over and over) to the non-blocking {@code client} without reading anything,
     * until the server is stuck behind its unread responses: a write is refused, and across two full
     * rounds of the server's catalyst the server stayed backed up and made no progress although the
     * client had more for it. Fails past 64 MiB (the server went on reading) or after a minute.
     *
     * @return the bytes written
     */
    private static long writeUntilStuck(SocketChannel client, ByteBuffer data, Probe probe) throws Exception {
        long cap = 64L << 20;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        long sent = 0;
        Progress stuckSince = null;
        while (true) {
            assertThat(sent).as("the server stopped reading: only kernel buffers and a chunk hold what was sent")
                .isLessThan(cap);
            assertThat(System.nanoTime()).as("the server backs up within a minute").isLessThan(deadline);
            if (!data.hasRemaining()) {
                data.clear();
            }
            int n = client.write(data);
            sent += n;
            if (n > 0) {
                continue;
            }
            Progress now = probe.read();
            if (now == null || !now.backedUp()) {
                stuckSince = null;
                Thread.onSpinWait();
            } else if (stuckSince == null || now.count() != stuckSince.count()) {
                stuckSince = now;
            } else if (now.round() >= stuckSince.round() + 2) {
                return sent;
            }
        }
    }

    @Test
    void aClientThatUploadsWithoutReadingStopsTheServerReading() throws Exception {
        lastExchange = null;
        long total = 1L << 30;
        try (SocketChannel client = SocketChannel.open(server.address())) {
            client.configureBlocking(false);
            ByteBuffer head = ByteBuffer.wrap(("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: " + total + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            while (head.hasRemaining()) {
                client.write(head);
            }
            byte[] pattern = new byte[1 << 16];
            new Random(3).nextBytes(pattern);
            ByteBuffer out = ByteBuffer.wrap(pattern);
            // Write without reading until the server is stuck: the response refuses bytes (the socket
            // does not take them), and the exchange's fiber makes no move while the upload waits (N1).
            long sent = writeUntilStuck(client, out, () -> {
                dev.pushback.dsl.Graph current = lastExchange;
                if (current == null) {
                    return null; // the exchange has not started yet
                }
                dev.pushback.compiler.internal.CompiledPlan plan = (dev.pushback.compiler.internal.CompiledPlan) current.compile();
                return current.catalyst().submit(() -> {
                    long moves = 0;
                    for (dev.pushback.catalyst.internal.Fiber fiber : plan.fibers()) {
                        moves += fiber.handleMoves();
                    }
                    boolean refused = false;
                    for (dev.pushback.catalyst.spi.Endpoint endpoint : plan.endpoints()) {
                        refused |= endpoint instanceof ResponseSink && !endpoint.handleIsAvailable();
                    }
                    return new Progress(Core.of(current.catalyst()).handleRounds(), moves, refused);
                }).get(30, java.util.concurrent.TimeUnit.SECONDS);
            });
            assertThat(sent).isLessThan(total);
            dev.pushback.dsl.Graph exchange = lastExchange;
            long bound = exchange.compile().retainedBound();
            assertThat(exchange.catalyst().peakRetainedBytes()).as("N3: the exchange's retained bytes, bound " + bound)
                .isLessThanOrEqualTo(bound);
            // Now read: everything flows, and the echo is the upload, byte for byte.
            java.security.MessageDigest expected = java.security.MessageDigest.getInstance("SHA-256");
            java.security.MessageDigest actual = java.security.MessageDigest.getInstance("SHA-256");
            for (long fed = 0; fed < total; fed += pattern.length) {
                expected.update(pattern, 0, (int) Math.min(pattern.length, total - fed));
            }
            ByteBuffer in = ByteBuffer.allocate(1 << 16);
            StringBuilder responseHead = new StringBuilder();
            long bodyRead = 0;
            boolean inBody = false;
            while (bodyRead < total) {
                if (sent < total) {
                    if (!out.hasRemaining()) {
                        out.clear();
                    }
                    int room = (int) Math.min(out.remaining(), total - sent);
                    ByteBuffer slice = out.duplicate().limit(out.position() + room);
                    int n = client.write(slice);
                    out.position(out.position() + n);
                    sent += n;
                }
                int n = client.read(in.clear());
                if (n < 0) {
                    break;
                }
                in.flip();
                while (!inBody && in.hasRemaining()) {
                    responseHead.append((char) in.get());
                    inBody = responseHead.toString().endsWith("\r\n\r\n");
                }
                bodyRead += in.remaining();
                actual.update(in);
            }
            assertThat(responseHead.toString()).startsWith("HTTP/1.1 200 OK").contains("Content-Length: " + total);
            assertThat(bodyRead).isEqualTo(total);
            assertThat(actual.digest()).isEqualTo(expected.digest());
            assertThat(exchange.catalyst().peakRetainedBytes()).isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void n13_neverMoreThanMaxConnectionsOpenAndEveryClientServed() throws Exception {
        try (Catalyst small = Catalyst.open(Catalyst.Config.defaults().withName("small").withErrors((w, c) -> { }))) {
            HttpServer limited = HttpServer.listen(small, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withMaxConnections(16)).each(HttpServerTest::echo);
            Thread smallLoop = new Thread(small::loop, "small");
            smallLoop.start();
            List<SocketChannel> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) { // all connect at once: the kernel's backlog holds the rest
                    SocketChannel client = SocketChannel.open(limited.address());
                    client.write(ByteBuffer.wrap(("POST /" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                        + "Connection: close\r\n\r\nclient").getBytes(StandardCharsets.ISO_8859_1)));
                    clients.add(client);
                }
                for (SocketChannel client : clients) {
                    ByteArrayOutputStream reply = new ByteArrayOutputStream();
                    ByteBuffer buffer = ByteBuffer.allocate(1024);
                    while (client.read(buffer.clear()) > 0) {
                        reply.write(buffer.array(), 0, buffer.position());
                    }
                    assertThat(reply.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK").endsWith("client");
                }
            } finally {
                for (SocketChannel client : clients) {
                    client.close();
                }
            }
            assertThat(small.submit(limited::peakConnections).get()).as("server-side connections at once")
                .isLessThanOrEqualTo(16).isPositive();
            small.close();
            smallLoop.join(10_000);
        }
    }

    @Test
    void closingAServerWhoseCatalystHasClosedIsQuiet() throws Exception {
        try (SocketChannel client = SocketChannel.open(server.address())) {
            client.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            readUntil(client, "Hello, World!"); // a kept-alive connection is open as the catalyst closes
            catalyst.close();
            loop.join(10_000);
            server.close();
            CompletableFuture<Void> done = server.shutdown(java.time.Duration.ofSeconds(1));
            assertThat(done).as("ended by the catalyst's close").isCompletedExceptionally();
            assertThatThrownBy(done::join).isInstanceOf(dev.pushback.catalyst.CatalystClosedException.class);
            ByteBuffer buffer = ByteBuffer.allocate(64);
            assertThat(client.read(buffer)).as("the catalyst's close closed the connection").isEqualTo(-1);
        }
    }

    @Test
    void aHeadThatTricklesInGets408AndAnIdleConnectionIsClosed() throws Exception {
        // The server's timers run on a clock the test moves: nothing here waits for 200 ms to pass.
        org.agrona.concurrent.CachedNanoClock clock = new org.agrona.concurrent.CachedNanoClock();
        try (Catalyst timed = Catalyst.open(Catalyst.Config.defaults().withName("timed").withErrors((w, c) -> { }).withClock(clock))) {
            HttpServer strict = HttpServer.listen(timed, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults()
                .withWorkers(1).withTimeouts(java.time.Duration.ofMillis(200), java.time.Duration.ofMillis(300)))
                .each(HttpServerTest::echo);
            Thread timedLoop = new Thread(timed::loop, "timed");
            timedLoop.start();
            try (SocketChannel slowloris = SocketChannel.open(strict.address());
                 SocketChannel idle = SocketChannel.open(strict.address())) {
                slowloris.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1)));
                // Two rounds after the bytes were sent: the first ran its select after this task, so
                // by the second both connections are accepted and the head's first bytes are read.
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                while (strict.peakConnections() < 2) {
                    assertThat(System.nanoTime()).as("both connections accepted").isLessThan(deadline);
                    timed.submit(() -> null).get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
                timed.submit(() -> null).get(30, java.util.concurrent.TimeUnit.SECONDS);
                timed.submit(() -> null).get(30, java.util.concurrent.TimeUnit.SECONDS);
                clock.advance(java.time.Duration.ofMillis(310).toNanos()); // past both timeouts and the wheel's tick
                timed.submit(() -> null).get(30, java.util.concurrent.TimeUnit.SECONDS); // wakes the loop: its timers are due
                ByteArrayOutputStream reply = new ByteArrayOutputStream();
                ByteBuffer buffer = ByteBuffer.allocate(1024);
                while (slowloris.read(buffer.clear()) > 0) { // the server answers and closes by itself
                    reply.write(buffer.array(), 0, buffer.position());
                }
                assertThat(reply.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 408 ");
                assertThat(idle.read(buffer.clear())).as("idle connection closed without a word").isEqualTo(-1);
            }
            timed.close();
            timedLoop.join(10_000);
        }
    }

    /** Reads from a blocking socket until {@code text} has arrived; returns everything read. */
    private static String readUntil(SocketChannel client, String text) throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (!received.toString(StandardCharsets.ISO_8859_1).contains(text)) {
            assertThat(client.read(buffer.clear())).as("closed before " + text).isPositive();
            received.write(buffer.array(), 0, buffer.position());
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aFramedResponseIsNotHeldBackByTheNextExchangeWaitingForItsData() throws Exception {
        try (Catalyst main = Catalyst.open(Catalyst.Config.defaults().withName("held").withErrors((w, c) -> { }))) {
            var later = new java.util.concurrent.CompletableFuture<dev.pushback.catalyst.endpoint.ManualSource<ByteBuffer>>();
            HttpServer server = HttpServer.listen(main, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1)).each((req, res) -> {
                    if (req.target().equals("/now")) {
                        res.send("first");
                    } else { // answers only when the test says so: an asynchronous handler
                        var source = new dev.pushback.catalyst.endpoint.ManualSource<ByteBuffer>(main, "later");
                        req.graph().from(source).to(res);
                        later.complete(source);
                    }
                });
            Thread loop = new Thread(main::loop, "held");
            loop.start();
            try (SocketChannel client = SocketChannel.open(server.address())) {
                client.write(ByteBuffer.wrap("GET /now HTTP/1.1\r\nHost: x\r\n\r\nGET /later HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1)));
                // The first response arrives while the second exchange is still waiting: it is not
                // kept in the connection's output to share a write with the second.
                assertThat(readUntil(client, "first")).startsWith("HTTP/1.1 200 OK").endsWith("first");
                var source = later.get(30, java.util.concurrent.TimeUnit.SECONDS);
                main.execute(() -> {
                    source.handlePush(ByteBuffer.wrap("second".getBytes(StandardCharsets.ISO_8859_1)));
                    source.handleFinish();
                    source.handleSetReadable(true);
                });
                assertThat(readUntil(client, "0\r\n\r\n")).contains("second");
            }
            main.close();
            loop.join(10_000);
        }
    }

    @Test
    void aClientThatPipelinesWithoutReadingIsNoLongerParsedOnceItsResponsesBackUp() throws Exception {
        byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer many = ByteBuffer.allocate(request.length * 4096);
        while (many.hasRemaining()) {
            many.put(request);
        }
        many.flip();
        try (Catalyst main = Catalyst.open(Catalyst.Config.defaults().withName("pipelined").withErrors((w, c) -> { }))) {
            java.util.concurrent.atomic.AtomicLong handled = new java.util.concurrent.atomic.AtomicLong();
            HttpServer one = HttpServer.listen(main, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1)).each((req, res) -> {
                    handled.incrementAndGet();
                    echo(req, res);
                });
            Thread mainLoop = new Thread(main::loop, "pipelined");
            mainLoop.start();
            try (SocketChannel client = SocketChannel.open(one.address())) {
                client.configureBlocking(false);
                // Requests without reading: the server answers until its responses fill the socket, then
                // stops parsing (it holds framed bytes and handles no request), so the requests back up
                // in turn and the writes here are refused (N1).
                long sent = writeUntilStuck(client, many, () -> main.submit(() ->
                    new Progress(Core.of(main).handleRounds(), handled.get(), main.retainedBytes() > 0))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS));
                long requests = sent / request.length; // whole requests; a cut one stays unanswered
                client.shutdownOutput();
                client.configureBlocking(true);
                ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
                long answers = 0;
                byte[] marker = "Hello, World!".getBytes(StandardCharsets.ISO_8859_1);
                int matched = 0;
                int n;
                while ((n = client.read(buffer.clear())) >= 0) {
                    for (int i = 0; i < n; i++) {
                        byte b = buffer.get(i);
                        matched = b == marker[matched] ? matched + 1 : (b == marker[0] ? 1 : 0);
                        if (matched == marker.length) {
                            answers++;
                            matched = 0;
                        }
                    }
                }
                assertThat(answers).as("every whole request answered, in order, once the client reads").isEqualTo(requests);
                assertThat(handled.get()).isEqualTo(requests);
            }
            main.close();
            mainLoop.join(10_000);
        }
    }

    @Test
    void aHandlerThatReadsTheBodyElsewhereAndSendsAndOneThatDoesBoth() throws Exception {
        try (Catalyst main = Catalyst.open(Catalyst.Config.defaults().withName("sends").withErrors((w, c) -> { }))) {
            java.util.concurrent.atomic.AtomicLong counted = new java.util.concurrent.atomic.AtomicLong();
            HttpServer server = HttpServer.listen(main, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1)).each((req, res) -> {
                    if (req.target().equals("/count")) { // the body goes to a counter, the response is sent
                        req.body().forEach(chunk -> counted.addAndGet(chunk.remaining()));
                        res.send("counting");
                    } else if (req.target().equals("/short")) { // promises 5 bytes, gives none
                        res.header("Content-Length", "5");
                    } else { // a body from send() and one from the graph: a handler bug
                        req.body().to(res);
                        res.send("twice");
                    }
                });
            Thread loop = new Thread(main::loop, "sends");
            loop.start();
            String reply = exchangeWith(server, "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
                + "POST /both HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(reply).startsWith("HTTP/1.1 200 OK").contains("\r\n\r\ncounting")
                .contains("HTTP/1.1 500 ");
            assertThat(counted.get()).isEqualTo(10);
            assertThat(exchangeWith(server, "GET /short HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .as("a wrong Content-Length is caught before the head goes out").startsWith("HTTP/1.1 500 ");
            main.close();
            loop.join(10_000);
        }
    }

    @Test
    void workersShareTheConnectionsRoundRobin() throws Exception {
        try (Catalyst main = Catalyst.open(Catalyst.Config.defaults().withName("main").withErrors((w, c) -> { }))) {
            java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
            HttpServer three = HttpServer.listen(main, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(3)).each((req, res) -> {
                    threads.add(Thread.currentThread().getName());
                    echo(req, res);
                });
            Thread mainLoop = new Thread(main::loop, "main");
            mainLoop.start();
            for (int i = 0; i < 30; i++) {
                try (SocketChannel client = SocketChannel.open(three.address())) {
                    client.write(ByteBuffer.wrap(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
                        + i % 10 + "ok").getBytes(StandardCharsets.ISO_8859_1)));
                    ByteArrayOutputStream reply = new ByteArrayOutputStream();
                    ByteBuffer buffer = ByteBuffer.allocate(1024);
                    while (client.read(buffer.clear()) > 0) {
                        reply.write(buffer.array(), 0, buffer.position());
                    }
                    assertThat(reply.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK").endsWith(i % 10 + "ok");
                }
            }
            assertThat(threads).containsExactlyInAnyOrder("main", "main-worker-1", "main-worker-2");
            main.close();
            mainLoop.join(10_000);
        }
    }

    @Test
    void shutdownClosesWhatIsStillOpenAfterTheGracePeriod() throws Exception {
        // The grace period runs on a clock the test moves: no 100 ms of real time.
        org.agrona.concurrent.CachedNanoClock clock = new org.agrona.concurrent.CachedNanoClock();
        Catalyst graced = Catalyst.open(Catalyst.Config.defaults().withName("graced").withErrors((w, c) -> { }).withClock(clock));
        HttpServer server = HttpServer.listen(graced, new InetSocketAddress("127.0.0.1", 0),
            HttpServer.Options.defaults().withWorkers(1)).each(HttpServerTest::echo);
        Thread gracedLoop = new Thread(graced::loop, "graced");
        gracedLoop.start();
        try (graced; SocketChannel stuck = SocketChannel.open(server.address())) {
            // A body that never comes: the exchange cannot finish by itself.
            stuck.write(ByteBuffer.wrap("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten!!"
                .getBytes(StandardCharsets.ISO_8859_1)));
            // Wait for the echo of the ten bytes: the exchange is in flight and the server has read everything
            // sent. Shutting down earlier races the accept, and the kernel resets a connection still in the backlog.
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(1024);
            while (!received.toString(StandardCharsets.ISO_8859_1).endsWith("only ten!!")) {
                assertThat(stuck.read(buffer.clear())).isPositive();
                received.write(buffer.array(), 0, buffer.position());
            }
            CompletableFuture<Void> done = server.shutdown(java.time.Duration.ofMillis(100));
            graced.submit(() -> null).get(30, java.util.concurrent.TimeUnit.SECONDS); // the grace timer is set
            assertThat(done).as("within the grace period the exchange may still finish").isNotDone();
            clock.advance(java.time.Duration.ofMillis(110).toNanos()); // past the grace and the wheel's tick
            graced.submit(() -> null).get(30, java.util.concurrent.TimeUnit.SECONDS); // wakes the loop: the timer is due
            done.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(stuck.read(buffer.clear())).isEqualTo(-1); // closed, not reset: nothing unread was left
        }
        gracedLoop.join(30_000);
    }

    @Test
    void curlSendsSeveralRequestsOnOneConnection() throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "30", "-w", "[%{num_connects} %{http_code}]",
            uri.toString(), uri.toString(), uri.toString()).redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(output).isZero();
        assertThat(output).isEqualTo("Hello, World![1 200]Hello, World![0 200]Hello, World![0 200]"); // one connect, reused
    }

    /** Sends {@code requests} on one connection, half-closes, and reads until the server closes. */
    private String exchange(String requests) throws Exception {
        return exchangeWith(server, requests);
    }

    private static String exchangeWith(HttpServer server, String requests) throws Exception {
        try (SocketChannel client = SocketChannel.open(server.address())) {
            client.write(ByteBuffer.wrap(requests.getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream replies = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (client.read(buffer.clear()) > 0) {
                replies.write(buffer.array(), 0, buffer.position());
            }
            return replies.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
