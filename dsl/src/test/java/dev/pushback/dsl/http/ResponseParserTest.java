package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link ResponseParser} against a table of accepted and refused responses, each fed whole, byte
 * by byte, cut in two at every point and cut at seeded random points ({@code -Dpushback.seeds=N}
 * sets how many seeds, default 50): every way of feeding must give the same events, which must
 * be the ones the table lists.
 */
class ResponseParserTest {

    private static final int SEEDS = Integer.getInteger("pushback.seeds", 50);

    private static final HttpLimits SMALL = new HttpLimits(24, 40, 10);

    /**
     * A row: the methods of the requests outstanding, the bytes the server sends, whether it
     * then closes, and the events expected. An expected {@code "X fragment"} matches an error
     * whose reason contains the fragment; every other event must match exactly.
     */
    private record Case(String name, String[] methods, String input, boolean eof, HttpLimits limits,
            List<String> expected) {

        Case thenEof() {
            return new Case(name, methods, input, true, limits, expected);
        }

        Case with(HttpLimits l) {
            return new Case(name, methods, input, eof, l, expected);
        }

        Case expect(String... events) {
            return new Case(name, methods, input, eof, limits, List.of(events));
        }

        byte[] raw() {
            return input.getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return name + " [" + String.join(",", methods) + "] "
                    + input.replace("\r", "\\r").replace("\n", "\\n") + (eof ? " <EOF>" : "");
        }
    }

    private static Case c(String name, String methods, String input) {
        return new Case(name, methods.isEmpty() ? new String[0] : methods.split(","), input, false,
                HttpLimits.DEFAULT, List.of());
    }

    private static final String OK5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    private static final String R200_5 = "R 1.1 200 'OK' CONTENT_LENGTH 5 keep";

    static final List<Case> CASES = List.of(
            // ---- accepted ----------------------------------------------------------------------
            c("content-length", "GET", OK5).expect(R200_5, "B hello", "E"),
            c("no reason phrase", "GET", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")
                    .expect("R 1.1 200 '' CONTENT_LENGTH 0 keep", "E"),
            c("empty reason phrase", "GET", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")
                    .expect("R 1.1 200 '' CONTENT_LENGTH 0 keep", "E"),
            c("reason with spaces, tabs and obs-text", "GET",
                    "HTTP/1.1 404 Not \tFound \u00e9 \r\nContent-Length: 1\r\n\r\nx")
                    .expect("R 1.1 404 'Not \tFound \u00e9 ' CONTENT_LENGTH 1 keep", "B x", "E"),
            c("lowest and highest status", "GET,GET",
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n")
                    .expect("I 1.1 100 'Continue' NONE 0 keep", "R 1.1 599 'X' CONTENT_LENGTH 0 keep", "E"),
            c("chunked with extensions and trailers", "GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5;a=b;c=\"d\\\"e\"\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0;end\r\nX-Sum: 1\r\nX-B: 2\r\n\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "B hello 0123456789", "E"),
            c("chunked: upper-case hex, leading zeros", "GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n00b\r\nhello world\r\n000\r\n\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "B hello world", "E"),
            c("codings before chunked", "GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, br\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "B z", "E"),
            c("Transfer-Encoding not ending in chunked: until close", "GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc").thenEof()
                    .expect("R 1.1 200 'OK' UNTIL_CLOSE -1 close", "B abc", "E"),
            c("chunked then another coding: until close", "GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n").thenEof()
                    .expect("R 1.1 200 'OK' UNTIL_CLOSE -1 close", "B 0\r\n\r\n", "E"),
            c("no framing fields: until close", "GET", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nsome\r\nbytes").thenEof()
                    .expect("R 1.1 200 'OK' UNTIL_CLOSE -1 close", "B some\r\nbytes", "E"),
            c("until close, empty body", "GET", "HTTP/1.0 200 OK\r\n\r\n").thenEof()
                    .expect("R 1.0 200 'OK' UNTIL_CLOSE -1 close", "E"),
            c("until close, not yet closed", "GET", "HTTP/1.1 200 OK\r\n\r\nab")
                    .expect("R 1.1 200 'OK' UNTIL_CLOSE -1 close", "B ab"),
            c("HEAD: Content-Length, no body", "HEAD,GET",
                    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + OK5)
                    .expect("R 1.1 200 'OK' CONTENT_LENGTH 100 keep", "E", R200_5, "B hello", "E"),
            c("HEAD: chunked, no body", "HEAD,GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + OK5)
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "E", R200_5, "B hello", "E"),
            c("HEAD: no framing, no body, connection kept", "HEAD,GET", "HTTP/1.1 200 OK\r\n\r\n" + OK5)
                    .expect("R 1.1 200 'OK' UNTIL_CLOSE -1 keep", "E", R200_5, "B hello", "E"),
            c("HEAD: Content-Length over the body limit is no error", "HEAD",
                    "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n").with(SMALL)
                    .expect("R 1.1 200 'OK' CONTENT_LENGTH 1000 keep", "E"),
            c("204 with Content-Length: no body", "DELETE,GET",
                    "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n" + OK5)
                    .expect("R 1.1 204 'No Content' NONE 0 keep", "E", R200_5, "B hello", "E"),
            c("304 with Transfer-Encoding: no body", "GET,GET",
                    "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n" + OK5)
                    .expect("R 1.1 304 'Not Modified' NONE 0 keep", "E", R200_5, "B hello", "E"),
            c("100 Continue then 200", "POST",
                    "HTTP/1.1 100 Continue\r\n\r\n" + OK5)
                    .expect("I 1.1 100 'Continue' NONE 0 keep", R200_5, "B hello", "E"),
            c("103 Early Hints then 200", "GET",
                    "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + OK5)
                    .expect("I 1.1 103 'Early Hints' NONE 0 keep", R200_5, "B hello", "E"),
            c("several interim responses, one with Content-Length", "POST",
                    "HTTP/1.1 100 Continue\r\nContent-Length: 7\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                            + "HTTP/1.1 103 Early Hints\r\n\r\n" + OK5)
                    .expect("I 1.1 100 'Continue' NONE 0 keep", "I 1.1 102 'Processing' NONE 0 keep",
                            "I 1.1 103 'Early Hints' NONE 0 keep", R200_5, "B hello", "E"),
            c("pipelined responses", "GET,HEAD,GET,GET",
                    OK5 + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                            + "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
                            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nyz")
                    .expect(R200_5, "B hello", "E", R200_5, "E", "R 1.1 201 'Created' CHUNKED -1 keep",
                            "B ab", "E", "R 1.1 200 'OK' CONTENT_LENGTH 2 close", "B yz", "E"),
            c("the same Content-Length twice", "GET",
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5 \r\n\r\nhello")
                    .expect(R200_5, "B hello", "E"),
            c("HTTP/1.0: closes by default", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx")
                    .expect("R 1.0 200 'OK' CONTENT_LENGTH 1 close", "B x", "E"),
            c("HTTP/1.0 with keep-alive", "GET,GET",
                    "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx" + OK5)
                    .expect("R 1.0 200 'OK' CONTENT_LENGTH 1 keep", "B x", "E", R200_5, "B hello", "E"),
            c("HTTP/1.0 with keep-alive among other tokens", "GET",
                    "HTTP/1.0 200 OK\r\nConnection: foo, keep-alive ,bar\r\nContent-Length: 0\r\n\r\n")
                    .expect("R 1.0 200 'OK' CONTENT_LENGTH 0 keep", "E"),
            c("HTTP/1.0 with Transfer-Encoding: faulty framing, closes", "GET",
                    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                    .expect("R 1.0 200 'OK' CHUNKED -1 close", "E"),
            c("HTTP/1.1 with Connection: close among tokens", "GET",
                    "HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\nContent-Length: 0\r\n\r\n")
                    .expect("R 1.1 200 'OK' CONTENT_LENGTH 0 close", "E"),
            c("a refused CONNECT is an ordinary response", "CONNECT",
                    "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno")
                    .expect("R 1.1 407 'Proxy Authentication Required' CONTENT_LENGTH 2 keep", "B no", "E"),
            c("end of input between responses", "GET,GET", OK5).thenEof().expect(R200_5, "B hello", "E"),
            c("empty lines before status lines are skipped", "POST,GET,GET",
                    "\r\nHTTP/1.1 100 Continue\r\n\r\n\r\n" + OK5 + "\r\n\r\n" + OK5 + "\r\n" + OK5)
                    .expect("I 1.1 100 'Continue' NONE 0 keep", R200_5, "B hello", "E", R200_5, "B hello", "E",
                            R200_5, "B hello", "E"),
            c("end of input after empty lines", "GET,GET", OK5 + "\r\n\r\n").thenEof().expect(R200_5, "B hello", "E"),
            c("end of input in an empty line", "GET,GET", OK5 + "\r").thenEof()
                    .expect(R200_5, "B hello", "E", "X in the middle of the response head (1 byte) at byte 44"),
            c("end of input before any byte", "GET", "").thenEof().expect(),
            c("end of input after a closing response", "GET",
                    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").thenEof()
                    .expect("R 1.1 200 'OK' CONTENT_LENGTH 0 close", "E"),

            // ---- refused: status line ---------------------------------------------------------
            c("HTTP/1.2", "GET", "HTTP/1.2 200 OK\r\n\r\n").expect("X HTTP version 1.2 not supported at byte 7"),
            c("HTTP/2.0", "GET", "HTTP/2.0 200 OK\r\n\r\n").expect("X HTTP version 2.0 not supported"),
            c("HTTP/0.9", "GET", "HTTP/0.9 200 OK\r\n\r\n").expect("X HTTP version 0.9 not supported"),
            c("two-digit major", "GET", "HTTP/01.1 200 OK\r\n\r\n").expect("X invalid HTTP version at byte 6"),
            c("two-digit minor", "GET", "HTTP/1.01 200 OK\r\n\r\n").expect("X expected a space after the HTTP version"),
            c("not HTTP", "GET", "HTP/1.1 200 OK\r\n\r\n").expect("X expected HTTP/ at the start of the status line at byte 2"),
            c("lower-case protocol", "GET", "http/1.1 200 OK\r\n\r\n").expect("X invalid character at the start of a response at byte 0"),
            c("RTSP", "GET", "RTSP/1.0 200 OK\r\n\r\n").expect("X invalid character at the start of a response"),
            c("bare LF before the status line", "GET", "\n" + OK5).expect("X invalid character at the start of a response at byte 0"),
            c("CR without LF before the status line", "GET", "\r" + OK5).expect("X expected LF after CR at byte 1"),
            c("empty line with no request outstanding", "GET", OK5 + "\r\n")
                    .expect(R200_5, "B hello", "E", "X response bytes with no request outstanding at byte 43"),
            c("tab after the version", "GET", "HTTP/1.1\t200 OK\r\n\r\n").expect("X expected a space after the HTTP version at byte 8"),
            c("two spaces after the version", "GET", "HTTP/1.1  200 OK\r\n\r\n").expect("X invalid character in status code at byte 9"),
            c("status below 100", "GET", "HTTP/1.1 099 X\r\n\r\n").expect("X status code 99 out of range"),
            c("status above 599", "GET", "HTTP/1.1 600 X\r\n\r\n").expect("X status code 600 out of range"),
            c("status of two digits", "GET", "HTTP/1.1 20 OK\r\n\r\n").expect("X invalid character in status code at byte 11"),
            c("status of four digits", "GET", "HTTP/1.1 2000 OK\r\n\r\n").expect("X status code longer than three digits"),
            c("no space after the status", "GET", "HTTP/1.1 200OK\r\n\r\n").expect("X expected a space after the status code"),
            c("bare LF after the status", "GET", "HTTP/1.1 200\n\r\n").expect("X expected a space after the status code"),
            c("bare LF after the reason", "GET", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n").expect("X bare LF after the status line at byte 15"),
            c("bare CR after the status line", "GET", "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n").expect("X expected LF after CR in the status line at byte 16"),
            c("control character in the reason", "GET", "HTTP/1.1 200 O\u0001K\r\n\r\n").expect("X invalid character in reason phrase"),
            c("DEL in the reason", "GET", "HTTP/1.1 200 O\u007fK\r\n\r\n").expect("X invalid character in reason phrase"),
            c("101 Switching Protocols", "GET",
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n")
                    .expect("X 101 Switching Protocols: protocol upgrade not supported at byte 76 (upgrade)"),
            c("101 after 100", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n")
                    .expect("I 1.1 100 'Continue' NONE 0 keep", "X protocol upgrade not supported"),
            c("2xx to CONNECT", "CONNECT", "HTTP/1.1 200 Connection Established\r\n\r\n")
                    .expect("X a 2xx response to CONNECT opens a tunnel: not supported at byte 38 (upgrade)"),

            // ---- refused: field lines -------------------------------------------------------------
            c("obs-fold", "GET", "HTTP/1.1 200 OK\r\nFoo: a\r\n b\r\nContent-Length: 0\r\n\r\n").expect("X (obsolete line folding) at byte 25"),
            c("whitespace before the colon", "GET", "HTTP/1.1 200 OK\r\nFoo : a\r\n\r\n").expect("X whitespace before the colon of a field at byte 20"),
            c("bare LF after a value", "GET", "HTTP/1.1 200 OK\r\nFoo: a\nBar: b\r\n\r\n").expect("X bare LF after field value at byte 23"),
            c("fields separated by CR", "GET", "HTTP/1.1 200 OK\r\nFoo: 1\rBar: 2\r\n\r\n").expect("X expected LF after CR in field line at byte 24"),
            c("bare LF ending the head", "GET", "HTTP/1.1 200 OK\r\nFoo: 1\r\n\n").expect("X invalid character in field name"),
            c("CR without LF ending the head", "GET", "HTTP/1.1 200 OK\r\nFoo: 1\r\n\rx").expect("X expected LF after CR at the end of the header section"),
            c("control character in a value", "GET", "HTTP/1.1 200 OK\r\nFoo: a\u0000b\r\n\r\n").expect("X invalid character in field value"),
            c("name not a token", "GET", "HTTP/1.1 200 OK\r\nF(o: a\r\n\r\n").expect("X invalid character in field name"),

            // ---- refused: framing -------------------------------------------------------------------
            c("Transfer-Encoding then Content-Length", "GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello")
                    .expect("X Content-Length together with Transfer-Encoding"),
            c("Content-Length then Transfer-Encoding", "GET",
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello")
                    .expect("X Transfer-Encoding together with Content-Length"),
            c("both, on a 204 too", "GET",
                    "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .expect("X Transfer-Encoding together with Content-Length"),
            c("chunked twice", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")
                    .expect("X chunked named twice"),
            c("chunked twice, in two fields", "GET",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
                    .expect("X chunked named twice"),
            c("chunked twice on a HEAD response", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,chunked\r\n\r\n")
                    .expect("X chunked named twice"),
            c("empty Transfer-Encoding", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n")
                    .expect("X empty Transfer-Encoding"),
            c("Transfer-Encoding with a parameter", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n")
                    .expect("X invalid Transfer-Encoding"),
            c("differing Content-Lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
                    .expect("X differing Content-Length values"),
            c("Content-Length list of the same value", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello")
                    .expect("X invalid character in Content-Length"),
            c("Content-Length list of different values", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello")
                    .expect("X invalid character in Content-Length"),
            c("negative Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
                    .expect("X invalid character in Content-Length"),
            c("signed Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello")
                    .expect("X invalid character in Content-Length"),
            c("empty Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n")
                    .expect("X empty Content-Length"),
            c("overflowing Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")
                    .expect("X Content-Length overflow"),
            c("bad Content-Length on a 304", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n")
                    .expect("X invalid character in Content-Length"),
            c("bad Content-Length on a 100", "GET", "HTTP/1.1 100 Continue\r\nContent-Length: 1 2\r\n\r\n")
                    .expect("X invalid character in Content-Length"),
            c("bad chunk size", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "X invalid character in chunk size"),
            c("whitespace after the chunk size", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a\r\nhello\r\n0\r\n\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "X invalid character in chunk size"),
            c("chunk data too long", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "B ab", "X expected CRLF after chunk data"),
            c("bad chunk extension", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;=x\r\na\r\n0\r\n\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "X invalid character in chunk extension name"),
            c("obs-fold in a trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n")
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "X obsolete line folding"),

            // ---- refused: bytes that answer no request -------------------------------------------
            c("bytes before any request", "", OK5).expect("X response bytes with no request outstanding at byte 0"),
            c("a second response to one request", "GET", OK5 + OK5)
                    .expect(R200_5, "B hello", "E", "X response bytes with no request outstanding at byte 43"),
            c("one stray byte after the response", "GET", OK5 + "H")
                    .expect(R200_5, "B hello", "E", "X response bytes with no request outstanding at byte 43"),
            c("bytes after a response that closes", "GET,GET",
                    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" + OK5)
                    .expect("R 1.1 200 'OK' CONTENT_LENGTH 0 close", "E",
                            "X response bytes after a response that closes the connection at byte 57"),
            c("bytes after an HTTP/1.0 response", "GET,GET", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n" + OK5)
                    .expect("R 1.0 200 'OK' CONTENT_LENGTH 0 close", "E", "X after a response that closes the connection"),

            // ---- refused: the server closed too early -------------------------------------------
            c("end of input in the status line", "GET", "HTTP/1.1 20").thenEof()
                    .expect("X the server closed the connection in the middle of the response head (11 bytes) at byte 11"),
            c("end of input in the header section", "GET,GET", OK5 + "HTTP/1.1 200 OK\r\nContent-Le").thenEof()
                    .expect(R200_5, "B hello", "E",
                            "X the server closed the connection in the middle of the response head (27 bytes) at byte 70"),
            c("end of input in a body of known length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel").thenEof()
                    .expect(R200_5, "B hel",
                            "X the server closed the connection in the middle of the response body (3 of 5 bytes) at byte 41"),
            c("end of input right after the head", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n").thenEof()
                    .expect(R200_5, "X the server closed the connection in the middle of the response body (0 of 5 bytes)"),
            c("end of input in a chunk", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\nde").thenEof()
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "B abcde",
                            "X the server closed the connection in the middle of the response body (2 of 5 bytes of a chunk, 5 bytes of chunked body)"),
            c("end of input before the last chunk", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n").thenEof()
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "B abc",
                            "X (3 bytes of chunked body, before its last chunk)"),
            c("end of input in the trailers", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n").thenEof()
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "X (0 bytes of chunked body, in the trailer section)"),
            c("end of input after an interim response", "GET", "HTTP/1.1 100 Continue\r\n\r\n").thenEof()
                    .expect("I 1.1 100 'Continue' NONE 0 keep",
                            "X the server closed the connection after an interim response, before the final one at byte 25"),

            // ---- limits ---------------------------------------------------------------------------
            c("status line at its limit", "GET", "HTTP/1.1 200 0123456789a\r\n\r\n").with(SMALL).thenEof()
                    .expect("R 1.1 200 '0123456789a' UNTIL_CLOSE -1 close", "E"),
            c("status line over its limit", "GET", "HTTP/1.1 200 0123456789ab\r\n\r\n").with(SMALL)
                    .expect("X status line longer than 24 bytes at byte 24"),
            c("header section at its limit", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nA: 01234567890123\r\n\r\n")
                    .with(SMALL).expect("R 1.1 200 'OK' CONTENT_LENGTH 0 keep", "E"),
            c("header section over its limit", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nA: 012345678901234\r\n\r\n")
                    .with(SMALL).expect("X header section longer than 40 bytes at byte 57"),
            c("trailer section over its limit", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\nA: 0123456789012345678901234567890123\r\n\r\n").with(SMALL)
                    .expect("R 1.1 200 'OK' CHUNKED -1 keep", "X trailer section longer than 40 bytes"),
            c("Content-Length at the body limit", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
                    .with(SMALL).expect("R 1.1 200 'OK' CONTENT_LENGTH 10 keep", "B 0123456789", "E"),
            c("Content-Length over the body limit", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890")
                    .with(SMALL).expect("X body larger than 10 bytes at byte 38"),
            c("chunks over the body limit", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n")
                    .with(SMALL).expect("R 1.1 200 'OK' CHUNKED -1 keep", "B 012345", "X body larger than 10 bytes"),
            c("until close at the body limit", "GET", "HTTP/1.1 200 OK\r\n\r\n0123456789").with(SMALL).thenEof()
                    .expect("R 1.1 200 'OK' UNTIL_CLOSE -1 close", "B 0123456789", "E"),
            c("until close over the body limit", "GET", "HTTP/1.1 200 OK\r\n\r\n0123456789A").with(SMALL).thenEof()
                    .expect("R 1.1 200 'OK' UNTIL_CLOSE -1 close", "B 0123456789", "X body longer than 10 bytes at byte 29"));

    // ---- the table, fed every way ------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> wholeMatchesTheTable() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name, () -> {
            ResponseTrace t = run(c, new int[0]);
            assertThat(t.violations).as("listener contract, %s", c).isEmpty();
            assertMatches(c, t.events);
        }));
    }

    @TestFactory
    Stream<DynamicTest> byteByByteAndEveryTwoPieceSplitGiveTheSameEvents() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name, () -> {
            byte[] raw = c.raw();
            List<String> whole = run(c, new int[0]).events;
            int[] bytes = new int[Math.max(0, raw.length - 1)];
            Arrays.setAll(bytes, i -> i + 1);
            check(c, whole, bytes, "byte by byte");
            for (int cut = 1; cut < raw.length; cut++) {
                check(c, whole, new int[] {cut}, "cut at " + cut);
            }
        }));
    }

    @Test
    void seededRandomSplitsGiveTheSameEvents() {
        List<List<String>> whole = CASES.stream().map(c -> run(c, new int[0]).events).toList();
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                int length = c.raw().length;
                int[] cuts = random.ints(random.nextInt(Math.max(1, length)), 1, Math.max(2, length))
                        .filter(cut -> cut < length).distinct().sorted().toArray();
                check(c, whole.get(i), cuts, "seed " + seed + " (of -Dpushback.seeds=" + SEEDS + ")");
            }
        }
    }

    @Test
    void tableHasEnoughOfEachKind() {
        assertThat(CASES.stream().filter(c -> c.expected.stream().noneMatch(e -> e.startsWith("X")))).hasSizeGreaterThan(30);
        assertThat(CASES.stream().filter(c -> c.expected.stream().anyMatch(e -> e.startsWith("X")))).hasSizeGreaterThan(60);
        assertThat(CASES.stream().map(Case::name).distinct()).hasSameSizeAs(CASES);
    }

    private static ResponseTrace run(Case c, int[] cuts) {
        return ResponseTrace.run(c.methods, c.raw(), cuts, c.eof, c.limits);
    }

    private static void check(Case c, List<String> whole, int[] cuts, String how) {
        ResponseTrace t = run(c, cuts);
        assertThat(t.violations).as(() -> "listener contract, " + how + ", cuts " + Arrays.toString(cuts) + ", " + c)
                .isEmpty();
        assertThat(t.events).as(() -> how + ", cuts " + Arrays.toString(cuts) + ", " + c).isEqualTo(whole);
    }

    private static void assertMatches(Case c, List<String> events) {
        List<String> expected = c.expected;
        assertThat(events).as("%s:%n%s", c, String.join("\n", events)).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            String want = expected.get(i);
            String got = events.get(i);
            if (want.startsWith("X ")) {
                assertThat(got).as("event %d of %s", i, c).startsWith("X 502 ").contains(want.substring(2));
            } else {
                assertThat(got).as("event %d of %s", i, c).isEqualTo(want);
            }
        }
    }

    // ---- what the table cannot show ----------------------------------------------------------

    private static java.nio.ByteBuffer buffer(String s) {
        return java.nio.ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void headFieldsAndLookup() {
        ResponseTrace t = ResponseTrace.run(new String[] {"GET"}, bytes(
                "HTTP/1.1 200 OK\r\nContent-Type:\ttext/plain \r\nX-Dup: 1\r\nx-dup: 2\r\nContent-Length: 0\r\n\r\n"),
                new int[0], false, HttpLimits.DEFAULT);
        assertThat(t.error).isNull();
        ResponseHead h = t.heads.get(0);
        assertThat(h.headers()).containsExactly(new HttpHeader("Content-Type", "text/plain "),
                new HttpHeader("X-Dup", "1"), new HttpHeader("x-dup", "2"), new HttpHeader("Content-Length", "0"));
        assertThat(h.header("content-type")).isEqualTo("text/plain");
        assertThat(h.header("X-DUP")).isEqualTo("1");
        assertThat(h.header("Missing")).isNull();
        assertThat(h.version()).isEqualTo(HttpVersion.HTTP_1_1);
    }

    @Test
    void pausingAfterEachEventLeavesTheRestInTheBuffer() {
        List<String> events = new java.util.ArrayList<>();
        ResponseParser[] parser = new ResponseParser[1];
        parser[0] = new ResponseParser(new ResponseListener() {
            @Override
            public void onInterim(ResponseHead head) {
                events.add("interim " + head.status());
                parser[0].pause();
            }

            @Override
            public void onResponse(ResponseHead head) {
                events.add("head " + head.status());
                parser[0].pause();
            }

            @Override
            public void onBody(java.nio.ByteBuffer slice) {
                events.add("body " + StandardCharsets.ISO_8859_1.decode(slice));
                parser[0].pause();
            }

            @Override
            public void onResponseEnd() {
                events.add("end");
                parser[0].pause();
            }

            @Override
            public void onError(HttpError error) {
                events.add("error " + error);
            }
        }, HttpLimits.DEFAULT);
        String first = "HTTP/1.1 100 Continue\r\n\r\n";
        String second = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        String third = "HTTP/1.1 204 No Content\r\n\r\n";
        java.nio.ByteBuffer input = buffer(first + second + "hello" + third);
        parser[0].expect("POST");
        parser[0].expect("GET");
        List<Integer> positions = new java.util.ArrayList<>();
        while (input.hasRemaining()) {
            parser[0].feed(input);
            positions.add(input.position());
        }
        assertThat(events).containsExactly("interim 100", "head 200", "body hello", "end", "head 204", "end");
        // interim | head | body + end (the last slice ends the response) | head + end (no body)
        assertThat(positions).containsExactly(first.length(), first.length() + second.length(),
                first.length() + second.length() + 5, input.limit());
        assertThat(parser[0].isIdle()).isTrue();
    }

    @Test
    void aPausedBodySliceStaysValidUntilTheNextFeed() {
        List<java.nio.ByteBuffer> slices = new java.util.ArrayList<>();
        ResponseParser[] parser = new ResponseParser[1];
        parser[0] = new ResponseParser(new ResponseTrace() {
            @Override
            public void onBody(java.nio.ByteBuffer slice) {
                slices.add(slice);
                parser[0].pause();
            }
        }, HttpLimits.DEFAULT);
        parser[0].expect("GET");
        java.nio.ByteBuffer input = buffer("HTTP/1.1 200 OK\r\n\r\nuntil close");
        parser[0].feed(input);
        parser[0].feed(input);
        assertThat(slices).hasSize(1);
        assertThat(StandardCharsets.ISO_8859_1.decode(slices.get(0)).toString()).isEqualTo("until close");
        assertThat(input.hasRemaining()).isFalse();
    }

    @Test
    void expectCanBeCalledFromTheCallbackThatEndsAResponse() {
        ResponseParser[] parser = new ResponseParser[1];
        ResponseTrace trace = new ResponseTrace() {
            @Override
            public void onResponseEnd() {
                super.onResponseEnd();
                if (heads.size() < 3) {
                    parser[0].expect(heads.size() == 1 ? "HEAD" : "GET"); // the client sends the next request
                }
            }
        };
        parser[0] = new ResponseParser(trace, HttpLimits.DEFAULT);
        parser[0].expect("GET");
        parser[0].feed(buffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\ncd"));
        assertThat(trace.result()).containsExactly("R 1.1 200 'OK' CONTENT_LENGTH 2 keep", "B ab", "E",
                "R 1.1 200 'OK' CONTENT_LENGTH 2 keep", "E", "R 1.1 200 'OK' CONTENT_LENGTH 2 keep", "B cd", "E");
        assertThat(trace.violations).isEmpty();
    }

    @Test
    void idleOnlyBetweenResponses() {
        ResponseTrace trace = new ResponseTrace();
        ResponseParser parser = new ResponseParser(trace, HttpLimits.DEFAULT);
        assertThat(parser.isIdle()).as("nothing outstanding").isTrue();
        parser.expect("GET");
        assertThat(parser.isIdle()).as("outstanding, nothing read").isTrue();
        parser.feed(buffer("H"));
        assertThat(parser.isIdle()).as("a status line begun").isFalse();
        parser.feed(buffer("TTP/1.1 100 Continue\r\n\r\n"));
        assertThat(parser.isIdle()).as("after an interim response").isFalse();
        parser.feed(buffer("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"));
        assertThat(parser.isIdle()).as("in the body").isFalse();
        parser.feed(buffer("x"));
        assertThat(parser.isIdle()).as("after the response").isTrue();
        parser.endOfInput();
        assertThat(parser.isFailed()).isFalse();
        assertThat(trace.result()).containsExactly("I 1.1 100 'Continue' NONE 0 keep",
                "R 1.1 200 'OK' CONTENT_LENGTH 1 keep", "B x", "E");
        parser.feed(buffer("x"));
        assertThat(trace.error.reason()).isEqualTo("response bytes after the end of input");
    }

    @Test
    void aClosingResponseLeavesTheParserNotIdle() {
        ResponseTrace trace = new ResponseTrace();
        ResponseParser parser = new ResponseParser(trace, HttpLimits.DEFAULT);
        parser.expect("GET");
        parser.expect("GET");
        parser.feed(buffer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
        assertThat(parser.isIdle()).isFalse();
        assertThat(parser.isFailed()).isFalse();
        parser.endOfInput();
        assertThat(parser.isFailed()).isFalse();
        assertThat(trace.result()).containsExactly("R 1.1 200 'OK' CONTENT_LENGTH 0 close", "E");
    }

    @Test
    void endOfInputIsReportedOnceAndFailedParsersStayQuiet() {
        ResponseTrace trace = new ResponseTrace();
        ResponseParser parser = new ResponseParser(trace, HttpLimits.DEFAULT);
        parser.expect("GET");
        parser.feed(buffer("HTTP/1.1 200 OK\r\n\r\nab"));
        parser.endOfInput();
        parser.endOfInput();
        java.nio.ByteBuffer more = buffer("cd");
        parser.feed(more);
        assertThat(trace.result()).containsExactly("R 1.1 200 'OK' UNTIL_CLOSE -1 close", "B ab", "E",
                "X 502 response bytes after the end of input at byte 21");
        parser.feed(more);
        parser.endOfInput();
        parser.expect("GET");
        assertThat(more.position()).isZero();
        assertThat(trace.violations).isEmpty();
        assertThat(trace.result()).hasSize(4);
    }

    @Test
    void upgradesAreFlaggedOtherErrorsAreNot() {
        ResponseTrace upgrade = ResponseTrace.run(new String[] {"GET"},
                bytes("HTTP/1.1 101 Switching Protocols\r\n\r\n"), new int[0], false, HttpLimits.DEFAULT);
        assertThat(upgrade.error.upgrade()).isTrue();
        ResponseTrace tunnel = ResponseTrace.run(new String[] {"CONNECT"},
                bytes("HTTP/1.1 204 OK\r\n\r\n"), new int[0], false, HttpLimits.DEFAULT);
        assertThat(tunnel.error.upgrade()).isTrue();
        ResponseTrace plain = ResponseTrace.run(new String[] {"GET"},
                bytes("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), new int[0], false, HttpLimits.DEFAULT);
        assertThat(plain.error.upgrade()).isFalse();
        assertThat(plain.error.status()).isEqualTo(502);
    }

    @Test
    void manyOutstandingRequestsAreAnsweredInOrder() {
        StringBuilder input = new StringBuilder();
        String[] methods = new String[40];
        List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < methods.length; i++) {
            methods[i] = i % 3 == 0 ? "HEAD" : "GET";
            input.append("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n");
            expected.add("R 1.1 200 'OK' CONTENT_LENGTH 1 keep");
            if (i % 3 != 0) {
                input.append((char) ('a' + i % 26));
                expected.add("B " + (char) ('a' + i % 26));
            }
            expected.add("E");
        }
        ResponseTrace t = ResponseTrace.run(methods, bytes(input.toString()), new int[0], false, HttpLimits.DEFAULT);
        assertThat(t.violations).isEmpty();
        assertThat(t.result()).isEqualTo(expected);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
