package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.pushback.catalyst.Catalyst;

/**
 * RFC 9112 at the server, on a real socket: what it asks of {@code Host} (§3.2) and of the
 * request-target's form (§3.2.3, §3.2.4). A refusal is a 400 and the close.
 */
class HttpServerRfcTest {
    private static Catalyst catalyst;
    private static HttpServer server;
    private static Thread loop;

    @BeforeAll
    static void start() throws Exception {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("rfc").withErrors((w, c) -> { }));
        server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults().withWorkers(1))
            .each((req, res) -> res.send("ok " + req.method() + " " + req.target()));
        loop = new Thread(catalyst::loop, "rfc");
        loop.start();
    }

    @AfterAll
    static void stop() throws Exception {
        catalyst.close();
        loop.join(10_000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 without Host           | GET / HTTP/1.1\\r\\n\\r\\n                                      | 400",
        "two Host fields                 | GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n               | 400",
        "userinfo in Host                | GET / HTTP/1.1\\r\\nHost: user@example.com\\r\\n\\r\\n              | 400",
        "a path in Host                  | GET / HTTP/1.1\\r\\nHost: example.com/x\\r\\n\\r\\n                 | 400",
        "a list in Host                  | GET / HTTP/1.1\\r\\nHost: a.example, b.example\\r\\n\\r\\n          | 400",
        "a port that is not a number     | GET / HTTP/1.1\\r\\nHost: example.com:http\\r\\n\\r\\n              | 400",
        "asterisk-form for GET           | GET * HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                            | 400",
        "authority-form for GET          | GET example.com:80 HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n       | 400",
        "a name and a port               | GET / HTTP/1.1\\r\\nHost: example.com:8080\\r\\n\\r\\n              | 200",
        "an IPv6 literal and a port      | GET / HTTP/1.1\\r\\nHost: [::1]:8080\\r\\n\\r\\n                    | 200",
        "an IPv4 address                 | GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n                     | 200",
        "an empty Host                   | GET / HTTP/1.1\\r\\nHost:\\r\\n\\r\\n                              | 200",
        "absolute-form                   | GET http://example.com/x HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n | 200",
        "asterisk-form for OPTIONS       | OPTIONS * HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                        | 200",
        "HTTP/1.0 without Host           | GET / HTTP/1.0\\r\\n\\r\\n                                      | 200",
    })
    void hostAndTargetForm(String what, String request, int status) throws Exception {
        String reply = exchange(request.strip().replace("\\r\\n", "\r\n"));
        assertThat(reply).as(what).startsWith("HTTP/1.1 " + status + " ");
        if (status == 400) {
            assertThat(reply).as(what + ": refused, then closed").contains("Connection: close");
        }
    }

    /** Sends the bytes, half-closes, reads until the server closes. */
    private static String exchange(String request) throws Exception {
        try (SocketChannel client = SocketChannel.open(server.address())) {
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1));
            while (out.hasRemaining()) {
                client.write(out);
            }
            client.shutdownOutput();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (client.read(buffer.clear()) > 0) {
                reply.write(buffer.array(), 0, buffer.position());
            }
            return reply.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
