package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;

/** Reason phrases: every code of the IANA HTTP Status Code Registry by name, every other code empty. */
class ReasonsTest {

    /**
     * The registry's entries with a name (https://www.iana.org/assignments/http-status-codes),
     * written out here rather than derived, so a typo in either place shows.
     */
    private static final Map<Integer, String> REGISTERED = new TreeMap<>();

    static {
        String[] entries = {
            "100 Continue", "101 Switching Protocols", "102 Processing", "103 Early Hints",
            "104 Upload Resumption Supported",
            "200 OK", "201 Created", "202 Accepted", "203 Non-Authoritative Information",
            "204 No Content", "205 Reset Content", "206 Partial Content", "207 Multi-Status",
            "208 Already Reported", "226 IM Used",
            "300 Multiple Choices", "301 Moved Permanently", "302 Found", "303 See Other",
            "304 Not Modified", "305 Use Proxy", "307 Temporary Redirect", "308 Permanent Redirect",
            "400 Bad Request", "401 Unauthorized", "402 Payment Required", "403 Forbidden",
            "404 Not Found", "405 Method Not Allowed", "406 Not Acceptable",
            "407 Proxy Authentication Required", "408 Request Timeout", "409 Conflict", "410 Gone",
            "411 Length Required", "412 Precondition Failed", "413 Content Too Large",
            "414 URI Too Long", "415 Unsupported Media Type", "416 Range Not Satisfiable",
            "417 Expectation Failed", "421 Misdirected Request", "422 Unprocessable Content",
            "423 Locked", "424 Failed Dependency", "425 Too Early", "426 Upgrade Required",
            "428 Precondition Required", "429 Too Many Requests",
            "431 Request Header Fields Too Large", "451 Unavailable For Legal Reasons",
            "500 Internal Server Error", "501 Not Implemented", "502 Bad Gateway",
            "503 Service Unavailable", "504 Gateway Timeout", "505 HTTP Version Not Supported",
            "506 Variant Also Negotiates", "507 Insufficient Storage", "508 Loop Detected",
            "510 Not Extended", "511 Network Authentication Required",
        };
        for (String entry : entries) {
            REGISTERED.put(Integer.parseInt(entry.substring(0, 3)), entry.substring(4));
        }
    }

    @Test
    void everyRegisteredCodeHasItsName() {
        assertThat(REGISTERED).hasSize(62);
        REGISTERED.forEach((code, name) -> assertThat(Reasons.of(code)).as("%d", code).isEqualTo(name));
    }

    @Test
    void theCodesTheIssueNamesAreRegistered() {
        for (int code : new int[] {102, 103, 207, 208, 226, 405, 421, 422, 423, 424, 425, 426, 428,
                                   429, 451, 506, 507, 508, 511}) {
            assertThat(Reasons.of(code)).as("%d", code).isNotEmpty().isEqualTo(REGISTERED.get(code));
        }
    }

    @Test
    void unusedCodesHaveNoName() {
        // RFC 9110 §15.4.7 and §15.5.19: reserved so they cannot be assigned, but named nothing
        assertThat(Reasons.of(306)).isEmpty();
        assertThat(Reasons.of(418)).isEmpty();
    }

    @Test
    void everyOtherCodeHasTheEmptyPhrase() {
        // HttpResponse.status accepts 100..999
        for (int code = 100; code <= 999; code++) {
            if (!REGISTERED.containsKey(code)) {
                assertThat(Reasons.of(code)).as("%d", code).isEmpty();
            }
        }
    }

    @Test
    void phrasesAreValidReasonPhraseText() {
        // RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ); ASCII keeps the ISO-8859-1 encoding exact
        REGISTERED.keySet().forEach(code -> assertThat(Reasons.of(code).chars())
                .as("%d", code).allMatch(c -> c == ' ' || (c >= 0x21 && c <= 0x7e)));
    }

    @Test
    void statusLinesOnTheWire() throws Exception {
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("reasons").withErrors((what, cause) -> { }));
        Thread loop = new Thread(catalyst::loop, "catalyst");
        try (HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults())) {
            server.each((req, res) -> {
                res.status(Integer.parseInt(req.target().substring(1)));
                res.send("x");
            });
            loop.start();
            assertThat(statusLine(server, 405)).isEqualTo("HTTP/1.1 405 Method Not Allowed\r\n");
            assertThat(statusLine(server, 422)).isEqualTo("HTTP/1.1 422 Unprocessable Content\r\n");
            assertThat(statusLine(server, 418)).isEqualTo("HTTP/1.1 418 \r\n");
            assertThat(statusLine(server, 599)).isEqualTo("HTTP/1.1 599 \r\n");
            assertThat(statusLine(server, 799)).isEqualTo("HTTP/1.1 799 \r\n");
        } finally {
            catalyst.close();
            loop.join(10_000);
        }
    }

    /** The status line of the answer to {@code GET /code}, read up to the server's close. */
    private static String statusLine(HttpServer server, int code) throws Exception {
        String request = "GET /" + code + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        try (SocketChannel client = SocketChannel.open(server.address())) {
            client.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (client.read(buffer.clear()) > 0) {
                reply.write(buffer.array(), 0, buffer.position());
            }
            String text = reply.toString(StandardCharsets.ISO_8859_1);
            assertThat(text).as("reply to %d", code).contains("\r\n\r\nx");
            return text.substring(0, text.indexOf("\r\n") + 2);
        }
    }
}
