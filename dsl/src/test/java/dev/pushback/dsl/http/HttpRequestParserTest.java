package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Status codes, smuggling rules, limits and framing of {@link RequestParser}, in every split. */
class HttpRequestParserTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Parses in every split size (for long inputs: a sample of sizes, to stay linear) and checks
     * all give the same, contract-abiding result.
     */
    private static Recorder parse(String input, HttpLimits limits) {
        byte[] raw = bytes(input);
        Recorder whole = Recorder.feed(raw, Math.max(1, raw.length), limits);
        assertThat(whole.violations).as("listener contract").isEmpty();
        int[] splits = raw.length <= 1024
                ? java.util.stream.IntStream.range(1, raw.length).toArray()
                : new int[] {1, 2, 3, 7, 64, 1000, raw.length - 1};
        for (int split : splits) {
            Recorder r = Recorder.feed(raw, split, limits);
            assertThat(r.violations).as("split %d", split).isEmpty();
            assertThat(String.valueOf(r.error)).as("split %d error", split).isEqualTo(String.valueOf(whole.error));
            assertThat(r.requests).as("split %d requests", split).hasSameSizeAs(whole.requests);
            assertThat(r.ended()).as("split %d ended", split).isEqualTo(whole.ended());
            for (int i = 0; i < r.requests.size(); i++) {
                assertThat(r.requests.get(i).head).isEqualTo(whole.requests.get(i).head);
                assertThat(r.requests.get(i).body.toByteArray()).isEqualTo(whole.requests.get(i).body.toByteArray());
            }
        }
        return whole;
    }

    private static Recorder parse(String input) {
        return parse(input, HttpLimits.DEFAULT);
    }

    private static HttpError error(String input, HttpLimits limits) {
        Recorder r = parse(input, limits);
        assertThat(r.error).as("error for %s", input).isNotNull();
        return r.error;
    }

    private static void assertStatus(String input, int status) {
        assertStatus(input, HttpLimits.DEFAULT, status);
    }

    private static void assertStatus(String input, HttpLimits limits, int status) {
        HttpError e = error(input, limits);
        assertThat(e.status()).as("%s -> %s", input.replace("\r\n", "\\r\\n"), e).isEqualTo(status);
    }

    private static String body(Recorder r, int i) {
        return r.requests.get(i).body.toString(StandardCharsets.ISO_8859_1);
    }

    // ---- accepted requests -------------------------------------------------------------------

    @Test
    void simpleRequest() {
        Recorder r = parse("GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept:\t */* \r\n\r\n");
        assertThat(r.error).isNull();
        assertThat(r.requests).hasSize(1);
        RequestHead h = r.requests.get(0).head;
        assertThat(h.method()).isEqualTo("GET");
        assertThat(h.target()).isEqualTo("/a?b=c");
        assertThat(h.version()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(h.headers()).containsExactly(new HttpHeader("Host", "x"), new HttpHeader("Accept", "*/* "));
        assertThat(h.header("accept")).isEqualTo("*/*");
        assertThat(h.keepAlive()).isTrue();
        assertThat(h.framing()).isEqualTo(BodyFraming.NONE);
        assertThat(h.contentLength()).isZero();
        assertThat(r.requests.get(0).ended).isTrue();
    }

    @Test
    void contentLengthBody() {
        Recorder r = parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        assertThat(r.requests.get(0).head.framing()).isEqualTo(BodyFraming.CONTENT_LENGTH);
        assertThat(r.requests.get(0).head.contentLength()).isEqualTo(5);
        assertThat(body(r, 0)).isEqualTo("hello");
        assertThat(r.ended()).isEqualTo(1);
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailers() {
        Recorder r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                + "5;a=b;c=\"d\\\"e\"\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n");
        assertThat(r.error).isNull();
        assertThat(r.requests.get(0).head.framing()).isEqualTo(BodyFraming.CHUNKED);
        assertThat(r.requests.get(0).head.contentLength()).isEqualTo(-1);
        assertThat(r.requests.get(0).head.headers()).hasSize(1); // trailers are dropped
        assertThat(body(r, 0)).isEqualTo("hello 0123456789");
        assertThat(r.ended()).isEqualTo(1);
    }

    @Test
    void pipelinedRequestsInOrder() {
        Recorder r = parse("GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"
                + "PUT /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n"
                + "\r\nGET /4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /5 HTTP/1.1\r\n\r\n");
        assertThat(r.error).isNull();
        assertThat(r.requests).extracting(q -> q.head.target()).containsExactly("/1", "/2", "/3", "/4", "/5");
        assertThat(r.ended()).isEqualTo(5);
        assertThat(body(r, 1)).isEqualTo("ab");
        assertThat(body(r, 2)).isEqualTo("c");
        assertThat(r.requests.get(3).head.keepAlive()).isTrue();
    }

    @Test
    void bodySlicesAreViewsOfTheInput() {
        RequestHead[] head = new RequestHead[1];
        ByteBuffer input = ByteBuffer.wrap(bytes("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET"));
        int[] slices = {0};
        RequestParser p = new RequestParser(new RequestListener() {
            @Override
            public void onRequest(RequestHead h) {
                head[0] = h;
            }

            @Override
            public void onBody(ByteBuffer slice) {
                slices[0]++;
                assertThat(slice.isReadOnly()).isTrue();
                assertThat(StandardCharsets.ISO_8859_1.decode(slice).toString()).isEqualTo("abc");
            }

            @Override
            public void onRequestEnd() {}

            @Override
            public void onError(HttpError error) {
                throw new AssertionError(error.toString());
            }
        });
        p.feed(input);
        assertThat(input.hasRemaining()).isFalse();
        assertThat(slices[0]).isEqualTo(1);
        assertThat(p.isIdle()).isFalse(); // "GET" of the next request is buffered
        assertThat(head[0].method()).isEqualTo("POST");
    }

    @Test
    void keepAliveDecision() {
        assertThat(parse("GET / HTTP/1.1\r\n\r\n").requests.get(0).head.keepAlive()).isTrue();
        assertThat(parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").requests.get(0).head.keepAlive()).isFalse();
        assertThat(parse("GET / HTTP/1.0\r\n\r\n").requests.get(0).head.keepAlive()).isFalse();
        assertThat(parse("GET / HTTP/1.0\r\nConnection: x, Keep-Alive\r\n\r\n").requests.get(0).head.keepAlive())
                .isTrue();
        assertThat(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").requests.get(0).head.keepAlive())
                .isFalse();
        Recorder chunked10 = parse("POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1\r\na\r\n0\r\n\r\nGET / HTTP/1.0\r\n\r\n");
        assertThat(chunked10.requests.get(0).head.keepAlive()).as("HTTP/1.0 with Transfer-Encoding").isFalse();
        assertThat(body(chunked10, 0)).isEqualTo("a");
        assertThat(chunked10.ended()).isEqualTo(1);
        assertThat(chunked10.error.status()).isEqualTo(400);
    }

    @Test
    void obsTextInValuesSurvivesAsBytes() {
        Recorder r = parse("GET / HTTP/1.1\r\nTest: D\u00c3\u00bcsseldorf\r\n\r\n");
        assertThat(r.requests.get(0).head.headers().get(0).value().getBytes(StandardCharsets.ISO_8859_1))
                .isEqualTo("Düsseldorf".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void identicalDuplicateContentLengthIsAccepted() {
        Recorder r = parse("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 02\r\n\r\nab");
        assertThat(r.error).isNull();
        assertThat(body(r, 0)).isEqualTo("ab");
    }

    // ---- 400 -----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\n\n",                               // bare LF after the request line
        "GET / HTTP/1.1\r\nHost: a\n\r\n",                  // bare LF after a field
        "GET / HTTP/1.1\r\nHost: a\r\n\n",                  // bare LF ending the head
        "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",              // CR CR
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",               // whitespace before the colon
        "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",             // obsolete line folding
        "GET / HTTP/1.1\r\n Host: a\r\n\r\n",               // whitespace before the first field
        "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n",               // not a tchar
        "GET / HTTP/1.1\r\nHo\"st: a\r\n\r\n",
        "GET / HTTP/1.1\r\n: a\r\n\r\n",                    // empty name
        "GET / HTTP/1.1\r\nA: b\u0000c\r\n\r\n",            // control characters in a value
        "GET / HTTP/1.1\r\nA: b\u007fc\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\u000bc\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",                          // double space
        "GET /a b HTTP/1.1\r\n\r\n",                        // space in the target
        "GET /\u00e9 HTTP/1.1\r\n\r\n",                     // non-ASCII in the target
        "GET / HTTP/1.1 \r\n\r\n",                          // space after the version
        "GET / http/1.1\r\n\r\n",
        "GET / HTTP/1.x\r\n\r\n",
        "GET / HTTP/11\r\n\r\n",
        "GET / HTTP/1.10\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "\n\rGET / HTTP/1.1\r\n\r\n",                       // bare LF before the request
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;\r\na\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"b\r\na\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\na\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT : x\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n",
    })
    void malformedIs400(String input) {
        assertStatus(input, 400);
    }

    @Test
    void nothingAfterTheBadByteIsParsed() {
        byte[] raw = bytes("GET / HTTP/1.1\r\nBad Name: x\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        Recorder r = new Recorder();
        RequestParser p = new RequestParser(r);
        ByteBuffer buf = ByteBuffer.wrap(raw);
        p.feed(buf);
        assertThat(r.error.status()).isEqualTo(400);
        assertThat(r.error.offset()).isEqualTo(19);
        assertThat(buf.position()).isEqualTo(19);
        assertThat(p.isFailed()).isTrue();
        p.feed(buf);
        p.feed(ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\n\r\n")));
        assertThat(buf.position()).isEqualTo(19);
        assertThat(r.requests).isEmpty();
        assertThat(r.violations).isEmpty();
    }

    @Test
    void dataAfterConnectionCloseIs400() {
        for (String first : List.of("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "GET / HTTP/1.0\r\n\r\n")) {
            Recorder r = parse(first + "GET /smuggled HTTP/1.1\r\n\r\n");
            assertThat(r.requests).hasSize(1);
            assertThat(r.ended()).isEqualTo(1);
            assertThat(r.error.status()).isEqualTo(400);
            assertThat(r.error.offset()).isEqualTo(first.length());
        }
        RequestParser p = new RequestParser(new Recorder());
        p.feed(ByteBuffer.wrap(bytes("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")));
        assertThat(p.isClosed()).isTrue();
    }

    // ---- smuggling -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding:\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        // RFC 9112 §6.3: chunked not last is a 400 (MUST), even where a coding is unknown (501 is a SHOULD)
        "POST / HTTP/1.1\r\nTransfer-Encoding: pigeons\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunkedchunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, pigeons\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n",
    })
    void smugglingIs400(String input) {
        Recorder r = parse(input);
        assertThat(r.error).isNotNull();
        assertThat(r.error.status()).isEqualTo(400);
        assertThat(r.ended()).isLessThanOrEqualTo(1);
        assertThat(r.requests).allSatisfy(q -> assertThat(q.head.target()).isEqualTo("/"));
    }

    @Test
    void chunkedLastWinsOverOtherCodingsAcrossLines() {
        Recorder r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n");
        assertThat(r.error).isNull();
        assertThat(r.requests.get(0).head.framing()).isEqualTo(BodyFraming.CHUNKED);
    }

    // ---- 413, 414, 431 -------------------------------------------------------------------------

    @Test
    void bodyOverTheLimitIs413() {
        HttpLimits limits = HttpLimits.withMaxBody(4);
        assertStatus("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", limits, 413);
        assertStatus("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                limits, 413);
        Recorder r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                limits);
        assertThat(body(r, 0)).isEqualTo("abc"); // what fit was delivered, nothing over the limit
        Recorder ok = parse("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nhell", limits);
        assertThat(ok.error).isNull();
        assertThat(ok.ended()).isEqualTo(1);
        assertThat(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
                limits).ended()).isEqualTo(1);
    }

    @Test
    void requestLineOverTheLimitIs414() {
        HttpLimits limits = new HttpLimits(32, 1024, Long.MAX_VALUE);
        String fits = "GET /" + "a".repeat(32 - 14) + " HTTP/1.1"; // exactly 32 bytes
        assertThat(fits).hasSize(32);
        assertThat(parse(fits + "\r\n\r\n", limits).error).isNull();
        String tooLong = "GET /" + "a".repeat(32 - 13) + " HTTP/1.1";
        HttpError e = error(tooLong + "\r\n\r\n", limits);
        assertThat(e.status()).isEqualTo(414);
        assertThat(e.offset()).isEqualTo(32);
        assertStatus("GET /" + "a".repeat(100_000), 414); // detected without the line's end
        assertStatus("\r\n".repeat(10_000), 414);        // endless empty lines are bounded too
    }

    @Test
    void headerSectionOverTheLimitIs431() {
        HttpLimits limits = new HttpLimits(1024, 32, Long.MAX_VALUE);
        String fields = "A: " + "b".repeat(32 - 7) + "\r\n"; // field line + final CRLF = 32 bytes
        assertThat(parse("GET / HTTP/1.1\r\n" + fields + "\r\n", limits).error).isNull();
        assertStatus("GET / HTTP/1.1\r\n" + "A: b" + fields + "\r\n", limits, 431);
        assertStatus("GET / HTTP/1.1\r\nA: " + "b".repeat(100_000), 431);
        assertStatus("GET / HTTP/1.1\r\n" + "A: b\r\n".repeat(20_000), 431);
        // trailers are counted on their own against the same limit
        assertStatus("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + "T: x\r\n".repeat(10) + "\r\n",
                limits, 431);
    }

    @Test
    void limitsAreValidated() {
        assertThat(HttpLimits.DEFAULT).isEqualTo(new HttpLimits(8192, 65536, Long.MAX_VALUE));
        assertThatThrownBy(() -> new HttpLimits(1, 100, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpLimits(100, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpLimits(100, 100, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- 501 -----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nTransfer-Encoding: pigeons, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: pigeons\r\nTransfer-Encoding: chunked\r\n\r\n",
        "MKCOLA / HTTP/1.1\r\n\r\n",
        "get / HTTP/1.1\r\n\r\n",
        "BREW / HTTP/1.1\r\n\r\n",
        "AVERYLONGMETHODNAME / HTTP/1.1\r\n\r\n",
    })
    void notImplementedIs501(String input) {
        Recorder r = parse(input);
        assertThat(r.error.status()).isEqualTo(501);
        assertThat(r.error.upgrade()).isFalse();
        assertThat(r.requests).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nbinary tunnel bytes",
        "GET /chat HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\u0081\u0085frame",
        "GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: keep-alive, upgrade\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
    })
    void upgradesAre501AndStopTheParser(String input) {
        Recorder r = parse(input);
        assertThat(r.error.status()).isEqualTo(501);
        assertThat(r.error.upgrade()).isTrue();
        assertThat(r.error.offset()).isEqualTo(input.indexOf("\r\n\r\n") + 3);
        assertThat(r.requests).isEmpty();
    }

    @Test
    void anUpgradeInHttp10IsIgnored() {
        // RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request; its keep-alive stands
        Recorder r = parse("GET / HTTP/1.0\r\nConnection: upgrade, keep-alive\r\nUpgrade: websocket\r\n\r\n"
                + "GET /2 HTTP/1.0\r\n\r\n");
        assertThat(r.error).isNull();
        assertThat(r.ended()).isEqualTo(2);
        assertThat(r.requests.get(0).head.keepAlive()).isTrue();
    }

    @Test
    void upgradeWithoutConnectionUpgradeIsAnOrdinaryRequest() {
        Recorder r = parse("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
        assertThat(r.error).isNull();
        assertThat(r.ended()).isEqualTo(2);
    }

    // ---- 505 -----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.2\r\n\r\n",
        "GET / HTTP/0.9\r\n\r\n",
        "GET / HTTP/5.6",
        "GET /\r\n\r\n",
    })
    void unsupportedVersionIs505(String input) {
        assertStatus(input, 505);
    }

    @Test
    void http2PrefaceIs505Upgrade() {
        for (String preface : List.of("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n")) {
            Recorder r = parse(preface);
            assertThat(r.error.status()).isEqualTo(505);
            assertThat(r.error.upgrade()).isTrue();
            assertThat(r.requests).isEmpty();
        }
    }
}
