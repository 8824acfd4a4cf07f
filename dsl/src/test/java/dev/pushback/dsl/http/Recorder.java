package dev.pushback.dsl.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Records parser events, and every protocol violation of the listener contract. */
final class Recorder implements RequestListener {

    static final class Request {
        final RequestHead head;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean ended;

        Request(RequestHead head) {
            this.head = head;
        }
    }

    final List<Request> requests = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    HttpError error;

    private Request current() {
        return requests.isEmpty() ? null : requests.get(requests.size() - 1);
    }

    @Override
    public void onRequest(RequestHead head) {
        if (error != null) {
            violations.add("onRequest after onError");
        }
        Request last = current();
        if (last != null && !last.ended) {
            violations.add("onRequest before the previous request ended");
        }
        requests.add(new Request(head));
    }

    @Override
    public void onBody(ByteBuffer slice) {
        Request last = current();
        if (error != null || last == null || last.ended) {
            violations.add("onBody outside a request");
            return;
        }
        if (!slice.isReadOnly()) {
            violations.add("body slice is writable");
        }
        if (!slice.hasRemaining()) {
            violations.add("empty body slice");
        }
        byte[] bytes = new byte[slice.remaining()];
        slice.get(bytes);
        last.body.writeBytes(bytes);
    }

    @Override
    public void onRequestEnd() {
        Request last = current();
        if (error != null || last == null || last.ended) {
            violations.add("onRequestEnd outside a request");
            return;
        }
        last.ended = true;
    }

    @Override
    public void onError(HttpError e) {
        if (error != null) {
            violations.add("second onError: " + e);
        }
        error = e;
    }

    int ended() {
        int n = 0;
        for (Request r : requests) {
            if (r.ended) {
                n++;
            }
        }
        return n;
    }

    /** Feeds {@code raw} in pieces of {@code split} bytes. */
    static Recorder feed(byte[] raw, int split, HttpLimits limits) {
        Recorder recorder = new Recorder();
        RequestParser parser = new RequestParser(recorder, limits);
        for (int off = 0; off < raw.length; off += split) {
            ByteBuffer buf = ByteBuffer.wrap(raw, off, Math.min(split, raw.length - off));
            boolean failedBefore = parser.isFailed();
            int before = buf.position();
            parser.feed(buf);
            if (failedBefore && buf.position() != before) {
                recorder.violations.add("a failed parser consumed bytes");
            }
            if (!parser.isFailed() && buf.hasRemaining()) {
                recorder.violations.add("feed left bytes without failing");
            }
            if (parser.isFailed() != (recorder.error != null)) {
                recorder.violations.add("isFailed() disagrees with onError");
            }
        }
        return recorder;
    }
}
