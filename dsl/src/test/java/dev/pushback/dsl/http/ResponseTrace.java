package dev.pushback.dsl.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records what a {@link ResponseParser} reports as one line per event, and every breach of the
 * listener contract. Adjacent body slices are merged into one line, since where they are cut
 * depends on how the input was split.
 */
class ResponseTrace implements ResponseListener {

    final List<String> events = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    final List<ResponseHead> heads = new ArrayList<>();
    HttpError error;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private boolean inResponse;

    /** One line for a head: version, status, reason, framing, length, keep-alive. */
    static String line(String kind, ResponseHead h) {
        return kind + " " + h.version().text() + " " + h.status() + " '" + h.reason() + "' " + h.framing()
                + " " + h.contentLength() + (h.keepAlive() ? " keep" : " close");
    }

    private void flushBody() {
        if (body.size() > 0) {
            events.add("B " + body.toString(StandardCharsets.ISO_8859_1));
            body.reset();
        }
    }

    @Override
    public void onInterim(ResponseHead head) {
        if (error != null || inResponse) {
            violations.add("onInterim inside a response or after an error");
        }
        if (head.status() < 100 || head.status() > 199 || head.status() == 101) {
            violations.add("onInterim with status " + head.status());
        }
        heads.add(head);
        events.add(line("I", head));
    }

    @Override
    public void onResponse(ResponseHead head) {
        if (error != null || inResponse) {
            violations.add("onResponse inside a response or after an error");
        }
        inResponse = true;
        heads.add(head);
        events.add(line("R", head));
    }

    @Override
    public void onBody(ByteBuffer slice) {
        if (error != null || !inResponse) {
            violations.add("onBody outside a response");
        }
        if (!slice.isReadOnly()) {
            violations.add("body slice is writable");
        }
        if (!slice.hasRemaining()) {
            violations.add("empty body slice");
        }
        byte[] bytes = new byte[slice.remaining()];
        slice.get(bytes);
        body.writeBytes(bytes);
    }

    @Override
    public void onResponseEnd() {
        if (error != null || !inResponse) {
            violations.add("onResponseEnd outside a response");
        }
        inResponse = false;
        flushBody();
        events.add("E");
    }

    @Override
    public void onError(HttpError e) {
        if (error != null) {
            violations.add("second onError: " + e);
        }
        if (e.status() != 502) {
            violations.add("status " + e.status());
        }
        error = e;
        flushBody();
        events.add("X " + e);
    }

    List<String> result() {
        flushBody();
        return events;
    }

    /**
     * Expects {@code methods} up front, feeds {@code raw} cut at {@code cuts} (ascending offsets
     * inside it), then, if {@code eof}, ends the input.
     */
    static ResponseTrace run(String[] methods, byte[] raw, int[] cuts, boolean eof, HttpLimits limits) {
        ResponseTrace trace = new ResponseTrace();
        ResponseParser parser = new ResponseParser(trace, limits);
        for (String m : methods) {
            parser.expect(m);
        }
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : raw.length;
            ByteBuffer buf = ByteBuffer.wrap(raw, from, to - from);
            boolean failedBefore = parser.isFailed();
            parser.feed(buf);
            if (failedBefore && buf.position() != from) {
                trace.violations.add("a failed parser consumed bytes");
            }
            if (!parser.isFailed() && buf.hasRemaining()) {
                trace.violations.add("feed left bytes without failing");
            }
            if (!failedBefore && parser.isFailed() && trace.error != null
                    && buf.position() != trace.error.offset()) {
                trace.violations.add("position " + buf.position() + " is not the error's offset " + trace.error.offset());
            }
            from = to;
        }
        if (eof) {
            parser.endOfInput();
        }
        if (parser.isFailed() != (trace.error != null)) {
            trace.violations.add("isFailed() disagrees with onError");
        }
        trace.result();
        return trace;
    }
}
