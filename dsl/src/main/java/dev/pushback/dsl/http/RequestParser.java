package dev.pushback.dsl.http;

import static dev.pushback.dsl.http.HttpChars.CR;
import static dev.pushback.dsl.http.HttpChars.FIELD_VCHAR;
import static dev.pushback.dsl.http.HttpChars.HEX;
import static dev.pushback.dsl.http.HttpChars.HT;
import static dev.pushback.dsl.http.HttpChars.LF;
import static dev.pushback.dsl.http.HttpChars.QDTEXT;
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
 *       or that names {@code chunked} twice, a bad chunk size line or extension (strict: no
 *       whitespace), chunk data not followed by CRLF, and any byte after a request that closes
 *       the connection ({@code Connection: close}, HTTP/1.0 without {@code keep-alive}, or
 *       HTTP/1.0 with {@code Transfer-Encoding}, RFC 9112 §6.1).
 *   <li><b>413</b> — a body longer than {@link HttpLimits#maxBody()}.
 *   <li><b>414</b> — a request line longer than {@link HttpLimits#maxRequestLine()}.
 *   <li><b>431</b> — a header or trailer section longer than {@link HttpLimits#maxHeaderSection()}.
 *   <li><b>501</b> — an unknown method (the methods llhttp knows for HTTP, see RFC 9110 §9.1), a
 *       transfer coding other than {@code chunked}, {@code gzip}, {@code x-gzip},
 *       {@code deflate}, {@code compress}, {@code x-compress}, and every request that asks to
 *       leave HTTP/1.1: {@code CONNECT}, or {@code Upgrade} together with {@code Connection:
 *       upgrade} (reported when the head is complete, with {@link HttpError#upgrade()} set; this
 *       parser does not hand the connection over to another protocol).
 *   <li><b>505</b> — a version other than HTTP/1.0 and HTTP/1.1, a request line without a version
 *       (HTTP/0.9), and the HTTP/2 connection preface ({@code PRI}, flagged as an upgrade).
 * </ul>
 *
 * <p>Empty lines (CRLF) before a request line are skipped (RFC 9112 §2.2). Codings other than
 * {@code chunked} are not decoded: the body is delivered as framed. Chunk extensions are
 * validated and dropped, trailer fields are validated and dropped. Semantic checks that need the
 * whole head, such as requiring {@code Host} in HTTP/1.1, are left to the server.
 *
 * <p>Not thread-safe: feed it from one thread (in pushback, the catalyst).
 */
public final class RequestParser {

    private static final int MAX_CHUNK_LINE = 4096;

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

    // states
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
    private static final int CHUNK_SIZE_START = 10;
    private static final int CHUNK_SIZE = 11;
    private static final int EXT_NAME_START = 12;
    private static final int EXT_NAME = 13;
    private static final int EXT_VALUE_START = 14;
    private static final int EXT_TOKEN = 15;
    private static final int EXT_QUOTED = 16;
    private static final int EXT_QUOTED_ESCAPE = 17;
    private static final int EXT_QUOTED_END = 18;
    private static final int CHUNK_SIZE_LF = 19;
    private static final int CHUNK_DATA = 20;
    private static final int CHUNK_DATA_CR = 21;
    private static final int CHUNK_DATA_LF = 22;
    private static final int TRAILERS = 23;
    private static final int CLOSED = 24;
    private static final int FAILED = 25;

    private final RequestListener listener;
    private final HttpLimits limits;

    private int state = START;
    /** Stream offset of the byte being looked at. */
    private long offset;

    private final HeadBuffer head = new HeadBuffer();
    private int method = -1;
    private int methodEnd;
    private int targetStart;
    private int targetEnd;
    private int versionIndex;
    private int minor;
    private int lineLen;

    private final FieldParser fieldLines;
    private final FramingFields framingFields = new FramingFields();
    private boolean declineUpgrades;
    private boolean keepAlive;

    private ByteBuffer viewOf;
    private ByteBuffer view;

    private long remaining;
    private boolean pauseRequested;
    private long bodyTotal;
    private long chunkSize;
    private int chunkLineLen;

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
                int n = (int) Math.min(remaining, lim - pos);
                ByteBuffer slice = view(buf, pos, n);
                pos += n;
                offset += n;
                remaining -= n;
                listener.onBody(slice);
                if (remaining == 0) {
                    if (state == BODY_FIXED) {
                        endRequest();
                    } else {
                        state = CHUNK_DATA_CR;
                    }
                }
                continue;
            }
            int b = buf.get(pos) & 0xff;
            switch (state) {
                case START, START_LF, METHOD, TARGET_START, TARGET, VERSION, LINE_CR, LINE_LF -> requestLine(b);
                case HEADERS -> headerSection(b);
                case CHUNK_SIZE_START, CHUNK_SIZE, EXT_NAME_START, EXT_NAME, EXT_VALUE_START, EXT_TOKEN,
                        EXT_QUOTED, EXT_QUOTED_ESCAPE, EXT_QUOTED_END, CHUNK_SIZE_LF, CHUNK_DATA_CR,
                        CHUNK_DATA_LF -> chunkFraming(b);
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

    private void trailerSection(int b) {
        switch (fieldLines.step(b)) {
            case FieldParser.END -> endRequest();
            case FieldParser.ERROR -> fail(fieldLines.status(), fieldLines.reason());
            default -> { }
        }
    }

    private void chunkFraming(int b) {
        switch (state) {
            case CHUNK_SIZE_START:
                chunkLineLen = 1;
                if (HEX[b] >= 0) {
                    chunkSize = HEX[b];
                    state = CHUNK_SIZE;
                } else {
                    fail(400, "invalid character in chunk size");
                }
                return;
            case CHUNK_SIZE:
                if (!chunkLineByte()) {
                    return;
                }
                if (HEX[b] >= 0) {
                    if ((chunkSize >>> 59) != 0) {
                        fail(400, "chunk size overflow");
                        return;
                    }
                    chunkSize = (chunkSize << 4) | HEX[b];
                } else if (b == ';') {
                    state = EXT_NAME_START;
                } else if (b == CR) {
                    state = CHUNK_SIZE_LF;
                } else {
                    fail(400, "invalid character in chunk size");
                }
                return;
            case EXT_NAME_START:
                if (!chunkLineByte()) {
                    return;
                }
                if (TCHAR[b]) {
                    state = EXT_NAME;
                } else {
                    fail(400, "invalid character in chunk extension name");
                }
                return;
            case EXT_NAME:
            case EXT_TOKEN:
                if (!chunkLineByte()) {
                    return;
                }
                if (TCHAR[b]) {
                    return;
                } else if (b == ';') {
                    state = EXT_NAME_START;
                } else if (b == '=' && state == EXT_NAME) {
                    state = EXT_VALUE_START;
                } else if (b == CR) {
                    state = CHUNK_SIZE_LF;
                } else {
                    fail(400, "invalid character in chunk extension");
                }
                return;
            case EXT_VALUE_START:
                if (!chunkLineByte()) {
                    return;
                }
                if (b == '"') {
                    state = EXT_QUOTED;
                } else if (TCHAR[b]) {
                    state = EXT_TOKEN;
                } else {
                    fail(400, "invalid character in chunk extension value");
                }
                return;
            case EXT_QUOTED:
                if (!chunkLineByte()) {
                    return;
                }
                if (b == '"') {
                    state = EXT_QUOTED_END;
                } else if (b == '\\') {
                    state = EXT_QUOTED_ESCAPE;
                } else if (!QDTEXT[b]) {
                    fail(400, "invalid character in quoted chunk extension value");
                }
                return;
            case EXT_QUOTED_ESCAPE:
                if (!chunkLineByte()) {
                    return;
                }
                if (b == HT || b == SP || FIELD_VCHAR[b]) {
                    state = EXT_QUOTED;
                } else {
                    fail(400, "invalid escaped character in chunk extension value");
                }
                return;
            case EXT_QUOTED_END:
                if (!chunkLineByte()) {
                    return;
                }
                if (b == ';') {
                    state = EXT_NAME_START;
                } else if (b == CR) {
                    state = CHUNK_SIZE_LF;
                } else {
                    fail(400, "invalid character after quoted chunk extension value");
                }
                return;
            case CHUNK_SIZE_LF:
                if (b != LF) {
                    fail(400, "expected LF after chunk size line");
                } else if (chunkSize == 0) {
                    fieldLines.start(true);
                    state = TRAILERS;
                } else if (chunkSize > limits.maxBody() - bodyTotal) {
                    fail(413, "body larger than " + limits.maxBody() + " bytes");
                } else {
                    bodyTotal += chunkSize;
                    remaining = chunkSize;
                    state = CHUNK_DATA;
                }
                return;
            case CHUNK_DATA_CR:
                if (b == CR) {
                    state = CHUNK_DATA_LF;
                } else {
                    fail(400, "expected CRLF after chunk data");
                }
                return;
            case CHUNK_DATA_LF:
                if (b == LF) {
                    state = CHUNK_SIZE_START;
                } else {
                    fail(400, "expected LF after chunk data");
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

    private boolean chunkLineByte() {
        if (++chunkLineLen > MAX_CHUNK_LINE) {
            fail(400, "chunk size line longer than " + MAX_CHUNK_LINE + " bytes");
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

    /** The empty line after the header fields has been read. */
    private void endHead() {
        if (method == CONNECT) {
            failUpgrade(501, "CONNECT not supported");
            return;
        }
        if (framingFields.upgrade() && !declineUpgrades) {
            failUpgrade(501, "protocol upgrade not supported");
            return;
        }
        BodyFraming framing = framingFields.framing(limits.maxBody());
        if (framing == null) {
            fail(framingFields.status(), framingFields.reason());
            return;
        }
        // a declined upgrade: answered in HTTP/1.1, then nothing more is parsed
        keepAlive = framingFields.keepAlive(minor == 1) && !framingFields.upgrade();
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
                state = CHUNK_SIZE_START;
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
        bodyTotal = 0;
        chunkSize = 0;
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
