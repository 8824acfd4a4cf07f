package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.pushback.catalyst.Catalyst;

/**
 * RFC 9112 and RFC 9110 at the server, on real sockets (127.0.0.1, port 0), not only at the
 * parser: what the server MUST do with the requests it receives and the responses it sends, each
 * test naming its section. {@code docs/HTTP-CONFORMANCE.md} lists every requirement and the test
 * here (or elsewhere) that proves it. A refusal is a 4xx or 5xx and then the close, which a test
 * sees as the end of the stream without having half-closed itself; every read has a timeout, so
 * a server that does not close fails the test instead of hanging it.
 */
class HttpServerRfcTest {
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 \\d{3} ");
    private static final Pattern DATE = Pattern.compile("\r\nDate: ((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} "
        + "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT)\r\n");

    private static Catalyst catalyst;
    private static HttpServer server;
    private static Thread loop;

    @BeforeAll
    static void start() throws Exception {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("rfc").withErrors((w, c) -> { }));
        server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults().withWorkers(1))
            .each(HttpServerRfcTest::handle);
        loop = new Thread(catalyst::loop, "rfc");
        loop.start();
    }

    @AfterAll
    static void stop() throws Exception {
        catalyst.close();
        loop.join(10_000);
    }

    /** What each target does; any other is answered {@code ok METHOD TARGET}, its body not read. */
    private static void handle(HttpRequest req, HttpResponse res) {
        String target = req.target();
        if (target.startsWith("/status/")) {
            res.status(Integer.parseInt(target.substring("/status/".length())));
            res.send("content");
        } else if (target.equals("/not-modified")) {
            res.status(304).header("Content-Length", "42"); // the length of the 200 it stands for
        } else if (target.equals("/echo")) {
            req.body().to(res); // no length: chunked, or to HTTP/1.0 ended by the close
        } else if (target.endsWith("/host") || target.endsWith("/host?q")) {
            res.send("host " + req.host());
        } else if (target.equals("/empty")) {
            return; // no body at all
        } else if (target.equals("/dated")) {
            res.header("Date", "Sun, 06 Nov 1994 08:49:37 GMT").send("x");
        } else if (target.equals("/framing")) {
            res.header("Transfer-Encoding", "gzip").header("Connection", "keep-alive").send("x");
        } else if (target.equals("/split")) {
            res.header("X-Split", "a\r\nInjected: yes").send("x");
        } else if (target.equals("/bad-name")) {
            res.header("Bad Name", "x").send("x");
        } else if (target.equals("/long")) {
            res.header("Content-Length", "2"); // promises less than the body it echoes
            req.body().to(res);
        } else if (target.equals("/signed-length")) {
            res.header("Content-Length", "+1").send("x");
        } else {
            res.send("ok " + req.method() + " " + target);
        }
    }

    // ---------------------------------------------------------------- Host and the target's form

    @ParameterizedTest(name = "RFC 9112 §3.2, §3.2.3-4: {0}")
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 without Host           | GET / HTTP/1.1\\r\\n\\r\\n                                      | 400",
        "two Host fields                 | GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n               | 400",
        "userinfo in Host                | GET / HTTP/1.1\\r\\nHost: user@example.com\\r\\n\\r\\n              | 400",
        "a path in Host                  | GET / HTTP/1.1\\r\\nHost: example.com/x\\r\\n\\r\\n                 | 400",
        "a list in Host                  | GET / HTTP/1.1\\r\\nHost: a.example, b.example\\r\\n\\r\\n          | 400",
        "a port that is not a number     | GET / HTTP/1.1\\r\\nHost: example.com:http\\r\\n\\r\\n              | 400",
        "an IP literal of names          | GET / HTTP/1.1\\r\\nHost: [example.com]\\r\\n\\r\\n                 | 400",
        "an unclosed IP literal          | GET / HTTP/1.1\\r\\nHost: [::1\\r\\n\\r\\n                          | 400",
        "a bad percent-escape in Host    | GET / HTTP/1.1\\r\\nHost: ex%zzample\\r\\n\\r\\n                    | 400",
        "Host twice in HTTP/1.0          | GET / HTTP/1.0\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n               | 400",
        "asterisk-form for GET           | GET * HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                            | 400",
        "authority-form for GET          | GET example.com:80 HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n       | 400",
        "a relative target               | GET a/b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                          | 400",
        "a name and a port               | GET / HTTP/1.1\\r\\nHost: example.com:8080\\r\\n\\r\\n              | 200",
        "an IPv6 literal and a port      | GET / HTTP/1.1\\r\\nHost: [::1]:8080\\r\\n\\r\\n                    | 200",
        "an IPv6 literal with IPv4       | GET / HTTP/1.1\\r\\nHost: [::ffff:127.0.0.1]\\r\\n\\r\\n            | 200",
        "an IPvFuture literal            | GET / HTTP/1.1\\r\\nHost: [v1.fe80::a+en1]\\r\\n\\r\\n               | 200",
        "an IPv4 address                 | GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n                     | 200",
        "an empty Host                   | GET / HTTP/1.1\\r\\nHost:\\r\\n\\r\\n                              | 200",
        "absolute-form                   | GET http://example.com/x HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n | 200",
        "asterisk-form for OPTIONS       | OPTIONS * HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                        | 200",
        "HTTP/1.0 without Host           | GET / HTTP/1.0\\r\\n\\r\\n                                      | 200",
    })
    void hostAndTargetForm(String what, String request, int status) throws Exception {
        String raw = unescape(request);
        if (status == 400) {
            assertRefusedAndClosed(what, raw, 400);
        } else {
            assertThat(send(raw, true)).as(what).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    @org.junit.jupiter.api.DisplayName("RFC 9112 §3.2.2 with the absolute-form, the target's authority is the host, not Host")
    void theAbsoluteFormsAuthorityIsTheHost() throws Exception {
        assertThat(send("GET http://example.org:8080/host?q HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n", false))
            .startsWith("HTTP/1.1 200 ").endsWith("host example.org:8080");
        assertThat(send("GET http://user@example.org/host HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n", false))
            .endsWith("host example.org");
        assertThat(send("GET /host HTTP/1.1\r\nHost: origin.example:81\r\nConnection: close\r\n\r\n", false))
            .endsWith("host origin.example:81");
        assertThat(send("GET /host HTTP/1.0\r\n\r\n", false)).endsWith("host null");
    }

    // ---------------------------------------------------------------- refusals: the status, then the close

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // framing (RFC 9112 §6)
        "§6.1 Transfer-Encoding in HTTP/1.0                | POST / HTTP/1.0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n                          | 400",
        "§6.1 Transfer-Encoding in HTTP/1.0 with keep-alive | POST / HTTP/1.0\\r\\nConnection: keep-alive\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
        "§6.1 a coding other than chunked                  | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n          | 501",
        "§6.1 an unknown coding before chunked             | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: x-custom, chunked\\r\\n\\r\\n      | 501",
        "§6.1 a coding on a field of its own               | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: deflate\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 501",
        "§6.3 chunked twice                                | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n       | 400",
        "§6.3 chunked twice, on two fields                 | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
        "§6.3 chunked not last                             | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n          | 400",
        "§6.3 no chunked at all                            | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n                   | 400",
        "§6.3 an unknown coding alone                      | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: pigeons\\r\\n\\r\\n                | 400",
        "§6.3 Content-Length and Transfer-Encoding         | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
        "§6.3 Transfer-Encoding and Content-Length         | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 3\\r\\n\\r\\n | 400",
        "§6.3 Content-Length not a number                  | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1x\\r\\n\\r\\n                      | 400",
        "§6.3 Content-Length with a sign                   | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: -1\\r\\n\\r\\n                      | 400",
        "§6.3 an empty Content-Length                      | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length:\\r\\n\\r\\n                        | 400",
        "§6.3 differing Content-Lengths                    | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\n | 400",
        "§6.3 a list of differing lengths                  | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3, 4\\r\\n\\r\\n                     | 400",
        "§6.3 a Content-Length that overflows              | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 99999999999999999999\\r\\n\\r\\n    | 400",
        "§7.1 a chunk size that overflows                  | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n10000000000000000\\r\\n | 400",
        "§7.1 whitespace in a chunk size line              | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5 \\r\\nhello\\r\\n0\\r\\n\\r\\n | 400",
        // field lines (RFC 9112 §2.2, §5; RFC 9110 §5)
        "§5.1 whitespace between the name and the colon    | GET / HTTP/1.1\\r\\nHost : x\\r\\n\\r\\n                                             | 400",
        "§5.2 obsolete line folding                         | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Folded: a\\r\\n b\\r\\n\\r\\n                   | 400",
        "§2.2 whitespace before the first field line        | GET / HTTP/1.1\\r\\n Host: x\\r\\n\\r\\n                                            | 400",
        "§2.2 a bare CR in a field value                    | GET / HTTP/1.1\\r\\nHost: x\\r\\nX: a\\rb\\r\\n\\r\\n                             | 400",
        "§2.2 a bare LF after a field                       | GET / HTTP/1.1\\r\\nHost: x\\nX: y\\r\\n\\r\\n                                    | 400",
        "RFC 9110 §5.5 a NUL in a field value               | GET / HTTP/1.1\\r\\nHost: x\\r\\nX: a\\0b\\r\\n\\r\\n                             | 400",
        "RFC 9110 §5.1 a field name that is not a token     | GET / HTTP/1.1\\r\\nHost: x\\r\\nX(y): z\\r\\n\\r\\n                              | 400",
        // the request line (RFC 9112 §2.3, §3; RFC 9110 §9.1, §2.5)
        "§3 whitespace in the target                        | GET /a b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                                       | 400",
        "§3 two spaces before the target                    | GET  / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                                         | 400",
        "§2.3 the version is case-sensitive                 | GET / http/1.1\\r\\nHost: x\\r\\n\\r\\n                                          | 400",
        "§2.3 HTTP/2.0 on an HTTP/1.1 connection             | GET / HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n                                          | 505",
        "§2.3 HTTP/0.9 (no version)                          | GET /\\r\\n\\r\\n                                                                | 505",
        "RFC 9110 §9.1 an unknown method                     | BREW / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                                         | 501",
        "RFC 9110 §9.1 the method is case-sensitive          | get / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n                                          | 501",
        "RFC 9110 §9.3.6 CONNECT, not supported              | CONNECT example.com:443 HTTP/1.1\\r\\nHost: example.com:443\\r\\n\\r\\n          | 501",
        // expectations (RFC 9110 §10.1.1)
        "RFC 9110 §10.1.1 an expectation other than 100-continue | POST / HTTP/1.1\\r\\nHost: x\\r\\nExpect: something\\r\\nContent-Length: 1\\r\\n\\r\\n   | 417",
        "RFC 9110 §10.1.1 100-continue and another           | POST / HTTP/1.1\\r\\nHost: x\\r\\nExpect: 100-continue, x=y\\r\\nContent-Length: 1\\r\\n\\r\\n | 417",
        "RFC 9110 §10.1.1 another expectation in HTTP/1.0    | POST / HTTP/1.0\\r\\nExpect: something\\r\\nContent-Length: 1\\r\\n\\r\\n                 | 417",
    })
    void refusedThenClosed(String what, String request, int status) throws Exception {
        assertRefusedAndClosed(what, unescape(request), status);
    }

    @Test
    @DisplayName("RFC 9112 §7.1: chunk data without its CRLF, after data already echoed: the response is cut short, then the close")
    void badChunkFramingAfterData() throws Exception {
        String reply = closes("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n"
            + "GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
        // the 200's head went out with "hello": a 400 can no longer be sent; no last chunk says it failed
        assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n5\r\nhello\r\n");
        assertThat(responses(reply)).hasSize(1);
    }

    @Test
    @DisplayName("RFC 9112 §3: a request line over the limit is 414, then the close; one of 8000 octets is served")
    void requestLineTooLong() throws Exception {
        int limit = HttpLimits.DEFAULT.maxRequestLine();
        // exactly one byte over: the byte that fails it is the last one sent, so nothing is left unread
        assertRefusedAndClosed("request line over the limit", "GET /" + "a".repeat(limit + 1 - 5), 414);
        String longest = "GET /" + "a".repeat(8000 - "GET /".length() - " HTTP/1.1".length()) + " HTTP/1.1";
        assertThat(longest).hasSize(8000); // RFC 9112 §3: RECOMMENDED to support at least 8000 octets
        assertThat(send(longest + "\r\nHost: x\r\n\r\n", true)).startsWith("HTTP/1.1 200 ");
    }

    @Test
    @DisplayName("RFC 9110 §5.4: a header section over the limit is 431, then the close")
    void headerSectionTooLarge() throws Exception {
        int limit = HttpLimits.DEFAULT.maxHeaderSection();
        String section = "Host: x\r\nX: ";
        assertRefusedAndClosed("header section over the limit",
            "GET / HTTP/1.1\r\n" + section + "a".repeat(limit + 1 - section.length()), 431);
    }

    @Test
    @DisplayName("RFC 9110 §15.5.14: a body over the limit is refused with 413 before it is read, then the close")
    void bodyTooLarge() throws Exception {
        try (HttpServer small = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1).withLimits(HttpLimits.withMaxBody(4))).each(HttpServerRfcTest::handle)) {
            for (String framing : List.of("Content-Length: 5\r\n\r\n", "Transfer-Encoding: chunked\r\n\r\n5\r\n")) {
                // the echo reads the body: the chunk's size is refused before its data, the 200 never framed
                String reply = send(small.address(), "POST /echo HTTP/1.1\r\nHost: x\r\n" + framing, false);
                assertThat(reply).as(framing).startsWith("HTTP/1.1 413 Content Too Large\r\n").contains("Connection: close\r\n");
            }
            assertThat(send(small.address(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nfour", true))
                .startsWith("HTTP/1.1 200 ");
        }
    }

    // ---------------------------------------------------------------- accepted

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "RFC 9112 §2.2 empty lines before the request line are skipped | \\r\\n\\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | ok GET /",
        "RFC 9112 §3.2.2 the absolute-form is accepted                 | GET http://x/a?b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | ok GET http://x/a?b",
        "RFC 9112 §5 trailing whitespace of a field is not its value   | GET / HTTP/1.1\\r\\nHost: x \\t\\r\\n\\r\\n          | ok GET /",
        "RFC 9112 §6.3 identical Content-Lengths are one               | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1\\r\\nContent-Length: 1\\r\\n\\r\\nz | ok POST /",
        "RFC 9110 §9.3.8 TRACE goes to the handler                     | TRACE / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n          | ok TRACE /",
        "RFC 9110 §7.8 Upgrade without Connection: upgrade is no upgrade | GET / HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: h2c\\r\\n\\r\\n | ok GET /",
    })
    void served(String what, String request, String body) throws Exception {
        String reply = send(unescape(request), true);
        assertThat(reply).as(what).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n" + body);
    }

    @Test
    @DisplayName("RFC 9112 §7.1.1, §7.1.2: chunk extensions are ignored, trailer fields dropped, the next request follows")
    void chunkExtensionsAndTrailers() throws Exception {
        List<String> responses = responses(closes("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value;flag\r\nhello\r\n0;last=\"yes\"\r\nX-Trailer: t\r\n\r\n"
            + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).startsWith("HTTP/1.1 200 ").contains("Transfer-Encoding: chunked\r\n")
            .endsWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n").doesNotContain("X-Trailer");
        assertThat(responses.get(1)).endsWith("ok GET /after");
    }

    // ---------------------------------------------------------------- connections (RFC 9112 §9)

    @Test
    @DisplayName("RFC 9112 §9.3: HTTP/1.1 persists by default; §9.6: Connection: close is honoured and nothing after it is served")
    void http11PersistsUntilConnectionClose() throws Exception {
        List<String> responses = responses(closes("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            + "GET /never HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).doesNotContain("Connection:").endsWith("ok GET /1");
        assertThat(responses.get(1)).contains("Connection: close\r\n").endsWith("ok GET /2");
    }

    @Test
    @DisplayName("RFC 9112 §9.3: HTTP/1.0 closes by default; nothing after the first request is served")
    void http10ClosesByDefault() throws Exception {
        List<String> responses = responses(closes("GET /1 HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n"));
        assertThat(responses).hasSize(1);
        assertThat(responses.get(0)).contains("Connection: close\r\n").endsWith("ok GET /1");
    }

    @Test
    @DisplayName("RFC 9112 §9.3: HTTP/1.0 persists with keep-alive, and the response says so")
    void http10KeepAlive() throws Exception {
        List<String> responses = responses(closes("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            + "GET /2 HTTP/1.0\r\n\r\n"));
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).contains("Connection: keep-alive\r\n").endsWith("ok GET /1");
        assertThat(responses.get(1)).contains("Connection: close\r\n").endsWith("ok GET /2");
    }

    @Test
    @DisplayName("RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored: its keep-alive stands")
    void http10UpgradeIsIgnored() throws Exception {
        List<String> responses = responses(closes("GET /1 HTTP/1.0\r\nConnection: upgrade, keep-alive\r\nUpgrade: websocket\r\n\r\n"
            + "GET /2 HTTP/1.0\r\n\r\n"));
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).contains("Connection: keep-alive\r\n").endsWith("ok GET /1");
        assertThat(responses.get(1)).endsWith("ok GET /2");
    }

    @Test
    @DisplayName("RFC 9112 §9.3: a body the handler does not read is read to its end: the next request is parsed where it starts")
    void anUnreadBodyIsSkipped() throws Exception {
        List<String> responses = responses(closes("POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 24\r\n\r\n"
            + "GET /smuggled HTTP/1.1\r\n"
            + "POST /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assertThat(responses).hasSize(3);
        assertThat(responses.get(0)).endsWith("ok POST /1");
        assertThat(responses.get(1)).endsWith("ok POST /2");
        assertThat(responses.get(2)).endsWith("ok GET /3");
    }

    @Test
    @DisplayName("RFC 9112 §6.3, §8: a body cut short by the client's close is incomplete: the response is cut short, then the close")
    void anIncompleteBodyClosesTheConnection() throws Exception {
        String reply = send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", true);
        assertThat(reply).startsWith("HTTP/1.1 200 ").contains("Transfer-Encoding: chunked\r\n")
            .doesNotEndWith("0\r\n\r\n"); // no last chunk: the client reads a failed response, not a short one
    }

    // ---------------------------------------------------------------- responses

    @Test
    @DisplayName("RFC 9110 §6.6.1, §5.6.7: every response has a Date, an IMF-fixdate of now, the server's own refusals too")
    void everyResponseIsDated() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<String> replies = List.of(
            send("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
            send("GET /status/404 HTTP/1.1\r\nHost: x\r\n\r\n", true),
            send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", true),
            closes("GET / HTTP/1.1\r\n\r\n")); // the server's own 400: no Host
        Instant after = Instant.now();
        for (String reply : replies) {
            Matcher date = DATE.matcher(reply);
            assertThat(date.find()).as("a Date in %s", reply).isTrue();
            Instant at = ZonedDateTime.parse(date.group(1), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            assertThat(at).as(reply).isBetween(before, after);
            assertThat(date.find()).as("one Date only").isFalse();
        }
        String dated = send("GET /dated HTTP/1.1\r\nHost: x\r\n\r\n", true);
        assertThat(dated).as("the handler's own Date is kept, not doubled")
            .contains("\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n").containsOnlyOnce("Date:");
    }

    @Test
    @DisplayName("RFC 9110 §9.3.2, §8.6: a response to HEAD has the GET's Content-Length and no content")
    void headHasNoContent() throws Exception {
        String reply = closes("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertNoContent(reply);
        assertThat(responses(reply).get(0)).contains("Content-Length: 9\r\n"); // "ok HEAD /": what the GET would get
        String refused = closes("HEAD / HTTP/1.1\r\n\r\n"); // the server's own 400, to a HEAD
        assertThat(refused).startsWith("HTTP/1.1 400 ").endsWith("\r\n\r\n");
    }

    @Test
    @DisplayName("RFC 9110 §15.3.5, §8.6, RFC 9112 §6.1: a 204 has no content, no Content-Length, no Transfer-Encoding")
    void noContentHasNoFraming() throws Exception {
        String reply = closes("GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertNoContent(reply);
        assertThat(responses(reply).get(0)).startsWith("HTTP/1.1 204 No Content\r\n")
            .doesNotContain("Content-Length").doesNotContain("Transfer-Encoding");
    }

    @Test
    @DisplayName("RFC 9110 §15.3.6: a 205 has no content")
    void resetContentHasNoContent() throws Exception {
        String reply = closes("GET /status/205 HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertNoContent(reply);
        assertThat(responses(reply).get(0)).startsWith("HTTP/1.1 205 ").contains("Content-Length: 0\r\n");
    }

    @Test
    @DisplayName("RFC 9110 §15.4.5, §8.6: a 304 has no content; it keeps the 200's Content-Length the handler gives, and adds none")
    void notModifiedHasNoContent() throws Exception {
        String given = closes("GET /not-modified HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertNoContent(given);
        assertThat(responses(given).get(0)).startsWith("HTTP/1.1 304 Not Modified\r\n").contains("Content-Length: 42\r\n")
            .doesNotContain("Transfer-Encoding");
        String sent = closes("GET /status/304 HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertNoContent(sent);
        assertThat(responses(sent).get(0)).doesNotContain("Transfer-Encoding");
    }

    @Test
    @DisplayName("RFC 9110 §15.2: a handler cannot make a 1xx its final response: 500")
    void anInterimStatusIsNoFinalOne() throws Exception {
        assertThat(send("GET /status/103 HTTP/1.1\r\nHost: x\r\n\r\n", true)).startsWith("HTTP/1.1 500 ");
        assertThat(send("GET /status/100 HTTP/1.0\r\n\r\n", true)).startsWith("HTTP/1.1 500 ");
    }

    @Test
    @DisplayName("RFC 9112 §6.1: no Transfer-Encoding to HTTP/1.0: a body of unknown length ends with the close")
    void http10GetsNoChunkedBody() throws Exception {
        for (String connection : List.of("", "Connection: keep-alive\r\n")) {
            String reply = closes("POST /echo HTTP/1.0\r\n" + connection + "Content-Length: 5\r\n\r\nhello"
                + "GET /never HTTP/1.0\r\n\r\n");
            assertThat(reply).as(connection).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("Transfer-Encoding")
                .doesNotContain("Content-Length").contains("Connection: close\r\n").endsWith("\r\n\r\nhello");
        }
        String chunked = send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", true);
        assertThat(chunked).as("HTTP/1.1 gets it chunked").contains("Transfer-Encoding: chunked\r\n");
    }

    @Test
    @DisplayName("RFC 9110 §10.1.1, §15.2: 100-continue in HTTP/1.0 is ignored: no 1xx to an HTTP/1.0 client")
    void noInterimResponseToHttp10() throws Exception {
        String reply = closes("POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nping");
        assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("100 Continue").endsWith("\r\n\r\nping");
    }

    @Test
    @DisplayName("RFC 9110 §9.3.7: a response to OPTIONS without content has Content-Length: 0")
    void optionsWithoutContent() throws Exception {
        assertThat(send("OPTIONS /empty HTTP/1.1\r\nHost: x\r\n\r\n", true))
            .startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 0\r\n").endsWith("\r\n\r\n");
    }

    @Test
    @DisplayName("RFC 9112 §6.2, §9.6: the server frames the body and decides the connection, whatever the handler set")
    void oneFramingOnly() throws Exception {
        String reply = send("GET /framing HTTP/1.1\r\nHost: x\r\n\r\n", true);
        assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 1\r\n")
            .doesNotContain("Transfer-Encoding").doesNotContain("Connection:");
    }

    @Test
    @DisplayName("RFC 9110 §8.6, RFC 9112 §6.3: a body longer than the Content-Length given is not sent: 500")
    void aBodyLongerThanItsContentLengthIsNotSent() throws Exception {
        String reply = send("POST /long HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", true);
        assertThat(reply).startsWith("HTTP/1.1 500 ").doesNotContain("hello").doesNotContain("Content-Length: 2\r\n");
    }

    @ParameterizedTest(name = "RFC 9112 §2.2, §11.1, RFC 9110 §5.1, §5.5, §8.6: a handler''s {0} is refused: 500")
    @CsvSource({"/split, field value with CRLF", "/bad-name, field name with a space", "/signed-length, Content-Length with a sign"})
    void aHandlersBadFieldIsRefused(String target, String what) throws Exception {
        String reply = send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n", true);
        assertThat(reply).as(what).startsWith("HTTP/1.1 500 ").doesNotContain("Injected").doesNotContain("Bad Name");
    }

    // ---------------------------------------------------------------- helpers

    /** The request gets {@code status} with {@code Connection: close}, and nothing more: the server closes. */
    private static void assertRefusedAndClosed(String what, String request, int status) throws IOException {
        String reply = closes(request);
        assertThat(reply).as(what).startsWith("HTTP/1.1 " + status + " ").contains("Connection: close\r\n");
        assertThat(DATE.matcher(reply).find()).as(what + ": dated (RFC 9110 §6.6.1)").isTrue();
        assertThat(responses(reply)).as(what + ": one answer").hasSize(1);
    }

    /** The first response has no content: the second starts right after its head. */
    private static void assertNoContent(String replies) {
        List<String> responses = responses(replies);
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0)).endsWith("\r\n\r\n").containsOnlyOnce("\r\n\r\n");
        assertThat(responses.get(1)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok GET /after");
    }

    /** Sends the request in one write and reads until the server closes, without half-closing first. */
    private static String closes(String request) throws IOException {
        return send(request, false);
    }

    /**
     * Sends {@code request} in one write — so the server reads it whole, and closing with bytes
     * unread never resets what it sent — then, with {@code halfClose}, says the client is done,
     * and reads until the server closes. A read waits at most {@link #TIMEOUT_MILLIS}.
     */
    private static String send(String request, boolean halfClose) throws IOException {
        return send(server.address(), request, halfClose);
    }

    private static String send(InetSocketAddress address, String request, boolean halfClose) throws IOException {
        try (Socket client = new Socket()) {
            client.connect(address, TIMEOUT_MILLIS);
            client.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = client.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (halfClose) {
                client.shutdownOutput();
            }
            return new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The responses in {@code replies}, each from its status line on (which no body here holds). */
    private static List<String> responses(String replies) {
        List<String> responses = new ArrayList<>();
        Matcher status = STATUS_LINE.matcher(replies);
        int at = status.find() ? status.start() : -1;
        while (at >= 0) {
            int next = status.find() ? status.start() : -1;
            responses.add(replies.substring(at, next < 0 ? replies.length() : next));
            at = next;
        }
        return responses;
    }

    /** {@code \r}, {@code \n}, {@code \t} and {@code \0} written out in a CSV row, as bytes. */
    private static String unescape(String row) {
        return row.strip().replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\0");
    }
}
