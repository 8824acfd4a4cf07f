package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
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
 * Runs the llhttp response corpus ({@code corpus/http/llhttp-responses.jsonl} in the test
 * resources, made by {@code llhttp-responses.py} beside it) through {@link ResponseParser}, every
 * case in every split size from one byte to the whole input. The parser is told to expect one
 * response per message llhttp began, to {@code HEAD} where llhttp's harness skipped the body.
 *
 * <ul>
 *   <li>{@code accepted}: exactly llhttp's messages (a 1xx as an interim response), each
 *       complete (status, version, reason, headers in order with values byte for byte, body),
 *       and no error;
 *   <li>{@code rejected}: an error, reported no later than the end of the line holding llhttp's
 *       bad byte; before it only responses whose head llhttp completed too, each matching;
 *   <li>{@code upgrade}: an error flagged as an upgrade, and no final response reported;
 *   <li>{@code incomplete}: the messages llhttp completed, the unfinished one at most as a head
 *       (exactly when llhttp completed its head) with the body so far, and no error.
 * </ul>
 *
 * <p>The cases in {@link #EXCEPTIONS} are where this parser is deliberately stricter than llhttp
 * (or knows more: the request's method); for them the test asserts this parser's answer instead.
 */
class ResponseCorpusTest {

    /**
     * A corpus case this parser answers differently from llhttp: a fragment of its error's
     * reason (null for no error), how many heads it reports, how many responses end, and why.
     */
    private record Exception(String error, int heads, int ended, String why) {}

    private static final Map<String, Exception> EXCEPTIONS = Map.of(
            "ll_test_response_sample.md:40", new Exception("invalid character at the start of a response", 0, 0,
                    "RTSP/1.1 is RTSP, not HTTP: llhttp accepts it (it also parses RTSP), an HTTP/1.1-only"
                            + " parser refuses the protocol name"),
            "ll_test_response_sample.md:60", new Exception("invalid character at the start of a response", 0, 0,
                    "ICE/1.1 is the Icecast protocol, not HTTP: llhttp accepts it, an HTTP/1.1-only parser"
                            + " refuses the protocol name"),
            "ll_test_response_sample.md:645", new Exception("HTTP version 0.9 not supported", 0, 0,
                    "llhttp accepts any one-digit version in a status line; only HTTP/1.0 and HTTP/1.1 are"
                            + " accepted here (and HTTP/0.9 never had status lines)"));

    /** The corpus in the test resources (its origin, converter and licence sit beside it). */
    private static final String CORPUS = "/corpus/http/llhttp-responses.jsonl";

    /** What the parser reported, one entry per head, interim ones included. */
    private static final class Message {
        final ResponseHead head;
        final boolean interim;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean ended;

        Message(ResponseHead head, boolean interim) {
            this.head = head;
            this.interim = interim;
            this.ended = interim;
        }
    }

    private static final class Recorder implements ResponseListener {
        final List<Message> messages = new ArrayList<>();
        final List<String> violations = new ArrayList<>();
        HttpError error;

        private Message last() {
            return messages.isEmpty() ? null : messages.get(messages.size() - 1);
        }

        @Override
        public void onInterim(ResponseHead head) {
            if (error != null || (last() != null && !last().ended)) {
                violations.add("onInterim inside a response or after an error");
            }
            messages.add(new Message(head, true));
        }

        @Override
        public void onResponse(ResponseHead head) {
            if (error != null || (last() != null && !last().ended)) {
                violations.add("onResponse inside a response or after an error");
            }
            messages.add(new Message(head, false));
        }

        @Override
        public void onBody(ByteBuffer slice) {
            if (error != null || last() == null || last().ended || !slice.isReadOnly() || !slice.hasRemaining()) {
                violations.add("onBody outside a response, writable or empty");
                return;
            }
            byte[] b = new byte[slice.remaining()];
            slice.get(b);
            last().body.writeBytes(b);
        }

        @Override
        public void onResponseEnd() {
            if (error != null || last() == null || last().ended) {
                violations.add("onResponseEnd outside a response");
                return;
            }
            last().ended = true;
        }

        @Override
        public void onError(HttpError e) {
            if (error != null) {
                violations.add("second onError");
            }
            error = e;
        }

        int ended() {
            return (int) messages.stream().filter(m -> m.ended).count();
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws IOException {
        InputStream in = ResponseCorpusTest.class.getResourceAsStream(CORPUS);
        if (in == null) {
            throw new IllegalStateException("corpus not on the test class path: " + CORPUS);
        }
        List<Map<String, Object>> cases = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line : reader.lines().toList()) {
                if (!line.isBlank()) {
                    cases.add((Map<String, Object>) Json.parse(line));
                }
            }
        }
        return cases;
    }

    private static String key(Map<String, Object> c) {
        return c.get("src") + ":" + c.get("line");
    }

    @Test
    void corpusIsComplete() throws IOException {
        List<Map<String, Object>> cases = cases();
        assertThat(cases).hasSize(77);
        assertThat(cases.stream().map(ResponseCorpusTest::key).distinct()).hasSameSizeAs(cases);
        for (String key : EXCEPTIONS.keySet()) {
            assertThat(cases.stream().map(ResponseCorpusTest::key)).as("exception %s", key).contains(key);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCaseEverySplit() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(
                c.get("outcome") + " " + key(c) + " " + c.get("name"), () -> check(c)));
    }

    @SuppressWarnings("unchecked")
    private static Recorder feed(Map<String, Object> c, byte[] raw, int split) {
        Recorder r = new Recorder();
        ResponseParser parser = new ResponseParser(r, HttpLimits.DEFAULT);
        int responses = ((List<Object>) c.get("messages")).size();
        for (int i = 0; i < responses; i++) {
            parser.expect((String) c.get("method"));
        }
        for (int off = 0; off < raw.length; off += split) {
            ByteBuffer buf = ByteBuffer.wrap(raw, off, Math.min(split, raw.length - off));
            parser.feed(buf);
            if (!parser.isFailed() && buf.hasRemaining()) {
                r.violations.add("feed left bytes without failing");
            }
        }
        if (Boolean.TRUE.equals(c.get("eof"))) {
            parser.endOfInput();
        }
        if (parser.isFailed() != (r.error != null)) {
            r.violations.add("isFailed() disagrees with onError");
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c) {
        byte[] raw = Base64.getDecoder().decode((String) c.get("raw_b64"));
        String outcome = (String) c.get("outcome");
        List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
        Exception exception = EXCEPTIONS.get(key(c));
        List<String> failures = new ArrayList<>();
        for (int split = 1; split <= raw.length; split++) {
            Recorder r = feed(c, raw, split);
            List<String> problems = new ArrayList<>(r.violations);
            if (exception != null) {
                boolean errorOk = exception.error() == null ? r.error == null
                        : r.error != null && r.error.reason().contains(exception.error());
                if (!errorOk || r.messages.size() != exception.heads() || r.ended() != exception.ended()) {
                    problems.add("expected error " + exception.error() + ", " + exception.heads() + " head(s), "
                            + exception.ended() + " ended (" + exception.why() + "), got " + r.error + ", "
                            + r.messages.size() + " head(s), " + r.ended() + " ended");
                }
            } else {
                switch (outcome) {
                    case "accepted" -> accepted(r, messages, problems);
                    case "rejected" -> rejected(r, raw, messages, (Map<String, Object>) c.get("error"), problems);
                    case "upgrade" -> upgrade(r, messages, problems);
                    case "incomplete" -> incomplete(r, messages, problems);
                    default -> problems.add("unknown outcome " + outcome);
                }
            }
            if (!problems.isEmpty()) {
                failures.add("split " + split + ": " + String.join("; ", problems));
            }
        }
        if (!failures.isEmpty()) {
            fail(String.format("case %s \"%s\" (%s): %s%n  input: %s%n  %s", key(c), c.get("name"), outcome,
                    failures.size() + " of " + raw.length + " splits fail", c.get("raw_escaped"),
                    String.join("\n  ", failures.subList(0, Math.min(3, failures.size())))));
        }
    }

    private static void accepted(Recorder r, List<Map<String, Object>> messages, List<String> problems) {
        if (r.error != null) {
            problems.add("unexpected error " + r.error);
        }
        if (r.messages.size() != messages.size() || r.ended() != messages.size()) {
            problems.add("expected " + messages.size() + " complete messages, got " + r.messages.size()
                    + " (" + r.ended() + " ended)");
        }
        for (int i = 0; i < Math.min(messages.size(), r.messages.size()); i++) {
            compare(i, messages.get(i), r.messages.get(i), true, problems);
        }
    }

    private static void rejected(Recorder r, byte[] raw, List<Map<String, Object>> messages,
            Map<String, Object> llhttpError, List<String> problems) {
        if (r.error == null) {
            problems.add("expected an error, got none");
            return;
        }
        // a field value is judged when its line ends: the parser may stop a few bytes after
        // llhttp, but never past the end of the line holding llhttp's bad byte
        int llhttpOffset = Math.toIntExact((Long) llhttpError.get("offset"));
        int lineEnd = llhttpOffset;
        while (lineEnd < raw.length && raw[lineEnd] != '\n') {
            lineEnd++;
        }
        if (r.error.offset() > lineEnd) {
            problems.add("error at byte " + r.error.offset() + ", past the line of llhttp's bad byte "
                    + llhttpOffset + " (" + llhttpError.get("reason") + "): " + r.error);
        }
        long heads = messages.stream().filter(m -> m.containsKey("headers_complete")).count();
        long complete = messages.stream().filter(m -> Boolean.TRUE.equals(m.get("complete"))).count();
        if (r.messages.size() > heads || r.ended() > complete) {
            problems.add("reported " + r.messages.size() + " head(s), " + r.ended() + " ended; llhttp completed only "
                    + heads + " head(s), " + complete + " message(s) before the error");
        }
        for (int i = 0; i < Math.min(messages.size(), r.messages.size()); i++) {
            compare(i, messages.get(i), r.messages.get(i), r.messages.get(i).ended, problems);
        }
    }

    private static void upgrade(Recorder r, List<Map<String, Object>> messages, List<String> problems) {
        if (r.error == null || !r.error.upgrade()) {
            problems.add("expected an upgrade error, got " + r.error);
        }
        // every corpus upgrade is the last message; the ones before it are ordinary responses
        if (r.messages.size() != messages.size() - 1 || r.ended() != messages.size() - 1) {
            problems.add("expected " + (messages.size() - 1) + " message(s) before the upgrade, got "
                    + r.messages.size());
        }
        for (int i = 0; i < Math.min(messages.size() - 1, r.messages.size()); i++) {
            compare(i, messages.get(i), r.messages.get(i), true, problems);
        }
    }

    private static void incomplete(Recorder r, List<Map<String, Object>> messages, List<String> problems) {
        if (r.error != null) {
            problems.add("unexpected error " + r.error);
        }
        long heads = messages.stream().filter(m -> m.containsKey("headers_complete")).count();
        long complete = messages.stream().filter(m -> Boolean.TRUE.equals(m.get("complete"))).count();
        if (r.messages.size() != heads || r.ended() != complete) {
            problems.add("expected " + heads + " head(s) and " + complete + " complete message(s), got "
                    + r.messages.size() + " and " + r.ended());
        }
        for (int i = 0; i < Math.min(messages.size(), r.messages.size()); i++) {
            compare(i, messages.get(i), r.messages.get(i), true, problems);
        }
    }

    @SuppressWarnings("unchecked")
    private static void compare(int i, Map<String, Object> expected, Message actual, boolean withBody,
            List<String> problems) {
        ResponseHead head = actual.head;
        String prefix = "message " + (i + 1) + ": ";
        if (((Long) expected.get("status")).intValue() != head.status()) {
            problems.add(prefix + "status " + head.status() + " != " + expected.get("status"));
        }
        int status = head.status();
        if (actual.interim != (status >= 100 && status < 200)) {
            problems.add(prefix + (actual.interim ? "interim " : "final ") + status);
        }
        if (!expected.get("version").equals(head.version().text())) {
            problems.add(prefix + "version " + head.version().text() + " != " + expected.get("version"));
        }
        if (!latin1((String) expected.get("reason")).equals(latin1(head.reason()))) {
            problems.add(prefix + "reason " + head.reason() + " != " + expected.get("reason"));
        }
        List<String> want = new ArrayList<>();
        for (List<String> h : (List<List<String>>) expected.get("headers")) {
            want.add(latin1(h.get(0)) + ": " + latin1(h.get(1)));
        }
        List<String> got = new ArrayList<>();
        for (HttpHeader h : head.headers()) {
            got.add(latin1(h.name()) + ": " + latin1(h.value()));
        }
        if (!want.equals(got)) {
            problems.add(prefix + "headers " + got + " != " + want);
        }
        if (withBody) {
            String body = latin1((String) expected.get("body"));
            String gotBody = latin1(actual.body.toString(StandardCharsets.ISO_8859_1));
            if (!body.equals(gotBody)) {
                problems.add(prefix + "body " + gotBody + " != " + body);
            }
        }
    }

    /** A string of bytes (one char per byte, as the corpus and the parser both hold them), escaped for reading. */
    private static String latin1(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.ISO_8859_1)) {
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
