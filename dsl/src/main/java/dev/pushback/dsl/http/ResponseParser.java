package dev.pushback.dsl.http;

import static dev.pushback.dsl.http.HttpChars.CR;
import static dev.pushback.dsl.http.HttpChars.FIELD_VCHAR;
import static dev.pushback.dsl.http.HttpChars.HT;
import static dev.pushback.dsl.http.HttpChars.LF;
import static dev.pushback.dsl.http.HttpChars.SP;

import java.nio.ByteBuffer;

/**
 * A strict, incremental HTTP/1.1 response parser (RFC 9112) that is pushed bytes and reports what
 * it finds to a {@link ResponseListener}: the client side of {@link RequestParser}.
 *
 * <p>A response can only be read knowing the request it answers (a response to HEAD has no body
 * whatever its fields say), so the client tells the parser, with {@link #expect}, the method of
 * each request it sends before any byte of that request's response is fed. Input may be split
 * anywhere: one byte per {@link #feed} call or several responses in one buffer give the same
 * events. Only the head is copied (into one reused array, bounded by {@link HttpLimits}); body
 * bytes are handed on as views of the fed buffer, and nothing is allocated per byte.
 *
 * <pre>{@code
 * ResponseParser parser = new ResponseParser(new ResponseListener() {
 *     public void onInterim(ResponseHead head)  { }                        // 100 Continue, 103 ...
 *     public void onResponse(ResponseHead head) { System.out.println(head.status()); }
 *     public void onBody(ByteBuffer slice)      { body.write(slice); }     // copy: the view is reused
 *     public void onResponseEnd()               { done(); }
 *     public void onError(HttpError error)      { close(); }
 * }, HttpLimits.DEFAULT);
 * parser.expect("GET");
 * send("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n");
 * while (channel.read(buffer) > 0) {
 *     buffer.flip();
 *     parser.feed(buffer);      // consumes everything unless it fails
 *     buffer.clear();
 * }
 * parser.endOfInput();          // ends a body read until the close, or reports a truncated one
 * }</pre>
 *
 * <h2>How the body is framed</h2>
 *
 * In the order of RFC 9112 §6.3: a response to HEAD, any 1xx, 204 and 304 has no body, whatever
 * its fields say (they are still checked); {@code Transfer-Encoding} whose last coding is
 * {@code chunked} is a chunked body; any other {@code Transfer-Encoding} is a body read until the
 * connection closes; else a {@code Content-Length} counts the body; else the body too ends with
 * the connection ({@link BodyFraming#UNTIL_CLOSE}, ended by {@link #endOfInput}). Codings other
 * than {@code chunked} are not decoded. Chunk extensions and trailer fields are checked and
 * dropped. An interim response (1xx but 101) is reported with {@link ResponseListener#onInterim},
 * and the next status line answers the same request.
 *
 * <h2>What is refused</h2>
 *
 * Once {@link ResponseListener#onError} has been called the parser is failed for good: the fed
 * buffer's position is left at the offending byte and later calls consume nothing. Every
 * {@link HttpError} it reports has status <b>502</b> (Bad Gateway: what a gateway answers its own
 * client when the server's response is unusable), with a reason that says what was wrong:
 *
 * <ul>
 *   <li>a malformed status line — a version other than HTTP/1.0 and HTTP/1.1, a status outside
 *       100 to 599 or not of three digits, a control character in the reason phrase (the reason
 *       itself may be empty or missing with its space: {@code HTTP/1.1 200\r\n}), anything
 *       before it but empty lines (CRLF; some servers send one after a body or after
 *       {@code 100 Continue}, and since no status line starts with CR, skipping them cannot
 *       change where any response ends);
 *   <li>every field-line rule of the request parser: a bare LF or CR where CRLF is required,
 *       obsolete line folding, whitespace before a colon, a name that is not a token, a control
 *       character in a value;
 *   <li>framing two parsers could read differently: {@code Transfer-Encoding} together with
 *       {@code Content-Length}, {@code chunked} named twice, an empty {@code Transfer-Encoding}, a
 *       bad or differing {@code Content-Length} (the same value in repeated fields is accepted, a
 *       list is not, even {@code 5, 5}: as for requests), a bad chunk size line or extension,
 *       chunk data not followed by CRLF;
 *   <li>what leaves HTTP/1.1 ({@link HttpError#upgrade()} set): 101 Switching Protocols, and a 2xx
 *       response to {@code CONNECT} (a tunnel);
 *   <li>limits: a status line longer than {@link HttpLimits#maxRequestLine()}, a header or
 *       trailer section longer than {@link HttpLimits#maxHeaderSection()}, a body longer than
 *       {@link HttpLimits#maxBody()} (at once when the {@code Content-Length} or a chunk size says
 *       so);
 *   <li>bytes that answer no request: before {@link #expect} or after the response to the last
 *       expected request, and any byte after a response that does not keep the connection alive;
 *   <li>a response cut short: {@link #endOfInput} in the middle of a head, of a body of known
 *       length, of a chunked body, or after an interim response.
 * </ul>
 *
 * <p>Not thread-safe: feed it from one thread (in pushback, the catalyst).
 */
final class ResponseParser {

    private static final int GET_LIKE = 0;
    private static final int HEAD = 1;
    private static final int CONNECT = 2;

    // One state machine, as RequestParser's: the state says what the next byte belongs to. The
    // status line is parsed here, field lines by FieldParser, the framing around chunk data by
    // ChunkParser; FramingFields judges what the fields say about framing.
    /** Nothing expected: no request is outstanding. */
    private static final int NO_REQUEST = 0;
    /** A response is expected and nothing of it has been read. */
    private static final int START = 1;
    /** A CR of an empty line before the status line has been read. */
    private static final int START_LF = 2;
    private static final int VERSION = 3;
    private static final int STATUS = 4;
    private static final int AFTER_STATUS = 5;
    private static final int REASON = 6;
    private static final int LINE_LF = 7;
    private static final int HEADERS = 8;
    private static final int BODY_FIXED = 9;
    private static final int CHUNK_FRAMING = 10;
    private static final int CHUNK_DATA = 11;
    private static final int TRAILERS = 12;
    private static final int BODY_UNTIL_CLOSE = 13;
    /** The last response closes the connection: any further byte is an error. */
    private static final int CLOSED = 14;
    /** {@link #endOfInput} has been called. */
    private static final int ENDED = 15;
    private static final int FAILED = 16;

    private final ResponseListener listener;
    private final HttpLimits limits;

    private int state = NO_REQUEST;
    /** Stream offset of the byte being looked at. */
    private long offset;
    private boolean pauseRequested;

    /** The methods of the requests whose responses are still to come, after the current one. */
    private int[] queue = new int[4];
    private int queueHead;
    private int queueSize;
    /** The method of the request the response being read answers. */
    private int method;
    /** Whether an interim response to the current request has been read. */
    private boolean afterInterim;

    private final HeadBuffer head = new HeadBuffer();
    private long headStart;
    private int lineLen;
    private int versionIndex;
    private int minor;
    private int statusDigits;
    private int status;
    private int reasonEnd;

    private final FieldParser fieldLines;
    private final FramingFields framingFields = FramingFields.forResponses();
    private final ChunkParser chunks;
    private boolean keepAlive;

    /** Body bytes still to come: of the whole body, of the current chunk, or up to the limit. */
    private long remaining;
    /** The size of the current chunk, or of a body of known length. */
    private long expectedLength;
    /** Body bytes delivered so far, for the reason of an error. */
    private long bodyRead;
    private ByteBuffer viewOf;
    private ByteBuffer view;

    /**
     * A parser for one connection. {@code maxRequestLine} of the limits bounds the status line,
     * {@code maxHeaderSection} the header and the trailer section, {@code maxBody} the body of one
     * response (a client that streams bodies passes {@link Long#MAX_VALUE}).
     */
    ResponseParser(ResponseListener listener, HttpLimits limits) {
        if (listener == null || limits == null) {
            throw new NullPointerException();
        }
        this.listener = listener;
        this.limits = limits;
        this.fieldLines = new FieldParser(head, limits.maxHeaderSection());
        this.chunks = new ChunkParser(limits.maxBody());
    }

    /**
     * Announces a request sent on the connection: its response comes after those of the requests
     * announced before it. Must be called before that response's first byte is fed (from a
     * listener callback too, for example from {@code onResponseEnd}). The method decides what the
     * response may be: to {@code HEAD} it has no body, whatever its fields say (RFC 9110 §9.3.2);
     * to {@code CONNECT} a 2xx would open a tunnel, which is refused as unsupported. Ignored once
     * the parser has failed, or the connection can carry no more responses.
     */
    void expect(String method) {
        int kind = "HEAD".equals(method) ? HEAD : "CONNECT".equals(method) ? CONNECT : GET_LIKE;
        if (state == FAILED || state == CLOSED || state == ENDED) {
            return;
        }
        if (state == NO_REQUEST) {
            this.method = kind;
            state = START;
            return;
        }
        if (queueSize == queue.length) {
            int[] bigger = new int[queue.length * 2];
            for (int i = 0; i < queueSize; i++) {
                bigger[i] = queue[(queueHead + i) % queue.length];
            }
            queue = bigger;
            queueHead = 0;
        }
        queue[(queueHead + queueSize++) % queue.length] = kind;
    }

    /**
     * Parses the buffer's remaining bytes and reports events for them. On return the buffer has
     * been consumed ({@code position == limit}), unless a listener called {@link #pause()} (the
     * position is then right after the paused event), or the parser failed, in which case the
     * position is at the byte that failed it (for an upgrade: the head's final LF). Once failed,
     * it consumes nothing. Must not be called from inside a listener callback.
     */
    void feed(ByteBuffer buf) {
        int pos = buf.position();
        final int lim = buf.limit();
        pauseRequested = false;
        while (pos < lim && state != FAILED && !pauseRequested) {
            if (state == BODY_FIXED || state == CHUNK_DATA || state == BODY_UNTIL_CLOSE) {
                pos += body(buf, pos, lim);
                continue;
            }
            int b = buf.get(pos) & 0xff;
            switch (state) {
                case START, START_LF, VERSION, STATUS, AFTER_STATUS, REASON, LINE_LF -> statusLine(b);
                case HEADERS -> headerSection(b);
                case CHUNK_FRAMING -> chunkFraming(b);
                case TRAILERS -> trailerSection(b);
                case NO_REQUEST -> fail("response bytes with no request outstanding");
                case CLOSED -> fail("response bytes after a response that closes the connection");
                case ENDED -> fail("response bytes after the end of input");
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
     * Called from a listener callback: {@link #feed} returns right after the event being reported
     * (and {@code onResponseEnd} when the same byte ends the response: a head without a body, the
     * last body slice), with the buffer's position at the first byte it did not consume.
     */
    void pause() {
        pauseRequested = true;
    }

    /**
     * The peer closed its output. This ends a body read until the close
     * ({@link ResponseListener#onResponseEnd}); inside any other response — its head, a body of
     * known length, a chunked body, or after an interim response — it is an error that says how
     * much had come; between responses nothing happens. Later bytes are refused.
     */
    void endOfInput() {
        switch (state) {
            case NO_REQUEST, CLOSED -> state = ENDED;
            case START -> {
                if (afterInterim) {
                    fail("the server closed the connection after an interim response, before the final one");
                } else {
                    state = ENDED;
                }
            }
            case START_LF, VERSION, STATUS, AFTER_STATUS, REASON, LINE_LF, HEADERS -> fail(
                    "the server closed the connection in the middle of the response head ("
                            + (offset - headStart) + (offset - headStart == 1 ? " byte)" : " bytes)"));
            case BODY_FIXED -> fail("the server closed the connection in the middle of the response body ("
                    + bodyRead + " of " + expectedLength + " bytes)");
            case CHUNK_DATA -> fail("the server closed the connection in the middle of the response body ("
                    + (expectedLength - remaining) + " of " + expectedLength + " bytes of a chunk, "
                    + bodyRead + " bytes of chunked body)");
            case CHUNK_FRAMING -> fail("the server closed the connection in the middle of the response body ("
                    + bodyRead + " bytes of chunked body, before its last chunk)");
            case TRAILERS -> fail("the server closed the connection in the middle of the response body ("
                    + bodyRead + " bytes of chunked body, in the trailer section)");
            case BODY_UNTIL_CLOSE -> {
                endResponse();
                state = ENDED;
            }
            default -> { } // FAILED, ENDED: nothing more is reported
        }
    }

    /** Whether the parser refused its input (it has called {@link ResponseListener#onError}). */
    boolean isFailed() {
        return state == FAILED;
    }

    /**
     * Whether the parser is between responses with nothing of the next one read (after an
     * interim response the final one is still to come: not idle). Only then can a pooled
     * connection be reused, or an end of input lose nothing.
     */
    boolean isIdle() {
        return state == NO_REQUEST || (state == START && !afterInterim);
    }

    /** status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF (RFC 9112 §4). */
    private void statusLine(int b) {
        // the CR ends the line, it is not part of it (elsewhere than after the status, it is
        // refused); an empty line before the status line counts one byte, its LF
        if (state != LINE_LF && b != CR && ++lineLen > limits.maxRequestLine()) {
            fail("status line longer than " + limits.maxRequestLine() + " bytes");
            return;
        }
        switch (state) {
            case START:
                headStart = offset;
                if (b == CR) {
                    state = START_LF; // an empty line, skipped (see the class comment)
                    return;
                }
                versionIndex = 0;
                state = VERSION;
                version(b);
                return;
            case START_LF:
                if (b == LF) {
                    state = START;
                } else {
                    fail("expected LF after CR");
                }
                return;
            case VERSION:
                version(b);
                return;
            case STATUS:
                if (b < '0' || b > '9') {
                    fail("invalid character in status code");
                    return;
                }
                status = status * 10 + b - '0';
                if (++statusDigits == 3) {
                    if (status < 100 || status > 599) {
                        fail("status code " + status + " out of range (100 to 599)");
                        return;
                    }
                    state = AFTER_STATUS;
                }
                return;
            case AFTER_STATUS:
                if (b == SP) {
                    state = REASON;
                } else if (b == CR) {
                    state = LINE_LF; // no reason phrase, not even its space (as llhttp accepts)
                } else if (b >= '0' && b <= '9') {
                    fail("status code longer than three digits");
                } else {
                    fail("expected a space after the status code");
                }
                return;
            case REASON:
                if (b == CR) {
                    reasonEnd = head.length();
                    state = LINE_LF;
                } else if (FIELD_VCHAR[b] || b == SP || b == HT) {
                    head.append(b);
                } else {
                    fail(b == LF ? "bare LF after the status line" : "invalid character in reason phrase");
                }
                return;
            case LINE_LF:
                if (b == LF) {
                    reasonEnd = head.length();
                    fieldLines.start(false);
                    state = HEADERS;
                } else {
                    fail("expected LF after CR in the status line");
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
                fail(offset == headStart ? "invalid character at the start of a response"
                        : "expected HTTP/ at the start of the status line");
            }
        } else if (i == 5 || i == 7) {
            if (b < '0' || b > '9') {
                fail("invalid HTTP version");
            } else if (i == 5) {
                minor = (b - '0') * 10; // major digit, kept until the minor one arrives
            } else if (minor != 10 || b > '1') {
                fail("HTTP version " + (minor / 10) + "." + (char) b + " not supported");
            } else {
                minor = b - '0';
            }
        } else if (i == 6) {
            if (b != '.') {
                fail("invalid HTTP version");
            }
        } else if (b != SP) {
            fail("expected a space after the HTTP version");
        } else {
            status = 0;
            statusDigits = 0;
            state = STATUS;
        }
    }

    private void headerSection(int b) {
        switch (fieldLines.step(b)) {
            case FieldParser.FIELD -> {
                if (!framingFields.read(head, head.fieldCount() - 1)) {
                    fail(framingFields.reason());
                }
            }
            case FieldParser.END -> endHead();
            case FieldParser.ERROR -> fail(fieldLines.reason());
            default -> { }
        }
    }

    /** The empty line after the header fields has been read. */
    private void endHead() {
        if (status == 101) {
            failUpgrade("101 Switching Protocols: protocol upgrade not supported");
            return;
        }
        if (method == CONNECT && status >= 200 && status < 300) {
            failUpgrade("a 2xx response to CONNECT opens a tunnel: not supported");
            return;
        }
        boolean interim = status < 200;
        boolean noBody = interim || status == 204 || status == 304;
        // a response to HEAD is framed as the GET's would be, but what follows is the next response
        boolean readsBody = !noBody && method != HEAD;
        BodyFraming framing = framingFields.responseFraming(readsBody ? limits.maxBody() : Long.MAX_VALUE);
        if (framing == null) {
            fail(framingFields.reason());
            return;
        }
        if (noBody) {
            framing = BodyFraming.NONE;
        }
        keepAlive = framingFields.keepAlive(minor == 1) && (!readsBody || framing != BodyFraming.UNTIL_CLOSE);
        ResponseHead responseHead = new ResponseHead(
                minor == 1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0,
                status,
                head.string(0, reasonEnd),
                head.headers(),
                keepAlive,
                framing,
                framing == BodyFraming.CONTENT_LENGTH ? framingFields.contentLength()
                        : framing == BodyFraming.NONE ? 0 : -1);
        if (interim) {
            resetHead();
            afterInterim = true;
            state = START;
            listener.onInterim(responseHead);
            return;
        }
        readsBody &= framing != BodyFraming.CONTENT_LENGTH || framingFields.contentLength() > 0;
        if (readsBody) {
            switch (framing) {
                case CHUNKED -> {
                    chunks.start();
                    state = CHUNK_FRAMING;
                }
                case CONTENT_LENGTH -> {
                    expectedLength = remaining = framingFields.contentLength();
                    state = BODY_FIXED;
                }
                default -> {
                    remaining = limits.maxBody();
                    state = BODY_UNTIL_CLOSE;
                }
            }
        }
        listener.onResponse(responseHead);
        if (!readsBody) {
            endResponse();
        }
    }

    /** Hands on the body bytes from {@code pos}, at most to {@code lim}; returns how many. */
    private int body(ByteBuffer buf, int pos, int lim) {
        if (remaining == 0) { // only a body read until the close stays here at 0: its limit
            fail("body longer than " + limits.maxBody() + " bytes");
            return 0;
        }
        int n = (int) Math.min(remaining, lim - pos);
        ByteBuffer slice = view(buf, pos, n);
        offset += n;
        remaining -= n;
        bodyRead += n;
        listener.onBody(slice);
        if (remaining == 0) {
            if (state == BODY_FIXED) {
                endResponse();
            } else if (state == CHUNK_DATA) {
                state = CHUNK_FRAMING;
            }
        }
        return n;
    }

    /**
     * A read-only view of {@code buf} from {@code pos} for {@code n} bytes, reused while the same
     * buffer is fed again (see RequestParser#view).
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
                expectedLength = remaining = chunks.size();
                state = CHUNK_DATA;
            }
            case ChunkParser.LAST -> {
                fieldLines.start(true);
                state = TRAILERS;
            }
            case ChunkParser.ERROR -> fail(chunks.reason());
            default -> { }
        }
    }

    private void trailerSection(int b) {
        switch (fieldLines.step(b)) {
            case FieldParser.END -> endResponse();
            case FieldParser.ERROR -> fail(fieldLines.reason());
            default -> { }
        }
    }

    private void endResponse() {
        resetHead();
        afterInterim = false;
        remaining = 0;
        bodyRead = 0;
        if (!keepAlive) {
            state = CLOSED;
        } else if (queueSize > 0) {
            method = queue[queueHead];
            queueHead = (queueHead + 1) % queue.length;
            queueSize--;
            state = START;
        } else {
            state = NO_REQUEST;
        }
        listener.onResponseEnd();
    }

    private void resetHead() {
        head.clear();
        lineLen = 0;
        framingFields.clear();
    }

    private void fail(String reason) {
        state = FAILED;
        listener.onError(new HttpError(502, reason, offset, false));
    }

    private void failUpgrade(String reason) {
        state = FAILED;
        listener.onError(new HttpError(502, reason, offset, true));
    }
}
