package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pushback.catalyst.Catalyst;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link ResponseParser} reading what real servers send, on loopback sockets (127.0.0.1, port 0),
 * fed as the reads return it: the project's own {@link HttpServer} and the JDK's built-in
 * {@code com.sun.net.httpserver} server, each answering pipelined requests on one connection.
 * Every read has a timeout, so a server that does not answer fails the test instead of hanging it.
 */
class ResponseParserPeerTest {
    private static final int TIMEOUT_MILLIS = 10_000;

    /** Reads from the socket into the parser until {@code done} or the end of the stream. */
    private static void read(Socket socket, ResponseParser parser, BooleanSupplier done) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[8192];
        while (!done.getAsBoolean()) {
            int n = in.read(buf);
            if (n < 0) {
                parser.endOfInput();
                return;
            }
            ByteBuffer piece = ByteBuffer.wrap(buf, 0, n);
            parser.feed(piece);
            assertThat(piece.hasRemaining() && !parser.isFailed()).isFalse();
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", address.getPort()), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return socket;
    }

    private static void write(Socket socket, String s) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void theProjectsServerPipelined() throws Exception {
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("peer").withErrors((w, c) -> { }));
        HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1)).each((req, res) -> {
                    switch (req.target()) {
                        case "/no-content" -> res.status(204);
                        case "/not-modified" -> res.status(304).header("Content-Length", "42");
                        case "/echo" -> req.body().to(res); // no length: chunked
                        default -> res.send("ok " + req.method() + " " + req.target());
                    }
                });
        Thread loop = new Thread(catalyst::loop, "peer");
        loop.start();
        try (Socket socket = connect(server.address())) {
            ResponseTrace trace = new ResponseTrace();
            ResponseParser parser = new ResponseParser(trace, HttpLimits.DEFAULT);
            String[] methods = {"GET", "HEAD", "GET", "GET", "POST", "GET"};
            for (String m : methods) {
                parser.expect(m);
            }
            write(socket, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /no-content HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /not-modified HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                    + "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            read(socket, parser, () -> false);
            assertThat(trace.violations).isEmpty();
            assertThat(trace.result()).containsExactly(
                    "R 1.1 200 'OK' CONTENT_LENGTH 9 keep", "B ok GET /a", "E",
                    "R 1.1 200 'OK' CONTENT_LENGTH 10 keep", "E",
                    "R 1.1 204 'No Content' NONE 0 keep", "E",
                    "R 1.1 304 'Not Modified' NONE 0 keep", "E",
                    "R 1.1 200 'OK' CHUNKED -1 keep", "B hello world", "E",
                    "R 1.1 200 'OK' CONTENT_LENGTH 12 close", "B ok GET /last", "E");
            assertThat(trace.heads.get(0).header("Date")).isNotNull();
            assertThat(parser.isFailed()).isFalse();
        } finally {
            catalyst.close();
            loop.join(TIMEOUT_MILLIS);
        }
    }

    @Test
    void theProjectsServerSendsOneHundredContinue() throws Exception {
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("peer").withErrors((w, c) -> { }));
        HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1)).each((req, res) -> req.body().to(res));
        Thread loop = new Thread(catalyst::loop, "peer");
        loop.start();
        try (Socket socket = connect(server.address())) {
            ResponseTrace trace = new ResponseTrace();
            ResponseParser parser = new ResponseParser(trace, HttpLimits.DEFAULT);
            parser.expect("POST");
            write(socket, "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n"
                    + "Connection: close\r\n\r\n");
            read(socket, parser, () -> !trace.heads.isEmpty()); // the body is sent only after the 100
            assertThat(trace.result()).containsExactly("I 1.1 100 'Continue' NONE 0 keep");
            assertThat(parser.isIdle()).isFalse();
            write(socket, "hello");
            read(socket, parser, () -> false);
            assertThat(trace.violations).isEmpty();
            List<String> events = trace.result();
            assertThat(events).hasSize(4);
            assertThat(events.get(1)).startsWith("R 1.1 200 'OK' ").endsWith(" close");
            assertThat(events.subList(2, 4)).containsExactly("B hello", "E");
            assertThat(parser.isFailed()).isFalse();
        } finally {
            catalyst.close();
            loop.join(TIMEOUT_MILLIS);
        }
    }

    @Test
    void theJdksServerPipelined() throws Exception {
        com.sun.net.httpserver.HttpServer server =
                com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = ("jdk " + path).getBytes(StandardCharsets.ISO_8859_1);
            if (path.equals("/chunked")) {
                exchange.sendResponseHeaders(200, 0); // 0: chunked
                exchange.getResponseBody().write(body);
            } else if (path.equals("/no-content")) {
                exchange.sendResponseHeaders(204, -1);
            } else if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        try (Socket socket = connect(server.getAddress())) {
            ResponseTrace trace = new ResponseTrace();
            ResponseParser parser = new ResponseParser(trace, HttpLimits.DEFAULT);
            String[] requests = {
                "GET /fixed HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n",
                "HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /no-content HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            };
            // one request at a time: the JDK's server reads the next request only after the response
            for (String request : requests) {
                parser.expect(request.substring(0, request.indexOf(' ')));
                write(socket, request);
                int ended = (int) trace.events.stream().filter("E"::equals).count();
                read(socket, parser, () -> trace.events.stream().filter("E"::equals).count() > ended);
            }
            read(socket, parser, () -> false); // to the close
            assertThat(trace.violations).isEmpty();
            assertThat(trace.result()).containsExactly(
                    "R 1.1 200 'OK' CONTENT_LENGTH 10 keep", "B jdk /fixed", "E",
                    "R 1.1 200 'OK' CHUNKED -1 keep", "B jdk /chunked", "E",
                    "R 1.1 200 'OK' CONTENT_LENGTH 9 keep", "E",
                    "R 1.1 204 'No Content' NONE 0 keep", "E",
                    // the JDK's server closes after it without saying so: a close between responses, no event
                    "R 1.1 200 'OK' CONTENT_LENGTH 9 keep", "B jdk /last", "E");
            assertThat(parser.isFailed()).isFalse();
        } finally {
            server.stop(0);
        }
    }
}
