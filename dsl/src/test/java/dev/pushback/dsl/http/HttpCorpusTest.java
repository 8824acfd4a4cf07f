package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the llhttp request corpus ({@code corpus/http/llhttp-requests.jsonl} in the test
 * resources, with its README and licence) through {@link RequestParser}, every case in every split
 * size from one byte to the whole input.
 *
 * <ul>
 *   <li>{@code accepted}: exactly the listed messages, each complete (method, target, version,
 *       headers in order with values byte for byte, body), and no error;
 *   <li>{@code rejected}: an error with a 4xx/5xx status, reported no later than the end of
 *       the line holding llhttp's bad byte; before it only requests whose head llhttp had
 *       completed too, each matching; nothing after it;
 *   <li>{@code upgrade}: an error flagged as an upgrade (this parser does not switch protocols)
 *       and no request reported, so the bytes after the head are never read as HTTP/1.1;
 *   <li>{@code incomplete}: the complete messages, the unfinished one at most as a head (exactly
 *       when llhttp completed its head), never its end, and no error.
 * </ul>
 *
 * <p>The cases in {@link #EXCEPTIONS} are requests llhttp accepts only because it also speaks
 * other protocols; for them the test asserts this parser's refusal instead.
 */
class HttpCorpusTest {

    /**
     * A corpus case this parser deliberately treats differently from llhttp, and what it does
     * instead: the error status (0 for none), how many heads it reports and how many requests end.
     */
    private record Exception(int status, int heads, int ended, String reason) {}

    private static final Map<String, Exception> EXCEPTIONS = Map.of(
            "ll_test_request_method.md:372", new Exception(400, 0, 0,
                    "SOURCE ... ICE/1.0 is the Icecast protocol, not HTTP: llhttp accepts it,"
                            + " an HTTP/1.1-only parser refuses the version token"),
            "ll_test_request_method.md:400", new Exception(400, 0, 0,
                    "OPTIONS ... RTSP/1.0 is RTSP, not HTTP: llhttp accepts it (it also parses"
                            + " RTSP), an HTTP/1.1-only parser refuses the version token"),
            "ll_test_request_method.md:430", new Exception(501, 0, 0,
                    "ANNOUNCE ... RTSP/1.0 is RTSP; ANNOUNCE is no HTTP method, so it is refused"
                            + " as an unknown method (501) before the version is read"),
            "ll_test_request_sample.md:314", new Exception(505, 0, 0,
                    "'GET /' without a version is an HTTP/0.9 simple request: llhttp still parses"
                            + " it, the task allows only HTTP/1.0 and HTTP/1.1, so 505"),
            "ll_test_request_content-length.md:444", new Exception(0, 1, 0,
                    "meta.skipBody: llhttp's harness told it the first request has no body despite"
                            + " Content-Length: 123 (a client-side mode for HEAD responses); per RFC 9112"
                            + " §6.3 the bytes after the head are that body, so one head, still"
                            + " incomplete, and no error"));

    /**
     * Cases whose last listed header fields are really trailer fields of a chunked body: llhttp
     * reports them with the headers, this parser reads and drops them (as the task asks), so only
     * the fields before them are compared.
     */
    private static final Map<String, Integer> TRAILER_FIELDS = Map.of(
            "ll_test_request_transfer-encoding.md:186", 2);

    /** The corpus in the test resources (its origin and licence sit beside it). */
    private static final String CORPUS = "/corpus/http/llhttp-requests.jsonl";

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws IOException {
        List<Map<String, Object>> cases = new ArrayList<>();
        InputStream in = HttpCorpusTest.class.getResourceAsStream(CORPUS);
        if (in == null) {
            throw new IllegalStateException("corpus not on the test class path: " + CORPUS);
        }
        List<String> lines;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            lines = reader.lines().toList();
        }
        for (String line : lines) {
            if (!line.isBlank()) {
                cases.add((Map<String, Object>) Json.parse(line));
            }
        }
        return cases;
    }

    @Test
    void corpusIsComplete() throws IOException {
        List<Map<String, Object>> cases = cases();
        assertThat(cases).hasSize(134);
        for (String key : TRAILER_FIELDS.keySet()) {
            assertThat(cases.stream().map(HttpCorpusTest::key)).as("trailer case %s", key).contains(key);
        }
        for (String key : EXCEPTIONS.keySet()) {
            assertThat(cases.stream().map(HttpCorpusTest::key)).as("exception %s", key).contains(key);
        }
    }

    @Test
    void jsonReaderHandlesEscapes() {
        Object v = Json.parse("{\"a\": [\"q\\\"\\\\\\u00fc\\r\\n\", 1, null, true]}");
        assertThat(v).isEqualTo(Map.of("a", java.util.Arrays.asList("q\"\\\u00fc\r\n", 1L, null, true)));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseEverySplit() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(
                c.get("outcome") + " " + key(c) + " " + c.get("name"), () -> check(c)));
    }

    private static String key(Map<String, Object> c) {
        return c.get("src") + ":" + c.get("line");
    }

    /** Whether the case is one of the listed exceptions, answered differently from llhttp. */
    static boolean isException(Map<String, Object> c) {
        return EXCEPTIONS.containsKey(key(c));
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c) {
        byte[] raw = Base64.getDecoder().decode((String) c.get("raw_b64"));
        String outcome = (String) c.get("outcome");
        List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
        Exception exception = EXCEPTIONS.get(key(c));
        int trailerFields = TRAILER_FIELDS.getOrDefault(key(c), 0);
        List<String> failures = new ArrayList<>();
        for (int split = 1; split <= raw.length; split++) {
            Recorder r = Recorder.feed(raw, split, HttpLimits.DEFAULT);
            List<String> problems = new ArrayList<>(r.violations);
            if (exception != null) {
                int status = r.error == null ? 0 : r.error.status();
                if (status != exception.status() || r.requests.size() != exception.heads()
                        || r.ended() != exception.ended()) {
                    problems.add("expected status " + exception.status() + ", " + exception.heads()
                            + " head(s), " + exception.ended() + " ended (" + exception.reason()
                            + "), got " + r.error + ", " + r.requests.size() + " head(s), "
                            + r.ended() + " ended");
                }
            } else {
                switch (outcome) {
                    case "accepted" -> accepted(r, messages, trailerFields, problems);
                    case "rejected" -> rejected(r, raw, messages, (Map<String, Object>) c.get("error"),
                            trailerFields, problems);
                    case "upgrade" -> upgrade(r, messages, trailerFields, problems);
                    case "incomplete" -> incomplete(r, messages, trailerFields, problems);
                    default -> problems.add("unknown outcome " + outcome);
                }
            }
            if (!problems.isEmpty()) {
                failures.add("split " + split + ": " + String.join("; ", problems));
            }
        }
        if (!failures.isEmpty()) {
            fail(String.format("case %s line %s \"%s\" (%s): %s%n  input: %s%n  %s",
                    c.get("src"), c.get("line"), c.get("name"), outcome,
                    failures.size() + " of " + raw.length + " splits fail", c.get("raw_escaped"),
                    String.join("\n  ", failures.subList(0, Math.min(5, failures.size())))));
        }
    }

    private static void accepted(Recorder r, List<Map<String, Object>> messages, int trailerFields,
            List<String> problems) {
        if (r.error != null) {
            problems.add("unexpected error " + r.error);
        }
        if (r.requests.size() != messages.size() || r.ended() != messages.size()) {
            problems.add("expected " + messages.size() + " complete requests, got " + r.requests.size()
                    + " (" + r.ended() + " ended)");
        }
        for (int i = 0; i < Math.min(messages.size(), r.requests.size()); i++) {
            compare(i, messages.get(i), r.requests.get(i), trailerFields, true, problems);
        }
    }

    private static void rejected(Recorder r, byte[] raw, List<Map<String, Object>> messages,
            Map<String, Object> llhttpError, int trailerFields,
            List<String> problems) {
        if (r.error == null) {
            problems.add("expected an error, got none");
        } else if (r.error.status() < 400 || r.error.status() > 599) {
            problems.add("status " + r.error.status());
        }
        // Field values are judged when their line ends, so the parser may stop a few bytes after
        // llhttp, but never past the end of the line holding llhttp's bad byte.
        int llhttpOffset = Math.toIntExact((Long) llhttpError.get("offset"));
        int lineEnd = llhttpOffset;
        while (lineEnd < raw.length && raw[lineEnd] != '\n') {
            lineEnd++;
        }
        if (r.error != null && r.error.offset() > lineEnd) {
            problems.add("error at byte " + r.error.offset() + ", past the line of llhttp's bad byte "
                    + llhttpOffset + " (" + llhttpError.get("reason") + "): " + r.error);
        }
        long heads = messages.stream().filter(m -> m.containsKey("headers_complete")).count();
        long complete = messages.stream().filter(m -> Boolean.TRUE.equals(m.get("complete"))).count();
        if (r.requests.size() > heads || r.ended() > complete) {
            problems.add("reported " + r.requests.size() + " request(s), " + r.ended()
                    + " ended; llhttp completed only " + heads + " head(s), " + complete + " message(s)"
                    + " before the error");
        }
        for (int i = 0; i < Math.min(messages.size(), r.requests.size()); i++) {
            compare(i, messages.get(i), r.requests.get(i), trailerFields, r.requests.get(i).ended, problems);
        }
    }

    private static void upgrade(Recorder r, List<Map<String, Object>> messages, int trailerFields,
            List<String> problems) {
        if (r.error == null || !r.error.upgrade() || r.error.status() < 400) {
            problems.add("expected an upgrade error, got " + r.error);
        }
        // every corpus upgrade is the last message; the ones before it are ordinary requests
        if (r.requests.size() != messages.size() - 1 || r.ended() != messages.size() - 1) {
            problems.add("expected " + (messages.size() - 1) + " request(s) before the upgrade, got "
                    + r.requests.size());
        }
        for (int i = 0; i < Math.min(messages.size() - 1, r.requests.size()); i++) {
            compare(i, messages.get(i), r.requests.get(i), trailerFields, true, problems);
        }
    }

    private static void incomplete(Recorder r, List<Map<String, Object>> messages, int trailerFields,
            List<String> problems) {
        if (r.error != null) {
            problems.add("unexpected error " + r.error);
        }
        long heads = messages.stream().filter(m -> m.containsKey("headers_complete")).count();
        long complete = messages.stream().filter(m -> Boolean.TRUE.equals(m.get("complete"))).count();
        if (r.requests.size() != heads || r.ended() != complete) {
            problems.add("expected " + heads + " head(s) and " + complete + " complete request(s), got "
                    + r.requests.size() + " and " + r.ended());
        }
        for (int i = 0; i < Math.min(messages.size(), r.requests.size()); i++) {
            boolean done = Boolean.TRUE.equals(messages.get(i).get("complete"));
            compare(i, messages.get(i), r.requests.get(i), trailerFields, done, problems);
        }
    }

    @SuppressWarnings("unchecked")
    private static void compare(int i, Map<String, Object> expected, Recorder.Request actual, int trailerFields,
            boolean withBody,
            List<String> problems) {
        RequestHead head = actual.head;
        String prefix = "request " + (i + 1) + ": ";
        if (!expected.get("method").equals(head.method())) {
            problems.add(prefix + "method " + head.method() + " != " + expected.get("method"));
        }
        if (!bytes(expected.get("url")).equals(latin1(head.target()))) {
            problems.add(prefix + "target " + head.target() + " != " + expected.get("url"));
        }
        if (!expected.get("version").equals(head.version().text())) {
            problems.add(prefix + "version " + head.version().text() + " != " + expected.get("version"));
        }
        List<List<String>> headers = (List<List<String>>) expected.get("headers");
        headers = headers.subList(0, headers.size() - trailerFields);
        List<String> want = new ArrayList<>();
        for (List<String> h : headers) {
            want.add(bytes(h.get(0)) + ": " + bytes(h.get(1)));
        }
        List<String> got = new ArrayList<>();
        for (HttpHeader h : head.headers()) {
            got.add(latin1(h.name()) + ": " + latin1(h.value()));
        }
        if (!want.equals(got)) {
            problems.add(prefix + "headers " + got + " != " + want);
        }
        if (withBody) {
            String body = expected.containsKey("body") ? bytes(expected.get("body")) : "";
            String gotBody = latin1(actual.body.toString(StandardCharsets.ISO_8859_1));
            if (!body.equals(gotBody)) {
                problems.add(prefix + "body " + gotBody + " != " + body);
            }
        }
    }

    /** The UTF-8 bytes of a corpus string, as a printable hex-escaped string for comparing. */
    private static String bytes(Object s) {
        return escape(((String) s).getBytes(StandardCharsets.UTF_8));
    }

    /** The wire bytes of a parsed (ISO-8859-1) string, escaped the same way. */
    private static String latin1(String s) {
        return escape(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
