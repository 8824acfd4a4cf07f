package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * The contracts of the request parser's parts on their own: FieldParser, ChunkParser and
 * FramingFields. The parser's own tests, the corpus and the fuzz tests cover them through
 * {@link RequestParser}; these pin what each part promises the state machine that drives it.
 */
class HttpParserPartsTest {

    /**
     * The results of feeding {@code input} one byte at a time, as a string of result codes, up to
     * the first ERROR (3): the parser's driver stops there too.
     */
    private static String fields(FieldParser parser, String input) {
        StringBuilder results = new StringBuilder();
        for (byte b : input.getBytes(StandardCharsets.ISO_8859_1)) {
            int result = parser.step(b & 0xff);
            results.append(result);
            if (result == FieldParser.ERROR) {
                break;
            }
        }
        return results.toString();
    }

    private static String chunks(ChunkParser parser, String input) {
        StringBuilder results = new StringBuilder();
        for (byte b : input.getBytes(StandardCharsets.ISO_8859_1)) {
            int result = parser.step(b & 0xff);
            results.append(result);
            if (result == ChunkParser.ERROR) {
                break;
            }
        }
        return results.toString();
    }

    @Test
    void resultCodesAreTheDigitsTheseTestsWrite() {
        assertThat(new int[] {FieldParser.MORE, FieldParser.FIELD, FieldParser.END, FieldParser.ERROR})
                .containsExactly(0, 1, 2, 3);
        assertThat(new int[] {ChunkParser.MORE, ChunkParser.CHUNK, ChunkParser.LAST, ChunkParser.ERROR})
                .containsExactly(0, 1, 2, 3);
    }

    @Test
    void headerFieldsAreKeptUntrimmedAndReportedAtTheirLf() {
        HeadBuffer head = new HeadBuffer();
        FieldParser parser = new FieldParser(head, 1000);
        parser.start(false);
        // MORE = 0, FIELD = 1, END = 2
        assertThat(fields(parser, "Host:  a b \t\r\n")).isEqualTo("0".repeat(13) + "1");
        assertThat(fields(parser, "X-Empty:\r\n")).isEqualTo("0".repeat(9) + "1");
        assertThat(fields(parser, "\r\n")).isEqualTo("02");
        assertThat(head.fieldCount()).isEqualTo(2);
        assertThat(head.headers()).containsExactly(new HttpHeader("Host", "a b \t"), new HttpHeader("X-Empty", ""));
    }

    @Test
    void trailerFieldsAreCheckedButNeitherKeptNorReported() {
        HeadBuffer head = new HeadBuffer();
        FieldParser parser = new FieldParser(head, 1000);
        parser.start(true);
        assertThat(fields(parser, "T: x\r\n\r\n")).isEqualTo("00000002");
        assertThat(head.length()).isZero();
        assertThat(head.fieldCount()).isZero();
        parser.start(true);
        assertThat(fields(parser, " T: x")).isEqualTo("3");
        assertThat(parser.status()).isEqualTo(400);
        assertThat(parser.reason()).contains("obsolete line folding");
    }

    @Test
    void theSectionLimitCountsEveryByteUpToTheFinalLf() {
        FieldParser parser = new FieldParser(new HeadBuffer(), 8);
        parser.start(false);
        assertThat(fields(parser, "A: b\r\n\r\n")).isEqualTo("00000102");
        parser = new FieldParser(new HeadBuffer(), 7);
        parser.start(true);
        assertThat(fields(parser, "A: b\r\n\r\n")).isEqualTo("00000003");
        assertThat(parser.status()).isEqualTo(431);
        assertThat(parser.reason()).isEqualTo("trailer section longer than 7 bytes");
    }

    @Test
    void aChunkSizeLineGivesItsSizeThenDataMustEndWithCrlf() {
        ChunkParser parser = new ChunkParser(Long.MAX_VALUE);
        parser.start();
        // MORE = 0, CHUNK = 1, LAST = 2, ERROR = 3
        String line = "1A;name=\"quoted \\\" value\";tok=x;bare\r\n";
        assertThat(chunks(parser, line)).isEqualTo("0".repeat(line.length() - 1) + "1");
        assertThat(parser.size()).isEqualTo(26);
        assertThat(chunks(parser, "\r\n0\r\n")).isEqualTo("00002");
        parser.start();
        assertThat(chunks(parser, "1\r\n")).isEqualTo("001");
        assertThat(chunks(parser, "\n")).isEqualTo("3");
        assertThat(parser.reason()).isEqualTo("expected CRLF after chunk data");
    }

    @Test
    void chunkSizesAddUpToTheBodyLimitWhichIsCheckedAtTheSizeLinesLf() {
        ChunkParser parser = new ChunkParser(30);
        parser.start();
        assertThat(chunks(parser, "10\r\n")).isEqualTo("0001");
        assertThat(chunks(parser, "\r\nf\r\n")).isEqualTo("00003");
        assertThat(parser.status()).isEqualTo(413);
        parser.start(); // a new body starts from nothing
        assertThat(chunks(parser, "1e\r\n")).isEqualTo("0001");
        assertThat(parser.size()).isEqualTo(30);
    }

    @Test
    void theChunkSizeLineIsBoundedAndItsSizeCannotOverflow() {
        ChunkParser parser = new ChunkParser(Long.MAX_VALUE);
        parser.start();
        String longest = "1;" + "a".repeat(4093) + "\r"; // 4096 bytes counted, the LF is not
        assertThat(chunks(parser, longest + "\n")).endsWith("01");
        parser.start();
        assertThat(chunks(parser, "1;" + "a".repeat(4094) + "\r")).endsWith("03");
        assertThat(parser.reason()).isEqualTo("chunk size line longer than 4096 bytes");

        parser.start();
        assertThat(chunks(parser, "0007fffffffffffffff\r\n")).endsWith("01");
        assertThat(parser.size()).isEqualTo(Long.MAX_VALUE);
        parser.start();
        assertThat(chunks(parser, "8000000000000000")).isEqualTo("0".repeat(15) + "3");
        assertThat(parser.reason()).isEqualTo("chunk size overflow");
    }

    /** The framing read from header field lines, each parsed by a FieldParser as the parser does. */
    private static FramingFields framing(String... lines) {
        return read(new FramingFields(), lines);
    }

    private static FramingFields read(FramingFields framing, String... lines) {
        HeadBuffer head = new HeadBuffer();
        FieldParser parser = new FieldParser(head, 10_000);
        parser.start(false);
        for (String line : lines) {
            assertThat(fields(parser, line + "\r\n")).endsWith("1");
            if (!framing.read(head, head.fieldCount() - 1)) {
                return framing;
            }
        }
        return framing;
    }

    @Test
    void framingFollowsContentLengthAndTransferEncoding() {
        assertThat(framing().framing(100)).isEqualTo(BodyFraming.NONE);
        FramingFields fixed = framing("Content-Length: 5", "content-length: 5 ");
        assertThat(fixed.framing(100)).isEqualTo(BodyFraming.CONTENT_LENGTH);
        assertThat(fixed.contentLength()).isEqualTo(5);
        assertThat(framing("Transfer-Encoding: gzip, chunked").framing(100)).isEqualTo(BodyFraming.CHUNKED);

        FramingFields tooLong = framing("Content-Length: 101");
        assertThat(tooLong.framing(100)).isNull();
        assertThat(tooLong.status()).isEqualTo(413);
        FramingFields notChunked = framing("Transfer-Encoding: gzip");
        assertThat(notChunked.framing(100)).isNull();
        assertThat(notChunked.reason()).isEqualTo("Transfer-Encoding of a request must end with chunked");
        FramingFields empty = framing("Transfer-Encoding:");
        assertThat(empty.framing(100)).isNull();
        assertThat(empty.reason()).isEqualTo("empty Transfer-Encoding");
    }

    @Test
    void framingTwoParsersCouldReadDifferentlyIsRefusedAtItsField() {
        HeadBuffer head = new HeadBuffer();
        FieldParser parser = new FieldParser(head, 10_000);
        parser.start(false);
        FramingFields framing = new FramingFields();
        fields(parser, "Content-Length: 3\r\n");
        assertThat(framing.read(head, 0)).isTrue();
        fields(parser, "Transfer-Encoding: chunked\r\n");
        assertThat(framing.read(head, 1)).isFalse();
        assertThat(framing.status()).isEqualTo(400);
        assertThat(framing.reason()).isEqualTo("Transfer-Encoding together with Content-Length");

        FramingFields twice = new FramingFields();
        head.clear();
        parser.start(false);
        fields(parser, "Transfer-Encoding: chunked, chunked\r\n");
        assertThat(twice.read(head, 0)).isFalse();
        assertThat(twice.reason()).isEqualTo("chunked is not the last transfer coding");
    }

    @Test
    void keepAliveAndUpgradeFollowConnectionAndTheVersion() {
        assertThat(framing().keepAlive(true)).isTrue();
        assertThat(framing().keepAlive(false)).isFalse();
        assertThat(framing("Connection: keep-alive").keepAlive(false)).isTrue();
        assertThat(framing("Connection: x, Close").keepAlive(true)).isFalse();
        // RFC 9112 §6.1: HTTP/1.0 with Transfer-Encoding closes the connection
        assertThat(framing("Connection: keep-alive", "Transfer-Encoding: chunked").keepAlive(false)).isFalse();

        assertThat(framing("Upgrade: h2c").upgrade()).isFalse();
        assertThat(framing("Connection: upgrade").upgrade()).isFalse();
        assertThat(framing("Upgrade: h2c", "Connection: keep-alive, Upgrade").upgrade()).isTrue();

        FramingFields cleared = framing("Upgrade: h2c", "Connection: upgrade, close", "Content-Length: 1");
        cleared.clear();
        assertThat(cleared.upgrade()).isFalse();
        assertThat(cleared.keepAlive(true)).isTrue();
        assertThat(cleared.framing(100)).isEqualTo(BodyFraming.NONE);
    }

    @Test
    void aResponsesFramingEndsWithTheConnectionWhereARequestsIsRefused() {
        FramingFields none = read(FramingFields.forResponses());
        assertThat(none.responseFraming(100)).isEqualTo(BodyFraming.UNTIL_CLOSE);
        FramingFields notLast = read(FramingFields.forResponses(), "Transfer-Encoding: chunked", "Transfer-Encoding: br");
        assertThat(notLast.responseFraming(100)).isEqualTo(BodyFraming.UNTIL_CLOSE);
        FramingFields unknownFirst = read(FramingFields.forResponses(), "Transfer-Encoding: zstd, chunked");
        assertThat(unknownFirst.responseFraming(100)).isEqualTo(BodyFraming.CHUNKED);
        FramingFields fixed = read(FramingFields.forResponses(), "Content-Length: 7");
        assertThat(fixed.responseFraming(100)).isEqualTo(BodyFraming.CONTENT_LENGTH);
        assertThat(fixed.contentLength()).isEqualTo(7);

        FramingFields tooLong = read(FramingFields.forResponses(), "Content-Length: 101");
        assertThat(tooLong.responseFraming(100)).isNull();
        assertThat(tooLong.status()).isEqualTo(502);
        assertThat(tooLong.reason()).isEqualTo("body larger than 100 bytes");
        FramingFields twice = read(FramingFields.forResponses(), "Transfer-Encoding: chunked, gzip, chunked");
        assertThat(twice.status()).isEqualTo(502);
        assertThat(twice.reason()).isEqualTo("chunked named twice in Transfer-Encoding");
        FramingFields both = read(FramingFields.forResponses(), "Transfer-Encoding: gzip", "Content-Length: 1");
        assertThat(both.reason()).isEqualTo("Content-Length together with Transfer-Encoding");
        assertThat(both.status()).isEqualTo(502);

        // the same fields in a request: what requests got before
        assertThat(framing("Transfer-Encoding: chunked", "Transfer-Encoding: br").reason())
                .isEqualTo("chunked is not the last transfer coding");
        assertThat(framing("Transfer-Encoding: chunked", "Transfer-Encoding: br").status()).isEqualTo(400);
    }
}
