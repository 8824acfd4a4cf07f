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
}
