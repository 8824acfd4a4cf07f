package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;

/**
 * The llhttp corpus against the real server on a socket: every accepted case is answered once per
 * message on the same connection; every rejected case gets a 4xx or 5xx and the connection closes,
 * with nothing after the bad byte answered; an upgrade is never followed by an HTTP/1.1 answer to
 * what comes after it.
 */
class HttpServerCorpusTest {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private static Catalyst catalyst;
    private static HttpServer server;
    private static Thread loop;

    @BeforeAll
    static void start() throws Exception {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("corpus").withErrors((w, c) -> { }));
        server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0),
            HttpServer.Options.defaults().withTimeouts(java.time.Duration.ofMillis(500), java.time.Duration.ofMillis(500)))
            .each((req, res) -> {
                res.header("X-Target", req.target());
                req.body().to(res); // every request is answered, its body (if any) echoed
            });
        loop = new Thread(catalyst::loop, "corpus");
        loop.start();
    }

    @AfterAll
    static void stop() throws Exception {
        catalyst.close();
        loop.join(10_000);
    }

    @Test
    void everyCorpusCaseOverARealSocket() throws Exception {
        int checked = 0;
        for (Map<String, Object> c : HttpCorpusTest.cases()) {
            String outcome = (String) c.get("outcome");
            String name = c.get("src") + ":" + c.get("line") + " " + c.get("name");
            byte[] raw = Base64.getDecoder().decode((String) c.get("raw_b64"));
            String replies = exchange(raw);
            List<Integer> statuses = STATUS.matcher(replies).results().map(m -> Integer.parseInt(m.group(1))).toList();
            switch (outcome) {
                case "accepted" -> {
                    if (HttpCorpusTest.isException(c)) {
                        continue; // the parser test asserts what the server does for these instead
                    }
                    @SuppressWarnings("unchecked")
                    List<Object> messages = (List<Object>) c.get("messages");
                    long complete = messages.stream().filter(m -> Boolean.TRUE.equals(((Map<?, ?>) m).get("complete"))).count();
                    assertThat(statuses).as(name).hasSize((int) complete).allMatch(s -> s == 200);
                }
                case "rejected" -> {
                    // Complete requests before the bad byte are answered; then a refusal, or — for
                    // bytes after a request that closes the connection — just the close.
                    @SuppressWarnings("unchecked")
                    List<Object> messages = (List<Object>) c.getOrDefault("messages", List.of());
                    long complete = messages.stream().filter(m -> Boolean.TRUE.equals(((Map<?, ?>) m).get("complete"))).count();
                    List<Integer> ok = statuses.stream().filter(s -> s == 200).toList();
                    if (ok.size() == complete + 1 && statuses.size() == ok.size()) {
                        // The bad byte is inside a body the handler was already streaming back: the
                        // 200 head is out, so the server ends the response unterminated and closes —
                        // no last chunk, which every client reads as a failed response.
                        assertThat(replies).as(name + ": streamed answer cut short").contains("Transfer-Encoding: chunked")
                            .doesNotEndWith("0\r\n\r\n");
                        checked++;
                        continue;
                    }
                    assertThat((long) ok.size()).as(name + ": no more answers than complete requests").isLessThanOrEqualTo(complete);
                    assertThat(statuses.subList(0, ok.size())).as(name + ": answers come first").allMatch(s -> s == 200);
                    assertThat(statuses.size() - ok.size()).as(name + ": at most one refusal, last").isLessThanOrEqualTo(1);
                    if (statuses.size() > ok.size()) {
                        assertThat(statuses.get(statuses.size() - 1)).as(name).isBetween(400, 599);
                    } else {
                        assertThat(ok).as(name + ": refused without a status only after a closing request").isNotEmpty();
                    }
                }
                case "upgrade" -> assertThat(statuses).as(name + ": at most the upgrade request itself is answered").hasSizeLessThanOrEqualTo(1);
                default -> {
                    // incomplete: nothing to answer until more comes; the idle or header timeout closes it
                }
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(120);
    }

    /** Sends the case's bytes, half-closes, and reads until the server closes. */
    private static String exchange(byte[] raw) throws Exception {
        try (SocketChannel client = SocketChannel.open(server.address())) {
            ByteBuffer out = ByteBuffer.wrap(raw);
            while (out.hasRemaining()) {
                client.write(out);
            }
            client.shutdownOutput();
            ByteArrayOutputStream replies = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            try {
                while (client.read(buffer.clear()) > 0) {
                    replies.write(buffer.array(), 0, buffer.position());
                }
            } catch (java.io.IOException reset) {
                // a refused connection may be reset after the answer: what was read counts
            }
            return replies.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
