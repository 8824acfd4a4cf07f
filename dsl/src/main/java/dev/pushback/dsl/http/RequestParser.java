package dev.pushback.dsl.http;

import static dev.pushback.dsl.http.HttpChars.CR;
import static dev.pushback.dsl.http.HttpChars.LF;
import static dev.pushback.dsl.http.HttpChars.SP;
import static dev.pushback.dsl.http.HttpChars.TCHAR;
import static dev.pushback.dsl.http.HttpChars.VCHAR;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A strict, incremental HTTP/1.1 request parser (RFC 9112) that is pushed bytes and reports what
 * it finds to a {@link RequestListener}.
 *
 * <p>Input may be split anywhere — one byte per {@link #feed} call or many pipelined requests in
 * one buffer give the same events. The parser copies only the head (request line and header
 * fields, bounded by {@link HttpLimits}) into one reused array; body bytes are handed on as views
 * of the fed buffer. Nothing is allocated per byte: the head's strings are made once per request.
 *
 * <pre>{@code
 * RequestParser parser = new RequestParser(new RequestListener() {
 *     public void onRequest(RequestHead head) { System.out.println(head.method() + " " + head.target()); }
 *     public void onBody(ByteBuffer slice)    { body.write(slice); }   // copy: the view is reused
 *     public void onRequestEnd()              { respond(); }
 *     public void onError(HttpError error)    { answer(error.status()); close(); }
 * }, HttpLimits.DEFAULT);
 * while (channel.read(buffer) > 0) {
 *     buffer.flip();
 *     parser.feed(buffer);      // consumes everything unless it fails
 *     buffer.clear();
 * }
 * }</pre>
 *
 * <h2>What is refused</h2>
 *
 * Once {@link RequestListener#onError} has been called the parser is failed for good: the fed
 * buffer's position is left at the offending byte and later {@code feed} calls consume nothing, so
 * nothing after the bad byte is ever taken for a request. The caller should answer with
 * {@link HttpError#status()} and close the connection.
 *
 * <ul>
 *   <li><b>400</b> — anything malformed: a bare LF or CR where CRLF is required, whitespace before
 *       a field's colon or at the start of a field line (obsolete line folding), a name that is not
 *       a token, a control character in a value or a non-visible character in the target, a bad
 *       {@code Content-Length} (empty, not all digits, overflowing), two differing
 *       {@code Content-Length}s, {@code Content-Length} together with {@code Transfer-Encoding}
 *       (request smuggling), a {@code Transfer-Encoding} whose last coding is not {@code chunked}
 *       or that names {@code chunked} twice (even where a coding is unknown too: RFC 9112 §6.3
 *       makes this a MUST), a bad chunk size line or extension (strict: no
 *       whitespace), chunk data not followed by CRLF, and any byte after a request that closes
 *       the connection ({@code Connection: close}, HTTP/1.0 without {@code keep-alive}, or
 *       HTTP/1.0 with {@code Transfer-Encoding}, RFC 9112 §6.1).
 *   <li><b>413</b> — a body longer than {@link HttpLimits#maxBody()}.
 *   <li><b>414</b> — a request line longer than {@link HttpLimits#maxRequestLine()}.
 *   <li><b>431</b> — a header or trailer section longer than {@link HttpLimits#maxHeaderSection()}.
 *   <li><b>501</b> — an unknown method (the methods llhttp knows for HTTP, see RFC 9110 §9.1), a
 *       transfer coding other than {@code chunked}, {@code gzip}, {@code x-gzip},
 *       {@code deflate}, {@code compress}, {@code x-compress} before a final {@code chunked}
 *       (reported when the head is complete), and every request that asks to leave HTTP/1.1:
 *       {@code CONNECT}, or {@code Upgrade} together with {@code Connection: upgrade} in an
 *       HTTP/1.1 request (an HTTP/1.0 one's is ignored, RFC 9110 §7.8; reported when the head is
 *       complete, with {@link HttpError#upgrade()} set; this
 *       parser does not hand the connection over to another protocol).
 *   <li><b>505</b> — a version other than HTTP/1.0 and HTTP/1.1, a request line without a version
 *       (HTTP/0.9), and the HTTP/2 connection preface ({@code PRI}, flagged as an upgrade).
 * </ul>
 *
 * <p>Empty lines (CRLF) before a request line are skipped (RFC 9112 §2.2). Codings other than
 * {@code chunked} are not decoded: the body is delivered as framed. Chunk extensions are
 * validated and dropped, trailer fields are validated and dropped. Semantic checks that need the
 * whole head, such as requiring {@code Host} in HTTP/1.1, are left to the server
 * ({@link RequestChecks}), which is stricter than this parser: it also refuses the codings this
 * parser passes on undecoded, and {@code Transfer-Encoding} in HTTP/1.0.
 *
 * <p>Not thread-safe: feed it from one thread (in pushback, the catalyst).
 */
final class RequestParser {

    /** Methods known to llhttp in HTTP mode (RFC 9110, WebDAV, CalDAV, SSDP, ...). */
    private static final String[] METHODS = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
        "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND",
        "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH",
        "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SOURCE",
        "QUERY", "PRI"
    };
    private static final byte[][] METHOD_BYTES = new byte[METHODS.length][];
    private static final int MAX_METHOD;
    private static final int CONNECT = 5;
    private static final int PRI = METHODS.length - 1;

    static {
        int max = 0;
        for (int i = 0; i < METHODS.length; i++) {
            METHOD_BYTES[i] = METHODS[i].getBytes(StandardCharsets.US_ASCII);
            max = Math.max(max, METHOD_BYTES[i].length);
        }
        MAX_METHOD = max;
        assert "CONNECT".equals(METHODS[CONNECT]) && "PRI".equals(METHODS[PRI]);
    }

    // One state machine: the state says what the next byte belongs to. The request line is
    // parsed here; field lines (of the header and the trailer section) and the framing around
    // chunk data are grammars of their own, parsed by FieldParser and ChunkParser in states of
    // their own, and FramingFields judges what the fields say about framing, so that each part
    // can be read against its RFC section alone. Body data is handed on in slices, not per byte.
    private static final int START = 0;
    private static final int START_LF = 1;
    private static final int METHOD = 2;
    private static final int TARGET_START = 3;
    private static final int TARGET = 4;
    private static final int VERSION = 5;
    private static final int LINE_CR = 6;
    private static final int LINE_LF = 7;
    private static final int HEADERS = 8;
    private static final int BODY_FIXED = 9;
    private static final int CHUNK_FRAMING = 10;
    private static final int CHUNK_DATA = 11;
    private static final int TRAILERS = 12;
    private static final int CLOSED = 13;
    private static final int FAILED = 14;

    private final RequestListener listener;
    private final HttpLimits limits;

    private int state = START;
    /** Stream offset of the byte being looked at. */
    private long offset;
    private boolean pauseRequested;

    private final HeadBuffer head = new HeadBuffer();
    private int lineLen;
    private int method = -1;
    private int methodEnd;
    private int targetStart;
    private int targetEnd;
    private int versionIndex;
    private int minor;

    private final FieldParser fieldLines;
    private final FramingFields framingFields = new FramingFields();
    private final ChunkParser chunks;
    private boolean declineUpgrades;
    private boolean keepAlive;

    /** Body bytes still to come: of the whole body, or of the current chunk. */
    private long remaining;
    private ByteBuffer viewOf;
    private ByteBuffer view;

    /** A parser with {@link HttpLimits#DEFAULT}. */
    public RequestParser(RequestListener listener) {
        this(listener, HttpLimits.DEFAULT);
    }

    public RequestParser(RequestListener listener, HttpLimits limits) {
        if (listener == null || limits == null) {
            throw new NullPointerException();
        }
        this.listener = listener;
        this.limits = limits;
        this.fieldLines = new FieldParser(head, limits.maxHeaderSection());
        this.chunks = new ChunkParser(limits.maxBody());
    }

    /**
     * Parses the buffer's remaining bytes and reports events for them. On return the buffer has
     * been consumed ({@code position == limit}), unless a listener called {@link #pause()} (the
     * position is then right after the paused event), or the parser failed, in which case the
     * position is at the byte that failed it (for an upgrade: the head's final LF). Once failed,
     * it consumes nothing. Must not be called from inside a listener callback.
     */
    public void feed(ByteBuffer buf) {
        int pos = buf.position();
        final int lim = buf.limit();
        pauseRequested = false;
        while (pos < lim && state != FAILED && !pauseRequested) {
            if (state == BODY_FIXED || state == CHUNK_DATA) {
                pos += body(buf, pos, lim);
                continue;
            }
            // dispatched here, not in a method of its own, so that the JIT compiles one loop with
            // the parts' short paths inlined: a byte inside a field name or value costs no call
            int b = buf.get(pos) & 0xff;
            switch (state) {
                case START, START_LF, METHOD, TARGET_START, TARGET, VERSION, LINE_CR, LINE_LF -> requestLine(b);
                case HEADERS -> headerSection(b);
                case CHUNK_FRAMING -> chunkFraming(b);
                case TRAILERS -> trailerSection(b);
                case CLOSED -> fail(400, "data after a request that closes the connection");
                default -> throw new IllegalStateException("state " + state);
            }
            if (state == FAILED) {
                break;
            }
            pos++;
            offset++;
        }
        buf.position(pos);
    }

    /**
     * Serves {@code Upgrade} requests as plain HTTP/1.1 instead of refusing them with 501 — what a
     * server that speaks only HTTP/1.1 does (RFC 9110 §7.8: the upgrade is declined by answering in
     * HTTP/1.1). The request does not keep the connection alive, so whatever follows it is never
     * parsed as HTTP/1.1. {@code CONNECT} and the HTTP/2 preface are still refused.
     */
    public RequestParser declineUpgrades() {
        declineUpgrades = true;
        return this;
    }

    /**
     * Called from a listener callback: {@link #feed} returns right after the event being reported
     * (and {@code onRequestEnd} when the same byte ends the request: a head without a body, the
     * last body slice), with the buffer's position at the first byte it did not consume. A body slice stays valid
     * until the buffer is fed again, and the bytes of a next pipelined request stay in the buffer
     * until the caller is ready for them — the backpressure a server needs.
     */
    public void pause() {
        pauseRequested = true;
    }

    /** Whether the parser refused its input (it has called {@link RequestListener#onError}). */
    public boolean isFailed() {
        return state == FAILED;
    }

    /**
     * Whether the parser is between requests with nothing of the next one read yet (so an end
     * of input now loses nothing). False after a request that closes the connection.
     */
    public boolean isIdle() {
        return state == START && lineLen == 0;
    }

    /** Whether the last request closed the connection: any further byte is an error. */
    public boolean isClosed() {
        return state == CLOSED;
    }

    /** The request line, and the empty lines before it. */
    private void requestLine(int b) {
        switch (state) {
            case START:
                if (!requestLineByte()) {
                    return;
                }
                if (b == CR) {
                    state = START_LF;
                } else if (TCHAR[b]) {
                    head.append(b);
                    state = METHOD;
                } else {
                    fail(400, "invalid character at the start of a request");
                }
                return;
            case START_LF:
                if (!requestLineByte()) {
                    return;
                }
                if (b == LF) {
                    state = START;
                } else {
                    fail(400, "expected LF after CR");
                }
                return;
            case METHOD:
                if (!requestLineByte()) {
                    return;
                }
                if (TCHAR[b]) {
                    if (head.length() >= MAX_METHOD) {
                        fail(501, "unknown method");
                        return;
                    }
                    head.append(b);
                } else if (b == SP) {
                    methodEnd = head.length();
                    method = knownMethod();
                    if (method < 0) {
                        fail(501, "unknown method");
                    } else if (method == PRI) {
                        failUpgrade(505, "HTTP/2 connection preface (PRI) not supported");
                    } else {
                        state = TARGET_START;
                    }
                } else {
                    fail(400, "invalid character in method");
                }
                return;
            case TARGET_START:
                if (!requestLineByte()) {
                    return;
                }
                if (VCHAR[b]) {
                    targetStart = head.length();
                    head.append(b);
                    state = TARGET;
                } else {
                    fail(400, "invalid character at the start of the request target");
                }
                return;
            case TARGET:
                if (!requestLineByte()) {
                    return;
                }
                if (VCHAR[b]) {
                    head.append(b);
                } else if (b == SP) {
                    targetEnd = head.length();
                    versionIndex = 0;
                    state = VERSION;
                } else if (b == CR) {
                    fail(505, "request line without HTTP version (HTTP/0.9) not supported");
                } else {
                    fail(400, "invalid character in request target");
                }
                return;
            case VERSION:
                if (!requestLineByte()) {
                    return;
                }
                version(b);
                return;
            case LINE_CR:
                if (b == CR) {
                    state = LINE_LF;
                } else {
                    fail(400, "expected CRLF after HTTP version");
                }
                return;
            case LINE_LF:
                if (b == LF) {
                    fieldLines.start(false);
                    state = HEADERS;
                } else {
                    fail(400, "expected LF after CR");
                }
                return;
            default:
                throw new IllegalStateException("state " + state);
        }
    }

    private void version(int b) {
        int i = versionIndex++;
        if (i < 5) {
            if (b != "HTTP/".charAt(i)) {
                fail(400, "expected HTTP/ after the request target");
            }
        } else if (i == 5 || i == 7) {
            if (b < '0' || b > '9') {
                fail(400, "invalid HTTP version");
            } else if (i == 5) {
                minor = (b - '0') * 10; // major digit, kept until the minor one arrives
            } else if (minor != 10 || b > '1') {
                fail(505, "HTTP version " + (minor / 10) + "." + (char) b + " not supported");
            } else {
                minor = b - '0';
                state = LINE_CR;
            }
        } else if (b != '.') {
            fail(400, "invalid HTTP version");
        }
    }

    private boolean requestLineByte() {
        if (++lineLen > limits.maxRequestLine()) {
            fail(414, "request line longer than " + limits.maxRequestLine() + " bytes");
            return false;
        }
        return true;
    }

    private int knownMethod() {
        for (int m = 0; m < METHOD_BYTES.length; m++) {
            if (head.regionEquals(0, methodEnd, METHOD_BYTES[m])) {
                return m;
            }
        }
        return -1;
    }

    private void headerSection(int b) {
        switch (fieldLines.step(b)) {
            case FieldParser.FIELD -> {
                if (!framingFields.read(head, head.fieldCount() - 1)) {
                    fail(framingFields.status(), framingFields.reason());
                }
            }
            case FieldParser.END -> endHead();
            case FieldParser.ERROR -> fail(fieldLines.status(), fieldLines.reason());
            default -> { }
        }
    }

    /** The empty line after the header fields has been read. */
    private void endHead() {
        if (method == CONNECT) {
            failUpgrade(501, "CONNECT not supported");
            return;
        }
        // RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request
        boolean upgrade = framingFields.upgrade() && minor == 1;
        if (upgrade && !declineUpgrades) {
            failUpgrade(501, "protocol upgrade not supported");
            return;
        }
        BodyFraming framing = framingFields.framing(limits.maxBody());
        if (framing == null) {
            fail(framingFields.status(), framingFields.reason());
            return;
        }
        // a declined upgrade: answered in HTTP/1.1, then nothing more is parsed
        keepAlive = framingFields.keepAlive(minor == 1) && !upgrade;
        long contentLength = framingFields.contentLength();
        RequestHead requestHead = new RequestHead(
                head.string(0, methodEnd),
                head.string(targetStart, targetEnd),
                minor == 1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0,
                head.headers(),
                keepAlive,
                framing,
                framing == BodyFraming.CHUNKED ? -1 : Math.max(contentLength, 0));
        switch (framing) {
            case CHUNKED:
                chunks.start();
                state = CHUNK_FRAMING;
                break;
            case CONTENT_LENGTH:
                remaining = contentLength;
                state = BODY_FIXED;
                break;
            default:
                break;
        }
        listener.onRequest(requestHead);
        if (framing == BodyFraming.NONE || (framing == BodyFraming.CONTENT_LENGTH && remaining == 0)) {
            endRequest();
        }
    }

    /** Hands on the body bytes from {@code pos}, at most to {@code lim}; returns how many. */
    private int body(ByteBuffer buf, int pos, int lim) {
        int n = (int) Math.min(remaining, lim - pos);
        ByteBuffer slice = view(buf, pos, n);
        offset += n;
        remaining -= n;
        listener.onBody(slice);
        if (remaining == 0) {
            if (state == BODY_FIXED) {
                endRequest();
            } else {
                state = CHUNK_FRAMING;
            }
        }
        return n;
    }

    /**
     * A read-only view of {@code buf} from {@code pos} for {@code n} bytes. The view object is
     * reused while the same buffer is fed again, so body delivery allocates nothing per byte and,
     * for a connection's reused read buffer, nothing per call either.
     */
    private ByteBuffer view(ByteBuffer buf, int pos, int n) {
        if (buf != viewOf) {
            view = buf.asReadOnlyBuffer();
            viewOf = buf;
        }
        view.limit(pos + n);
        view.position(pos);
        return view;
    }

    private void chunkFraming(int b) {
        switch (chunks.step(b)) {
            case ChunkParser.CHUNK -> {
                remaining = chunks.size();
                state = CHUNK_DATA;
            }
            case ChunkParser.LAST -> {
                fieldLines.start(true);
                state = TRAILERS;
            }
            case ChunkParser.ERROR -> fail(chunks.status(), chunks.reason());
            default -> { }
        }
    }

    private void trailerSection(int b) {
        switch (fieldLines.step(b)) {
            case FieldParser.END -> endRequest();
            case FieldParser.ERROR -> fail(fieldLines.status(), fieldLines.reason());
            default -> { }
        }
    }

    private void endRequest() {
        boolean again = keepAlive;
        reset();
        state = again ? START : CLOSED;
        listener.onRequestEnd();
    }

    private void reset() {
        head.clear();
        method = -1;
        lineLen = 0;
        framingFields.clear();
        remaining = 0;
    }

    private void fail(int status, String reason) {
        state = FAILED;
        listener.onError(new HttpError(status, reason, offset, false));
    }

    private void failUpgrade(int status, String reason) {
        state = FAILED;
        listener.onError(new HttpError(status, reason, offset, true));
    }
}
