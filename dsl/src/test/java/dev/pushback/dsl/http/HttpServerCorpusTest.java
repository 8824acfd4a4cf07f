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
 *
 * <p>Where the server is stricter than llhttp — the checks of {@link RequestChecks}: framing (RFC
 * 9112 §6.1), {@code Host} (§3.2), the target's form (§3.2.3-4), {@code Expect} (RFC 9110
 * §10.1.1) — each accepted case it refuses is listed with the status and the reason, and expected
 * to get exactly that refusal.
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
                    List<Integer> expected = new java.util.ArrayList<>();
                    for (Object m : messages) {
                        Map<?, ?> message = (Map<?, ?>) m;
                        if (!Boolean.TRUE.equals(message.get("complete"))) {
                            continue;
                        }
                        Stricter stricter = stricterThanLlhttp(message);
                        if (stricter != null) {
                            // The server is stricter than llhttp here (RFC 9112 §3.2, §3.2.3-4, §6.1,
                            // RFC 9110 §10.1.1): its refusal, then the close.
                            STRICTER.add(name + ": " + stricter.status() + " " + stricter.reason());
                            expected.add(stricter.status());
                            break;
                        }
                        expected.add(200);
                    }
                    assertThat(statuses).as(name).isEqualTo(expected);
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
        // Said per case: where the server refuses what llhttp accepts, and why.
        assertThat(STRICTER).as("cases where the server is stricter than llhttp (each with its reason)").hasSize(46)
            .filteredOn(c -> c.contains(": 501 ")).as("codings the server does not decode (RFC 9112 §6.1)").containsExactly(
                "ll_test_request_transfer-encoding.md:751 POST with `chunked` as last transfer-encoding:"
                    + " 501 transfer coding deflate before chunked",
                "ll_test_request_transfer-encoding.md:793 POST with `chunked` as last transfer-encoding (multiple headers):"
                    + " 501 transfer coding deflate before chunked");
    }

    /** Why the server refuses what llhttp accepts, and with which status. */
    private record Stricter(int status, String reason) {}

    private static final List<String> STRICTER = new java.util.ArrayList<>();
    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile(
        "(\\[[0-9A-Fa-f:.vV]+\\]|[A-Za-z0-9\\-._~!$&'()*+;=%]*)(:[0-9]*)?");

    /**
     * Why RFC 9112 or RFC 9110 has the server refuse a message llhttp accepts, or null: the
     * server's checks in its order (framing, Host, the target's form, Expect), written out again.
     */
    private static Stricter stricterThanLlhttp(Map<?, ?> message) {
        @SuppressWarnings("unchecked")
        List<List<String>> headers = (List<List<String>>) message.get("headers");
        List<String> hosts = values(headers, "Host");
        String method = (String) message.get("method");
        String target = (String) message.get("url");
        boolean http11 = "1.1".equals(String.valueOf(message.get("version")));
        List<String> codings = members(values(headers, "Transfer-Encoding"));
        List<String> expectations = members(values(headers, "Expect"));
        if (!codings.isEmpty() && !http11) {
            return new Stricter(400, "Transfer-Encoding in HTTP/1.0");
        }
        for (String coding : codings) {
            if (!coding.equalsIgnoreCase("chunked")) {
                return new Stricter(501, "transfer coding " + coding + " before chunked");
            }
        }
        if (hosts.size() > 1) {
            return new Stricter(400, "two Host fields");
        }
        if (hosts.isEmpty() && http11) {
            return new Stricter(400, "HTTP/1.1 without Host");
        }
        if (!hosts.isEmpty() && !HOST.matcher(hosts.get(0)).matches()) {
            return new Stricter(400, "invalid Host " + hosts.get(0));
        }
        if (target.equals("*") && !method.equals("OPTIONS")) {
            return new Stricter(400, "asterisk-form for " + method);
        }
        if (!target.equals("*") && !target.startsWith("/") && !target.contains("://") && !method.equals("CONNECT")) {
            return new Stricter(400, "authority-form for " + method);
        }
        for (String expectation : expectations) {
            if (!expectation.equalsIgnoreCase("100-continue")) {
                return new Stricter(417, "expectation " + expectation);
            }
        }
        return null;
    }

    private static List<String> values(List<List<String>> headers, String name) {
        return headers.stream().filter(h -> h.get(0).equalsIgnoreCase(name)).map(h -> h.get(1).strip()).toList();
    }

    /** The non-empty members of comma-separated values. */
    private static List<String> members(List<String> values) {
        return values.stream().flatMap(v -> java.util.Arrays.stream(v.split(","))).map(String::strip)
            .filter(m -> !m.isEmpty()).toList();
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
