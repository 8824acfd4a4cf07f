package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;

/**
 * Honest errors at the server (DESIGN N11): user code that fails on the HTTP path gets the client
 * a 500 — keep-alive when the request was read to its end, else the connection closes — and is
 * reported exactly once through the catalyst's error reporter, with the request line and the
 * exception itself. Real sockets on 127.0.0.1, port 0; every wait is a read that the server ends.
 */
class HttpServerErrorsTest {
    /** One call of the catalyst's error reporter. */
    record Report(String what, Throwable cause) {}

    static final class Boom extends RuntimeException {
        Boom(String message) {
            super(message);
        }
    }

    private final ConcurrentLinkedQueue<Report> reports = new ConcurrentLinkedQueue<>();
    private volatile RuntimeException thrown;
    private Catalyst catalyst;
    private Thread loop;
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("errors")
            .withErrors((what, cause) -> reports.add(new Report(what, cause))));
        server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults().withWorkers(1))
            .each(this::handle);
        loop = new Thread(catalyst::loop, "errors");
        loop.start();
    }

    @AfterEach
    void stop() throws Exception {
        catalyst.close();
        loop.join(10_000);
    }

    private void handle(HttpRequest req, HttpResponse res) {
        switch (req.target()) {
            case "/throw" -> {
                thrown = new Boom("the handler failed");
                throw thrown;
            }
            case "/stage" -> req.body().<ByteBuffer>map(chunk -> {
                thrown = new Boom("a stage failed");
                throw thrown;
            }).to(res);
            case "/short-graph" -> { // promises more than the body it echoes
                res.header("Content-Length", "100");
                req.body().to(res);
            }
            case "/short-send" -> res.header("Content-Length", "5"); // promises 5 bytes, sends none
            default -> res.send("ok " + req.target());
        }
    }

    @Test
    void aHandlerThatThrowsGets500OnAKeptAliveConnectionAndIsReportedOnceWithItsRequestLine() throws Exception {
        String replies = exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        List<String> responses = split(replies);
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).startsWith("HTTP/1.1 500 Internal Server Error\r\n")
            .as("a GET was read to its end: the connection stays open").doesNotContain("Connection: close");
        assertThat(responses.get(1)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok /after");
        Report report = theOneReport();
        assertThat(report.what()).contains("GET /throw");
        assertThat(report.cause()).isSameAs(thrown);
        assertThat(report.cause().getStackTrace()).isNotEmpty();
    }

    @Test
    void aHeadRequestWhoseHandlerThrowsGetsA500WithoutBody() throws Exception {
        List<String> responses = split(exchange("HEAD /throw HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).startsWith("HTTP/1.1 500 ").contains("Content-Length: 22\r\n").endsWith("\r\n\r\n");
        assertThat(responses.get(1)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok /after");
        assertThat(theOneReport().what()).contains("HEAD /throw");
    }

    @Test
    void aHandlerThatThrowsWithoutReadingTheBodyGets500AndTheConnectionCloses() throws Exception {
        String replies = exchange("POST /throw HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
        List<String> responses = split(replies);
        assertThat(responses).as("nothing after the unread body is served").hasSize(1);
        assertThat(responses.get(0)).startsWith("HTTP/1.1 500 Internal Server Error\r\n").contains("Connection: close\r\n");
        Report report = theOneReport();
        assertThat(report.what()).contains("POST /throw");
        assertThat(report.cause()).isSameAs(thrown);
    }

    @Test
    void aStageOfTheBodyGraphThatThrowsIsReportedOnceNotTwice() throws Exception {
        String replies = exchange("POST /stage HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        List<String> responses = split(replies);
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).as("the stage threw on the whole body: the connection stays open")
            .startsWith("HTTP/1.1 500 Internal Server Error\r\n").doesNotContain("Connection: close");
        assertThat(responses.get(1)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok /after");
        Report report = theOneReport();
        assertThat(report.what()).contains("request body");
        assertThat(report.cause()).isSameAs(thrown);
    }

    @Test
    void aResponseShorterThanItsContentLengthIsCutShortAndReportedNotSwallowed() throws Exception {
        String replies = exchange("POST /short-graph HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(replies).as("the head went out with the body: the response is cut short, then the close")
            .startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 100\r\n").endsWith("\r\n\r\nhello");
        Report report = theOneReport();
        assertThat(report.what()).contains("POST /short-graph");
        assertThat(report.cause()).hasMessageContaining("shorter than its Content-Length 100");
    }

    @Test
    void aSentResponseThatDoesNotAddUpGets500AndIsReported() throws Exception {
        String replies = exchange("GET /short-send HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        List<String> responses = split(replies);
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).startsWith("HTTP/1.1 500 ").doesNotContain("Connection: close");
        assertThat(responses.get(1)).endsWith("ok /after");
        Report report = theOneReport();
        assertThat(report.what()).contains("GET /short-send");
        assertThat(report.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("Content-Length 5");
    }

    @Test
    void exchangesThatSucceedReportNothing() throws Exception {
        String replies = exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(split(replies)).hasSize(2);
        catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
        assertThat(reports).isEmpty();
    }

    /**
     * The one report there is, once the catalyst has run everything before this call: the
     * exchange that reported has answered (the client read it), so its report was made already.
     */
    private Report theOneReport() throws Exception {
        catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
        assertThat(reports).as("reports").hasSize(1);
        return reports.peek();
    }

    /** Sends {@code requests} on one connection and reads until the server closes it. */
    private String exchange(String requests) throws IOException {
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

    /** The responses in {@code replies}, each from its status line on. */
    private static List<String> split(String replies) {
        List<String> responses = new java.util.ArrayList<>();
        int at = replies.indexOf("HTTP/1.1 ");
        while (at >= 0) {
            int next = replies.indexOf("HTTP/1.1 ", at + 1);
            responses.add(replies.substring(at, next < 0 ? replies.length() : next));
            at = next;
        }
        return responses;
    }
}
