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
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.dsl.Graph;

/**
 * The reverse proxy on real sockets on loopback: curl and raw sockets played by test threads in
 * front of it; behind it pushback's own server, the JDK's {@code com.sun.net.httpserver}, or a
 * raw upstream a test thread plays (one that answers late, never, or stops in the middle). The
 * proxy runs on a catalyst thread of its own whose timers run on a clock the test moves; the
 * upstream server on another.
 */
@Timeout(120)
class ReverseProxyTest {
    /** The prime length of the pattern big bodies repeat: a chunk lost or sent twice shifts what follows. */
    private static final int PATTERN_LENGTH = 65_521;
    private static final byte[] PATTERN = new byte[PATTERN_LENGTH];

    static {
        new Random(7).nextBytes(PATTERN);
    }

    @TempDir
    Path dir;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final List<String> reports = new CopyOnWriteArrayList<>();
    /** The requests the upstream got: method, target and header fields, as they arrived. */
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Bytes the upstream's generating source has given so far. */
    private final AtomicLong generated = new AtomicLong();
    /** The graph of the proxy's last exchange, to read its plan's bound and progress. */
    private volatile Graph lastExchange;

    private Catalyst upstreamCatalyst;
    private Thread upstreamLoop;
    private HttpServer upstream;
    private Catalyst proxyCatalyst;
    private Thread proxyLoop;
    private HttpServer proxy;
    private HttpClient client;
    private com.sun.net.httpserver.HttpServer jdk;
    private ExecutorService jdkExecutor;
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private URI proxiedTo;

    record Seen(String method, String target, List<HttpHeader> headers) {
        String header(String name) {
            return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(HttpHeader::value).findFirst().orElse(null);
        }

        List<String> names() {
            return headers.stream().map(h -> h.name().toLowerCase(Locale.ROOT)).toList();
        }
    }

    /**
     * The upstream: {@code /big/N} streams N bytes of the pattern from a generating source (with
     * its Content-Length); a body is echoed; a GET gets {@code GET target}.
     */
    private void upstreamHandler(HttpRequest request, HttpResponse response) {
        seen.add(new Seen(request.method(), request.target(), List.copyOf(request.headers())));
        if (request.target().startsWith("/big/")) {
            long size = Long.parseLong(request.target().substring(5));
            response.header("Content-Length", Long.toString(size));
            request.graph().read("generated", new Generated(size, generated)).to(response);
        } else if (request.hasBody()) {
            request.body().to(response);
        } else {
            response.header("Content-Type", "text/plain").send(request.method() + " " + request.target());
        }
    }

    @BeforeEach
    void startUpstream() throws Exception {
        upstreamCatalyst = Catalyst.open(Catalyst.Config.defaults().withName("upstream").withErrors((what, cause) -> { }));
        upstream = HttpServer.listen(upstreamCatalyst, new InetSocketAddress("127.0.0.1", 0),
            HttpServer.Options.defaults().withWorkers(1)).each(this::upstreamHandler);
        upstreamLoop = new Thread(upstreamCatalyst::loop, "upstream");
        upstreamLoop.start();
    }

    /** Starts the proxy to {@code to}, its client's response timeout 5 s. */
    private void startProxy(URI to) throws Exception {
        proxyCatalyst = Catalyst.open(Catalyst.Config.defaults().withName("proxy").withClock(clock)
            .withErrors((what, cause) -> reports.add(what + ": " + cause)));
        client = HttpClient.create(HttpClient.Options.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(60)));
        proxiedTo = to;
        ReverseProxy handler = ReverseProxy.to(client, to);
        proxy = HttpServer.listen(proxyCatalyst, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults().withWorkers(1))
            .each((request, response) -> {
                handler.handle(request, response);
                lastExchange = request.graph(); // once wired: a probe compiles it from the test thread
            });
        proxyLoop = new Thread(proxyCatalyst::loop, "proxy");
        proxyLoop.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : closeLater) {
            closeable.close();
        }
        if (client != null) {
            client.close();
        }
        if (proxyCatalyst != null) {
            proxyCatalyst.close();
            proxyLoop.join(10_000);
        }
        upstreamCatalyst.close();
        upstreamLoop.join(10_000);
        if (jdk != null) {
            jdk.stop(0);
            jdkExecutor.shutdownNow();
        }
    }

    private URI upstreamUri() {
        return URI.create("http://127.0.0.1:" + upstream.address().getPort());
    }

    private String proxyUrl(String path) {
        return "http://127.0.0.1:" + proxy.address().getPort() + path;
    }

    /** The JDK's server as the upstream: the same answers as {@link #upstreamHandler}, bodies echoed chunked. */
    private URI startJdkUpstream() throws IOException {
        jdkExecutor = Executors.newFixedThreadPool(2);
        jdk = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jdk.setExecutor(jdkExecutor);
        jdk.createContext("/", exchange -> {
            List<HttpHeader> headers = new ArrayList<>();
            for (Map.Entry<String, List<String>> field : exchange.getRequestHeaders().entrySet()) {
                for (String value : field.getValue()) {
                    headers.add(new HttpHeader(field.getKey(), value));
                }
            }
            String target = exchange.getRequestURI().toString();
            seen.add(new Seen(exchange.getRequestMethod(), target, headers));
            try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
                boolean hasBody = exchange.getRequestHeaders().containsKey("Content-Length")
                    || exchange.getRequestHeaders().containsKey("Transfer-Encoding");
                if (hasBody) {
                    exchange.sendResponseHeaders(200, 0); // chunked, streamed as it is read
                    in.transferTo(out);
                } else {
                    byte[] text = (exchange.getRequestMethod() + " " + target).getBytes(StandardCharsets.ISO_8859_1);
                    exchange.getResponseHeaders().add("Content-Type", "text/plain");
                    exchange.sendResponseHeaders(200, text.length);
                    out.write(text);
                }
            }
        });
        jdk.start();
        return URI.create("http://127.0.0.1:" + jdk.getAddress().getPort());
    }

    // ---------------------------------------------------------------- 1. curl, pipelining, headers

    @Test
    void curlThroughTheProxyToPushbacksServer() throws Exception {
        startProxy(upstreamUri());
        curlGetPostAndChunkedUpload();
    }

    @Test
    void curlThroughTheProxyToTheJdksServer() throws Exception {
        startProxy(startJdkUpstream());
        curlGetPostAndChunkedUpload();
    }

    private void curlGetPostAndChunkedUpload() throws Exception {
        Curl get = curl("-D", "-", proxyUrl("/hello?x=1"));
        assertThat(get.exitCode()).as(get.stderr()).isZero();
        assertThat(get.stdout()).startsWith("HTTP/1.1 200").containsIgnoringCase("\r\nVia: 1.1 pushback\r\n")
            .endsWith("\r\n\r\nGET /hello?x=1");

        Path in = random("in", 100 << 20, 1);
        Path out = dir.resolve("out");
        Curl post = curl("--data-binary", "@" + in, "-H", "Content-Type: application/octet-stream", "-o", out.toString(),
            proxyUrl("/upload"));
        assertThat(post.exitCode()).as(post.stderr()).isZero();
        assertThat(Files.mismatch(in, out)).as("100 MiB echoed byte-identical").isEqualTo(-1L);
        assertThat(seen.get(seen.size() - 1).header("Content-Length")).isEqualTo(Long.toString(100 << 20));

        Path chunkedIn = random("chunked-in", 8 << 20, 2);
        Path chunkedOut = dir.resolve("chunked-out");
        Curl chunked = curl("--data-binary", "@" + chunkedIn, "-H", "Transfer-Encoding: chunked", "-o", chunkedOut.toString(),
            proxyUrl("/chunked"));
        assertThat(chunked.exitCode()).as(chunked.stderr()).isZero();
        assertThat(Files.mismatch(chunkedIn, chunkedOut)).as("a chunked upload echoed byte-identical").isEqualTo(-1L);
        Seen last = seen.get(seen.size() - 1);
        assertThat(last.target()).isEqualTo("/chunked");
        assertThat(last.header("Transfer-Encoding")).as("the proxy frames the body itself: chunked again").isEqualToIgnoringCase("chunked");
        assertThat(reports).isEmpty();
    }

    @Test
    void hopByHopFieldsStayOnTheirHopAndViaAndForwardedFieldsAreAdded() throws Exception {
        for (boolean jdkUpstream : new boolean[] {false, true}) {
            seen.clear();
            if (proxyCatalyst != null) {
                client.close();
                proxyCatalyst.close();
                proxyLoop.join(10_000);
                reports.clear(); // the closed catalyst's accept fiber says so: no failure of the proxy's
            }
            startProxy(jdkUpstream ? startJdkUpstream() : upstreamUri());
            Curl get = curl("-D", "-", "-H", "Connection: keep-alive, X-Hop-Secret", "-H", "X-Hop-Secret: 1",
                "-H", "Keep-Alive: timeout=5", "-H", "TE: trailers", "-H", "Proxy-Connection: keep-alive",
                "-H", "X-Kept: yes", "-H", "Via: 1.0 edge", "-H", "X-Forwarded-For: 192.0.2.7", "-H", "X-Forwarded-Proto: https",
                proxyUrl("/headers"));
            assertThat(get.exitCode()).as(get.stderr()).isZero();
            assertThat(get.stdout()).containsIgnoringCase("\r\nVia: 1.1 pushback\r\n");
            // Upgrade is asked for on its own: the proxy's server declines it (and closes after the answer).
            Curl upgrade = curl("-H", "Connection: Upgrade", "-H", "Upgrade: websocket", proxyUrl("/upgrade"));
            assertThat(upgrade.exitCode()).as(upgrade.stderr()).isZero();
            assertThat(upgrade.stdout()).isEqualTo("GET /upgrade");

            assertThat(seen).hasSize(2);
            Seen headers = seen.get(0);
            assertThat(headers.names()).as(jdkUpstream ? "jdk" : "pushback")
                .doesNotContain("connection", "x-hop-secret", "keep-alive", "te", "proxy-connection", "upgrade")
                .contains("x-kept", "host", "user-agent");
            assertThat(headers.header("Via")).isEqualTo("1.0 edge, 1.1 pushback");
            assertThat(headers.header("X-Forwarded-For")).isEqualTo("192.0.2.7, 127.0.0.1");
            assertThat(headers.header("X-Forwarded-Proto")).as("what this hop was").isEqualTo("http");
            assertThat(headers.header("Host")).as("as the client sent it").isEqualTo("127.0.0.1:" + proxy.address().getPort());
            assertThat(seen.get(1).names()).doesNotContain("connection", "upgrade");
            assertThat(seen.get(1).header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void theUpstreamsHopByHopFieldsStayBehindAndViaIsAppended() throws Exception {
        RawUpstream raw = rawUpstream();
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
                + "Keep-Alive: timeout=5\r\nVia: 1.0 origin\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok")
                .getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().read(); // until the proxy closes or the test ends
        });
        startProxy(raw.uri());
        Curl get = curl("-D", "-", proxyUrl("/"));
        assertThat(get.exitCode()).as(get.stderr()).isZero();
        String head = get.stdout().substring(0, get.stdout().indexOf("\r\n\r\n") + 2).toLowerCase(Locale.ROOT);
        assertThat(head).contains("\r\nvia: 1.0 origin, 1.1 pushback\r\n", "\r\nx-kept: yes\r\n", "\r\ncontent-length: 2\r\n")
            .doesNotContain("x-secret", "keep-alive: timeout");
        assertThat(get.stdout()).endsWith("\r\n\r\nok");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        startProxy(upstreamUri());
        String requests = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /4 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        String replies = exchange(proxy, requests); // one write: all five arrive together
        int first = replies.indexOf("\r\n\r\nGET /1");
        int second = replies.indexOf("\r\n\r\n5\r\nhello\r\n0\r\n\r\n"); // the echo's body is chunked
        int third = replies.indexOf("\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        int fourth = replies.indexOf("\r\n\r\nGET /4");
        int fifth = replies.indexOf("\r\n\r\nGET /5");
        assertThat(replies).startsWith("HTTP/1.1 200 OK\r\n").endsWith("GET /5");
        assertThat(List.of(first, second, third, fourth, fifth)).as(replies).doesNotContain(-1).isSorted();
        assertThat(replies.split("HTTP/1.1 200 OK", -1)).hasSize(6);
        assertThat(seen).extracting(Seen::target).containsExactly("/1", "/2", "/3", "/4", "/5");
        assertThat(reports).isEmpty();
    }

    // ---------------------------------------------------------------- 2. memory

    /*
     * 1 GiB each way: on this machine (two cores shared with other builds) a gibibyte through the
     * proxy takes a few seconds, so the full figure of the issue is used.
     */
    private static final long HUGE = 1L << 30;

    @Test
    void aSlowClientStopsTheProxyReadingTheUpstreamAndThenGetsEveryByte() throws Exception {
        startProxy(upstreamUri());
        try (SocketChannel slow = SocketChannel.open(proxy.address())) {
            slow.write(ByteBuffer.wrap(("GET /big/" + HUGE + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1)));
            // Read nothing until the proxy is stuck: its response sink refuses bytes (the socket takes
            // none) and the exchange's fibers make no move across several rounds of its catalyst.
            Graph exchange = awaitStuck(ResponseSink.class);
            long bound = exchange.compile().retainedBound();
            assertThat(proxyCatalyst.retainedBytes()).as("N3: retained now, bound " + bound).isLessThanOrEqualTo(bound);
            assertThat(proxyCatalyst.peakRetainedBytes()).as("N3: the proxy's peak, bound " + bound).isLessThanOrEqualTo(bound);
            assertThat(generated.get()).as("the upstream was stopped too: kernel buffers and a few chunks hold the rest")
                .isLessThan(64L << 20);
            // A slow reader of the response is no timeout of the upstream's: past the client's 5 s, nothing fails.
            clock.advance(Duration.ofSeconds(12).toNanos());
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            assertThat(reports).isEmpty();

            // Now read: exactly the gibibyte arrives, in order.
            InputStream in = slow.socket().getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: " + HUGE + "\r\n", "Via: 1.1 pushback");
            CRC32C actual = new CRC32C();
            byte[] buffer = new byte[1 << 16];
            long got = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                actual.update(buffer, 0, n);
                got += n;
            }
            assertThat(got).isEqualTo(HUGE);
            assertThat(actual.getValue()).isEqualTo(patternCrc(HUGE));
            assertThat(proxyCatalyst.peakRetainedBytes()).as("N3 still, bound " + bound).isLessThanOrEqualTo(bound);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void aSlowUpstreamStopsTheProxyReadingTheClientAndThenGetsEveryByte() throws Exception {
        RawUpstream raw = rawUpstream();
        CountDownLatch readNow = new CountDownLatch(1);
        AtomicReference<String> upstreamHead = new AtomicReference<>();
        AtomicLong upstreamGot = new AtomicLong();
        AtomicLong upstreamCrc = new AtomicLong();
        CountDownLatch upstreamDone = new CountDownLatch(1);
        CountDownLatch headRead = new CountDownLatch(1);
        raw.then(socket -> {
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            upstreamHead.set(head);
            headRead.countDown();
            readNow.await(); // a slow upstream: the body waits in the kernel's buffers, then the proxy's
            CRC32C crc = new CRC32C();
            byte[] buffer = new byte[1 << 16];
            long got = 0;
            while (got < HUGE) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, HUGE - got));
                if (n < 0) {
                    break;
                }
                crc.update(buffer, 0, n);
                got += n;
            }
            upstreamGot.set(got);
            upstreamCrc.set(crc.getValue());
            upstreamDone.countDown();
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nreceived".getBytes(StandardCharsets.ISO_8859_1));
            in.read();
        });
        startProxy(raw.uri());
        try (SocketChannel uploader = SocketChannel.open(proxy.address())) {
            uploader.configureBlocking(false);
            ByteBuffer head = ByteBuffer.wrap(("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + HUGE
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            while (head.hasRemaining()) {
                uploader.write(head);
            }
            Pattern body = new Pattern(HUGE);
            // Write until the proxy is stuck: the upstream request's sink refuses bytes and nothing moves.
            Graph exchange = null;
            Progress stuckSince = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (exchange == null) {
                assertThat(body.sent).as("the proxy stopped reading: only kernel buffers and a few chunks hold what was sent")
                    .isLessThan(64L << 20);
                assertThat(System.nanoTime()).as("the proxy backs up within a minute").isLessThan(deadline);
                if (body.writeTo(uploader) > 0) {
                    stuckSince = null;
                    continue;
                }
                Progress now = progress(RequestBodySink.class);
                if (now == null || !now.refused()) {
                    stuckSince = null;
                } else if (stuckSince == null || now.moves() != stuckSince.moves()) {
                    stuckSince = now;
                } else if (now.round() >= stuckSince.round() + 3) {
                    exchange = now.graph();
                }
            }
            long bound = exchange.compile().retainedBound();
            assertThat(proxyCatalyst.retainedBytes()).as("N3: retained now, bound " + bound).isLessThanOrEqualTo(bound);
            assertThat(proxyCatalyst.peakRetainedBytes()).as("N3: the proxy's peak, bound " + bound).isLessThanOrEqualTo(bound);
            // The head is in the upstream's kernel buffer; its thread may not have read it yet.
            assertThat(headRead.await(30, TimeUnit.SECONDS)).as("the upstream got the head").isTrue();
            assertThat(upstreamHead.get()).startsWith("PUT /upload HTTP/1.1\r\n").contains("Content-Length: " + HUGE + "\r\n");

            readNow.countDown(); // the upstream reads now: everything flows
            ByteBuffer reply = ByteBuffer.allocate(4096);
            ByteArrayOutputStream replies = new ByteArrayOutputStream();
            while (true) {
                body.writeTo(uploader);
                int n = uploader.read(reply.clear());
                if (n < 0) {
                    break;
                }
                replies.write(reply.array(), 0, n);
                if (n == 0 && !body.hasRemaining()) {
                    Thread.onSpinWait();
                }
                assertThat(System.nanoTime()).as("the upload completes").isLessThan(deadline + TimeUnit.SECONDS.toNanos(60));
            }
            assertThat(body.sent).isEqualTo(HUGE);
            assertThat(replies.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nreceived");
            assertThat(upstreamDone.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(upstreamGot.get()).isEqualTo(HUGE);
            assertThat(upstreamCrc.get()).isEqualTo(patternCrc(HUGE));
            assertThat(proxyCatalyst.peakRetainedBytes()).as("N3 still, bound " + bound).isLessThanOrEqualTo(bound);
        }
        assertThat(reports).isEmpty();
    }

    /** What the proxy's last exchange shows at one round: the round, its fibers' moves, whether a sink of the class refuses. */
    private record Progress(Graph graph, long round, long moves, boolean refused) {}

    private Progress progress(Class<? extends Endpoint> sink) throws Exception {
        Graph current = lastExchange;
        if (current == null) {
            return null; // the exchange has not started yet
        }
        CompiledPlan plan = (CompiledPlan) current.compile();
        return proxyCatalyst.submit(() -> {
            long moves = 0;
            for (Fiber fiber : plan.fibers()) {
                moves += fiber.handleMoves();
            }
            boolean refused = false;
            for (Endpoint endpoint : plan.endpoints()) {
                refused |= sink.isInstance(endpoint) && !endpoint.handleIsAvailable();
            }
            return new Progress(current, Core.of(proxyCatalyst).handleRounds(), moves, refused && moves > 0);
        }).get(30, TimeUnit.SECONDS);
    }

    /** Polls until the exchange's {@code sink} refuses and its fibers made no move across three rounds. */
    private Graph awaitStuck(Class<? extends Endpoint> sink) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Progress stuckSince = null;
        while (true) {
            assertThat(System.nanoTime()).as("the proxy backs up within a minute").isLessThan(deadline);
            Progress now = progress(sink);
            if (now == null || !now.refused()) {
                stuckSince = null;
            } else if (stuckSince == null || now.moves() != stuckSince.moves()) {
                stuckSince = now;
            } else if (now.round() >= stuckSince.round() + 3) {
                return now.graph();
            }
        }
    }

    // ---------------------------------------------------------------- 3. failures

    @Test
    void anUpstreamThatIsDownGets502AndTheProxyServesTheNextRequest() throws Exception {
        int port;
        try (ServerSocket nobody = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = nobody.getLocalPort(); // closed again: nobody listens there
        }
        startProxy(URI.create("http://127.0.0.1:" + port));
        Curl down = curl("-D", "-", proxyUrl("/down"));
        assertThat(down.exitCode()).as(down.stderr()).isZero();
        assertThat(down.stdout()).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        // The next requests, on one keep-alive connection: 502 each, answered in order.
        String replies = exchange(proxy, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(replies.split("HTTP/1.1 502 Bad Gateway\r\n", -1)).as(replies).hasSize(3);
        // The upstream comes up on that port: the same proxy serves through to it.
        Catalyst late = Catalyst.open(Catalyst.Config.defaults().withName("late").withErrors((what, cause) -> { }));
        HttpServer.listen(late, new InetSocketAddress("127.0.0.1", port), HttpServer.Options.defaults().withWorkers(1))
            .each(this::upstreamHandler);
        Thread lateLoop = new Thread(late::loop, "late");
        lateLoop.start();
        closeLater.add(() -> {
            late.close();
            lateLoop.join(10_000);
        });
        Curl up = curl(proxyUrl("/up"));
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        assertThat(up.stdout()).isEqualTo("GET /up");
        assertThat(reports).as("each failed exchange reported").hasSize(3)
            .allSatisfy(report -> assertThat(report).contains("127.0.0.1:" + port));
    }

    @Test
    void anUpstreamThatNeverAnswersGets504AfterTheResponseTimeoutOnTheTestsClock() throws Exception {
        RawUpstream raw = rawUpstream();
        CountDownLatch headRead = new CountDownLatch(1);
        raw.then(socket -> {
            readHead(socket.getInputStream());
            headRead.countDown();
            socket.getInputStream().read(); // never answers: until the proxy gives up and closes
        });
        raw.then(socket -> {
            String head = readHead(socket.getInputStream());
            byte[] text = ("late: " + head.substring(0, head.indexOf(" HTTP/"))).getBytes(StandardCharsets.ISO_8859_1);
            socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + text.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(text);
            socket.getInputStream().read();
        });
        startProxy(raw.uri());
        try (Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(headRead.await(30, TimeUnit.SECONDS)).isTrue();
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // the round that sent the request is over
            clock.advance(Duration.ofMillis(4_000).toNanos());
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            assertThat(socket.getInputStream().available()).as("not yet: 4 s of 5").isZero();
            assertThat(reports).isEmpty();
            clock.advance(Duration.ofMillis(1_500).toNanos()); // past the timeout and the wheel's tick
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // wakes the loop: the timer is due
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
            in.readNBytes(contentLength(head));
            // The same connection goes on: the next request reaches the upstream on a new connection of the pool.
            socket.getOutputStream().write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String next = readHead(in);
            assertThat(next).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(new String(in.readNBytes(contentLength(next)), StandardCharsets.ISO_8859_1)).isEqualTo("late: GET /next");
        }
        assertThat(reports).hasSize(1).allSatisfy(report -> assertThat(report).contains("did not answer within 5 s"));
    }

    @Test
    void anUpstreamThatTakesTheWholeUploadAndNeverAnswersGets504() throws Exception {
        RawUpstream raw = rawUpstream();
        CountDownLatch bodyRead = new CountDownLatch(1);
        int size = 1 << 20;
        raw.then(socket -> {
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(in.readNBytes(contentLength(head))).hasSize(size);
            bodyRead.countDown();
            in.read(); // never answers
        });
        startProxy(raw.uri());
        try (Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
            socket.setSoTimeout(30_000);
            byte[] body = new byte[size];
            new Random(9).nextBytes(body);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            assertThat(bodyRead.await(30, TimeUnit.SECONDS)).isTrue();
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            clock.advance(Duration.ofMillis(6_500).toNanos()); // the request is all out: the timeout runs
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
        }
        assertThat(reports).hasSize(1).allSatisfy(report -> assertThat(report).contains("did not answer within 5 s"));
    }

    @Test
    void aClientThatLeavesInTheMiddleOfAnUploadCutsTheUpstreamsRequestShort() throws Exception {
        RawUpstream raw = rawUpstream();
        AtomicLong upstreamGot = new AtomicLong();
        CountDownLatch upstreamSawTheEnd = new CountDownLatch(1);
        raw.then(socket -> {
            InputStream in = socket.getInputStream();
            readHead(in);
            try {
                upstreamGot.set(in.transferTo(OutputStream.nullOutputStream()));
            } finally {
                upstreamSawTheEnd.countDown();
            }
        });
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext".getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().read();
        });
        startProxy(raw.uri());
        try (Socket leaving = new Socket("127.0.0.1", proxy.address().getPort())) {
            OutputStream out = leaving.getOutputStream();
            out.write("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[100_000]);
            out.flush();
            // No sleep: the upload is in flight once the upstream has its connection's bytes; leave then.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (proxyCatalyst.submit(() -> handleOpenUpstreamConnections() == 0).get(30, TimeUnit.SECONDS)) {
                assertThat(System.nanoTime()).as("the upload reaches the upstream").isLessThan(deadline);
            }
            leaving.setSoLinger(true, 0);
        } // a reset, mid-body
        assertThat(upstreamSawTheEnd.await(30, TimeUnit.SECONDS)).as("the upstream's connection closed").isTrue();
        assertThat(upstreamGot.get()).as("a request cut short, not passed off as whole").isLessThan(10_000_000L);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (proxyCatalyst.submit(() -> handleOpenUpstreamConnections() > 0 || proxyCatalyst.retainedBytes() > 0).get(30, TimeUnit.SECONDS)) {
            assertThat(System.nanoTime()).as("the upstream connection closed, the bytes back").isLessThan(deadline);
        }
        Curl next = curl(proxyUrl("/next"));
        assertThat(next.exitCode()).as(next.stderr()).isZero();
        assertThat(next.stdout()).isEqualTo("next");
        assertThat(reports).as("the reset exchange failed once, at most").hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void anUpstreamThatClosesInTheMiddleOfTheBodyCutsTheClientsResponseShort() throws Exception {
        RawUpstream raw = rawUpstream();
        byte[] half = new byte[50_000];
        new Random(3).nextBytes(half);
        raw.then(socket -> { // with a Content-Length: curl sees fewer bytes than announced
            readHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write(half);
            out.flush();
            socket.close();
        });
        raw.then(socket -> { // chunked: the client sees no last chunk, and the close
            readHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.close();
        });
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwhole".getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().read();
        });
        startProxy(raw.uri());
        Path out = dir.resolve("cut");
        Curl cut = curl("-o", out.toString(), proxyUrl("/cut"));
        assertThat(cut.exitCode()).as("CURLE_PARTIAL_FILE: " + cut.stderr()).isEqualTo(18);
        byte[] got = Files.readAllBytes(out);
        assertThat(got.length).isLessThan(100_000);
        assertThat(half).startsWith(got);

        try (Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1); // to the close
            assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("Transfer-Encoding: chunked\r\n");
            String body = reply.substring(reply.indexOf("\r\n\r\n") + 4);
            assertThat(dechunkPrefix(body)).as(reply).isEqualTo("firstsecond");
            assertThat(body).as("no last chunk").doesNotContain("0\r\n\r\n");
        }
        Curl whole = curl(proxyUrl("/whole"));
        assertThat(whole.exitCode()).as(whole.stderr()).isZero();
        assertThat(whole.stdout()).isEqualTo("whole");
        assertThat(reports).hasSize(2).allSatisfy(report -> assertThat(report).contains("in the middle of the response body"));
    }

    // ---------------------------------------------------------------- more of the same: what a proxy meets

    @Test
    void aSlowUploaderIsNoTimeoutOfTheUpstreams() throws Exception {
        startProxy(upstreamUri());
        try (Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(readUntil(in, "hello")).as("the echo has begun, chunked").endsWith("\r\nhello");
            // The proxy waits on its client, not on the upstream: past the client's 5 s, nothing fails.
            clock.advance(Duration.ofSeconds(12).toNanos());
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            proxyCatalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
            assertThat(reports).isEmpty();
            out.write("world".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readUntil(in, "\r\n0\r\n\r\n")).as("the rest, and the last chunk").contains("world");
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void anAbsoluteFormTargetGoesOnInOriginFormAndAnAsteriskAsItIs() throws Exception {
        startProxy(upstreamUri());
        String replies = exchange(proxy, "GET http://example.org:8080/abs?q=1 HTTP/1.1\r\nHost: ignored.example\r\n\r\n"
            + "GET http://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n"
            + "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(replies).as(replies).startsWith("HTTP/1.1 200 OK\r\n").contains("\r\n\r\nGET /abs?q=1HTTP/1.1 200 OK\r\n")
            .contains("\r\n\r\nGET /HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nOPTIONS *");
        assertThat(seen).extracting(Seen::target).containsExactly("/abs?q=1", "/", "*");
        // RFC 9112 §3.2.2: the host is the target's authority, whatever Host said.
        assertThat(seen.get(0).header("Host")).isEqualTo("example.org:8080");
        assertThat(seen.get(1).header("Host")).isEqualTo("example.org");
        assertThat(reports).isEmpty();
    }

    @Test
    void headAndBodilessStatusesPassThroughWithoutABody() throws Exception {
        RawUpstream raw = rawUpstream();
        raw.then(socket -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            assertThat(readHead(in)).startsWith("HEAD /head HTTP/1.1\r\n");
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"a\"\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readHead(in)).startsWith("GET /304 HTTP/1.1\r\n");
            out.write("HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readHead(in)).startsWith("DELETE /204 HTTP/1.1\r\n");
            out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readHead(in)).startsWith("GET /404 HTTP/1.1\r\n");
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nmissing".getBytes(StandardCharsets.ISO_8859_1));
            in.read();
        });
        startProxy(raw.uri());
        String replies = exchange(proxy, "HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /304 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\n\r\n"
            + "DELETE /204 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /404 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String[] responses = replies.split("(?=HTTP/1\\.1 )");
        assertThat(responses).as(replies).hasSize(4);
        assertThat(responses[0]).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 1234\r\n").endsWith("\r\n\r\n");
        assertThat(responses[1]).startsWith("HTTP/1.1 304 ").contains("ETag: \"a\"\r\n").endsWith("\r\n\r\n")
            .doesNotContain("Transfer-Encoding");
        assertThat(responses[2]).startsWith("HTTP/1.1 204 ").endsWith("\r\n\r\n").doesNotContain("Transfer-Encoding");
        assertThat(responses[3]).startsWith("HTTP/1.1 404 ").endsWith("\r\n\r\nmissing");
        assertThat(reports).isEmpty();
    }

    @Test
    void anUpstreamThatAnswersBeforeReadingTheBodyGetsItsAnswerToTheClient() throws Exception {
        RawUpstream raw = rawUpstream();
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo much"
                .getBytes(StandardCharsets.ISO_8859_1));
            socket.shutdownOutput();
            socket.getInputStream().transferTo(OutputStream.nullOutputStream()); // reads the rest, so the close is no reset
        });
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter".getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().read();
        });
        startProxy(raw.uri());
        Path in = random("in", 4 << 20, 5);
        Curl refused = curl("-D", "-", "--data-binary", "@" + in, proxyUrl("/upload"));
        assertThat(refused.exitCode()).as(refused.stderr()).isZero();
        // curl asked for 100-continue (a body over 1 MiB): the proxy's own server answered it (the
        // Expect field is not passed on), so the final answer follows an interim 100.
        assertThat(refused.stdout().replaceFirst("^HTTP/1\\.1 100 Continue\r\n\r\n", ""))
            .startsWith("HTTP/1.1 413 ").endsWith("\r\n\r\ntoo much");
        Curl after = curl(proxyUrl("/after"));
        assertThat(after.exitCode()).as(after.stderr()).isZero();
        assertThat(after.stdout()).isEqualTo("after");
    }

    @Test
    void theRestOfABodyTheUpstreamRefusedIsSkippedAndTheClientsNextRequestServed() throws Exception {
        RawUpstream raw = rawUpstream();
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo much"
                .getBytes(StandardCharsets.ISO_8859_1));
            socket.shutdownOutput();
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        });
        raw.then(socket -> {
            String head = readHead(socket.getInputStream());
            assertThat(head).startsWith("GET /after HTTP/1.1\r\n");
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter".getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().read();
        });
        startProxy(raw.uri());
        byte[] body = new byte[4 << 20];
        new Random(6).nextBytes(body);
        try (Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
            socket.setSoTimeout(30_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.write("GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException closed) {
                    // the proxy may close instead of reading the rest: what is read below says which
                }
            }, "uploader");
            writer.start();
            String replies = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            writer.join(30_000);
            assertThat(replies).startsWith("HTTP/1.1 413 ").contains("\r\n\r\ntoo much");
            String refusal = replies.substring(0, replies.indexOf("\r\n\r\n"));
            if (refusal.contains("Connection: close")) {
                assertThat(replies).as("closed after the refusal: nothing more").endsWith("too much");
            } else {
                assertThat(replies).as("kept alive: the next request is served").endsWith("\r\n\r\nafter");
            }
        }
    }

    @Test
    void aResponseEndedByTheUpstreamsCloseReachesTheClientWhole() throws Exception {
        RawUpstream raw = rawUpstream();
        byte[] body = new byte[300_000];
        new Random(8).nextBytes(body);
        raw.then(socket -> {
            readHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            socket.shutdownOutput(); // the body's end (RFC 9112 §6.3, item 8)
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        });
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext".getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().read();
        });
        startProxy(raw.uri());
        Path out = dir.resolve("whole");
        Curl whole = curl("-o", out.toString(), proxyUrl("/until-close"));
        assertThat(whole.exitCode()).as(whole.stderr()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(body);
        Curl next = curl(proxyUrl("/next"));
        assertThat(next.exitCode()).as(next.stderr()).isZero();
        assertThat(next.stdout()).isEqualTo("next");
        assertThat(reports).isEmpty();
    }

    @Test
    void anUpstreamThatClosesAnIdleConnectionIsNoFailureOfTheNextRequest() throws Exception {
        RawUpstream raw = rawUpstream();
        CountDownLatch closed = new CountDownLatch(1);
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst".getBytes(StandardCharsets.ISO_8859_1));
            socket.close(); // kept alive, as far as the response says; then closed while idle
            closed.countDown();
        });
        raw.then(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond".getBytes(StandardCharsets.ISO_8859_1));
            socket.getInputStream().read();
        });
        startProxy(raw.uri());
        assertThat(curl(proxyUrl("/1")).stdout()).isEqualTo("first");
        assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
        Curl second = curl(proxyUrl("/2"));
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(second.stdout()).isEqualTo("second");
        assertThat(reports).isEmpty();
    }

    @Test
    void aClientThatLeavesInTheMiddleOfADownloadReleasesTheUpstreamConnectionAndItsBytes() throws Exception {
        startProxy(upstreamUri());
        try (SocketChannel leaving = SocketChannel.open(proxy.address())) {
            leaving.write(ByteBuffer.wrap(("GET /big/" + HUGE + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
            InputStream in = leaving.socket().getInputStream();
            assertThat(readHead(in)).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(in.readNBytes(1 << 20)).hasSize(1 << 20);
            leaving.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
        } // a reset, mid-body
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (proxyCatalyst.submit(() -> handleOpenUpstreamConnections() > 0 || proxyCatalyst.retainedBytes() > 0).get(30, TimeUnit.SECONDS)) {
            assertThat(System.nanoTime()).as("the upstream connection closed, the bytes back").isLessThan(deadline);
        }
        long stoppedAt = generated.get();
        assertThat(stoppedAt).as("the upstream was not read to its end").isLessThan(HUGE);
        Curl next = curl(proxyUrl("/next"));
        assertThat(next.exitCode()).as(next.stderr()).isZero();
        assertThat(next.stdout()).isEqualTo("GET /next");
        assertThat(reports).as("the reset exchange failed once, at most").hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void concurrentClientsThroughALimitedPoolAreAllServedIntact() throws Exception {
        client = HttpClient.create(HttpClient.Options.defaults().withMaxConnectionsPerOrigin(4));
        proxyCatalyst = Catalyst.open(Catalyst.Config.defaults().withName("proxy").withClock(clock)
            .withErrors((what, cause) -> reports.add(what + ": " + cause)));
        proxy = HttpServer.listen(proxyCatalyst, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults().withWorkers(1))
            .each(ReverseProxy.to(client, upstreamUri()));
        proxyLoop = new Thread(proxyCatalyst::loop, "proxy");
        proxyLoop.start();
        java.net.http.HttpClient jdkClient = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        List<java.util.concurrent.CompletableFuture<Boolean>> results = new ArrayList<>();
        Random random = new Random(11);
        for (int i = 0; i < 100; i++) {
            byte[] body = new byte[random.nextInt(200_000)];
            random.nextBytes(body);
            results.add(jdkClient.sendAsync(java.net.http.HttpRequest.newBuilder(URI.create(proxyUrl("/" + i)))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> response.statusCode() == 200 && java.util.Arrays.equals(response.body(), body)));
        }
        for (java.util.concurrent.CompletableFuture<Boolean> result : results) {
            assertThat(result.get(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(upstream.peakConnections()).as("the pool's limit").isLessThanOrEqualTo(4);
        assertThat(reports).isEmpty();
    }

    /** The proxy's client's connections to the upstream; on the proxy's catalyst. */
    private int handleOpenUpstreamConnections() throws Exception {
        java.lang.reflect.Field field = HttpClient.class.getDeclaredField("pools");
        field.setAccessible(true);
        ClientPools pools = (ClientPools) ((Map<?, ?>) field.get(client)).get(proxyCatalyst);
        ClientPools.Pool pool = pools == null ? null : pools.handlePool(Origin.of(proxiedTo));
        return pool == null ? 0 : pool.handleOpenCount();
    }

    // ---------------------------------------------------------------- helpers

    private record Curl(int exitCode, String stdout, String stderr) {}

    private Curl curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(dir.resolve("curl-stderr").toFile()).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return new Curl(process.exitValue(), out, Files.readString(dir.resolve("curl-stderr")));
    }

    private Path random(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    /** Sends {@code requests} in one write, half-closes, and reads until the server closes. */
    private static String exchange(HttpServer server, String requests) throws Exception {
        try (SocketChannel socket = SocketChannel.open(server.address())) {
            socket.write(ByteBuffer.wrap(requests.getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream replies = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (socket.read(buffer.clear()) > 0) {
                replies.write(buffer.array(), 0, buffer.position());
            }
            return replies.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Reads a head up to and with its blank line, one byte at a time (nothing of the body is taken). */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!(head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n"))) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("closed in the head: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Reads until what was read ends with {@code end}; returns it. */
    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder read = new StringBuilder();
        while (!read.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("closed before " + end + ": " + read);
            }
            read.append((char) b);
        }
        return read.toString();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).strip());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }

    /** The data of the complete chunks at the start of {@code body}. */
    private static String dechunkPrefix(String body) {
        StringBuilder data = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = body.indexOf("\r\n", at);
            if (lineEnd < 0) {
                return data.toString();
            }
            int size = Integer.parseInt(body.substring(at, lineEnd), 16);
            if (size == 0 || lineEnd + 2 + size + 2 > body.length()) {
                return data.toString();
            }
            data.append(body, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    /** The CRC-32C of the first {@code size} bytes of the endless pattern. */
    private static long patternCrc(long size) {
        CRC32C crc = new CRC32C();
        for (long at = 0; at < size; at += PATTERN_LENGTH) {
            crc.update(PATTERN, 0, (int) Math.min(PATTERN_LENGTH, size - at));
        }
        return crc.getValue();
    }

    /** A source of {@code size} bytes of the pattern, counting what it gave. */
    private static final class Generated extends InputStream {
        private final long size;
        private final AtomicLong given;
        private long at;

        Generated(long size, AtomicLong given) {
            this.size = size;
            this.given = given;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (at == size) {
                return -1;
            }
            int start = (int) (at % PATTERN_LENGTH);
            int n = (int) Math.min(Math.min(length, PATTERN_LENGTH - start), size - at);
            System.arraycopy(PATTERN, start, into, offset, n);
            at += n;
            given.addAndGet(n);
            return n;
        }
    }

    /** The pattern, written to a non-blocking socket as far as it takes it. */
    private static final class Pattern {
        private final long size;
        long sent;

        Pattern(long size) {
            this.size = size;
        }

        boolean hasRemaining() {
            return sent < size;
        }

        int writeTo(SocketChannel channel) throws IOException {
            if (sent == size) {
                return 0;
            }
            int start = (int) (sent % PATTERN_LENGTH);
            int n = (int) Math.min(PATTERN_LENGTH - start, size - sent);
            int written = channel.write(ByteBuffer.wrap(PATTERN, start, n));
            sent += written;
            return written;
        }
    }

    // ---------------------------------------------------------------- an upstream a test thread plays

    @FunctionalInterface
    private interface Script {
        void play(Socket socket) throws Exception;
    }

    private RawUpstream rawUpstream() throws IOException {
        RawUpstream raw = new RawUpstream();
        closeLater.add(raw);
        return raw;
    }

    /** A server socket whose connections, one after another in accept order, are played by the scripts given. */
    private static final class RawUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final BlockingQueue<Script> scripts = new LinkedBlockingQueue<>();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread = new Thread(this::run, "raw-upstream");
        private int count;

        RawUpstream() throws IOException {
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        /** The next connection is played by {@code script}, on a thread of its own. */
        void then(Script script) {
            scripts.add(script);
            count++;
            if (count == 1) {
                thread.start();
            }
        }

        private void run() {
            List<Thread> players = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    Socket socket = server.accept();
                    sockets.add(socket);
                    Script script = scripts.take();
                    Thread player = new Thread(() -> {
                        try (socket) {
                            script.play(socket);
                        } catch (Throwable t) {
                            if (!(t instanceof IOException)) {
                                failure.compareAndSet(null, t);
                            }
                        }
                    }, "raw-upstream-" + i);
                    players.add(player);
                    player.start();
                }
            } catch (IOException | InterruptedException closed) {
                // the test is over
            }
        }

        /** Closes everything; a script that failed other than by IO (an assertion, a bug) fails the test. */
        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
            if (failure.get() != null) {
                throw new AssertionError("the upstream's script failed", failure.get());
            }
        }
    }
}
