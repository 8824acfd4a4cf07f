package dev.pushback.dsl.http;

import static dev.pushback.dsl.http.HttpChars.CR;
import static dev.pushback.dsl.http.HttpChars.FIELD_VCHAR;
import static dev.pushback.dsl.http.HttpChars.HEX;
import static dev.pushback.dsl.http.HttpChars.HT;
import static dev.pushback.dsl.http.HttpChars.LF;
import static dev.pushback.dsl.http.HttpChars.QDTEXT;
import static dev.pushback.dsl.http.HttpChars.SP;
import static dev.pushback.dsl.http.HttpChars.TCHAR;

/**
 * The framing of a chunked body around its data (RFC 9112 §7.1), pushed one byte at a time: each
 * chunk's size line, and the CRLF after each chunk's data. The data never passes through here —
 * the request parser hands it on as views of the fed buffer — nor do the trailer fields after the
 * last chunk, which are field lines like the header's.
 *
 * <p>The size line is strict (no whitespace anywhere, CRLF only) because a lenient reading of
 * it is where chunked request smuggling lives. Extensions are checked against their grammar and
 * dropped: nothing in HTTP/1.1 gives them a meaning a server must act on. The line is bounded,
 * so endless extensions are refused without being held, and the chunk sizes of one body add up
 * to at most the body limit, checked before each chunk's data arrives.
 */
final class ChunkParser {

    /** {@link #step} results: nothing complete yet. */
    static final int MORE = 0;
    /** A size line is complete: {@link #size()} bytes of data follow, then CRLF. */
    static final int CHUNK = 1;
    /** The last chunk's size line is complete: the trailer section follows. */
    static final int LAST = 2;
    /** The byte is refused: see {@link #status()} and {@link #reason()}. */
    static final int ERROR = 3;

    private static final int MAX_LINE = 4096;

    private static final int SIZE_START = 0;
    // the states from SIZE to EXT_QUOTED_END are those of a size line past its first byte, up
    // to and including its CR: they count towards MAX_LINE
    private static final int SIZE = 1;
    private static final int EXT_NAME_START = 2;
    private static final int EXT_NAME = 3;
    private static final int EXT_VALUE_START = 4;
    private static final int EXT_TOKEN = 5;
    private static final int EXT_QUOTED = 6;
    private static final int EXT_QUOTED_ESCAPE = 7;
    private static final int EXT_QUOTED_END = 8;
    private static final int LINE_LF = 9;
    private static final int DATA_CR = 10;
    private static final int DATA_LF = 11;

    private final long maxBody;

    private int state;
    private int lineLen;
    private long size;
    private long bodyTotal;

    private int status;
    private String reason;

    ChunkParser(long maxBody) {
        this.maxBody = maxBody;
    }

    /** Starts a body: its first size line is next. */
    void start() {
        state = SIZE_START;
        bodyTotal = 0;
    }

    /** The size of the chunk whose line was just completed. */
    long size() {
        return size;
    }

    int status() {
        return status;
    }

    String reason() {
        return reason;
    }

    /** Takes the next framing byte: {@link #MORE}, {@link #CHUNK}, {@link #LAST} or {@link #ERROR}. */
    int step(int b) {
        if (state >= SIZE && state <= EXT_QUOTED_END && ++lineLen > MAX_LINE) {
            return refuse(400, "chunk size line longer than " + MAX_LINE + " bytes");
        }
        switch (state) {
            case SIZE_START:
                lineLen = 1;
                if (HEX[b] < 0) {
                    return refuse(400, "invalid character in chunk size");
                }
                size = HEX[b];
                state = SIZE;
                return MORE;
            case SIZE:
                if (HEX[b] >= 0) {
                    if ((size >>> 59) != 0) {
                        return refuse(400, "chunk size overflow"); // one more digit would not fit a non-negative long
                    }
                    size = (size << 4) | HEX[b];
                } else if (b == ';') {
                    state = EXT_NAME_START;
                } else if (b == CR) {
                    state = LINE_LF;
                } else {
                    return refuse(400, "invalid character in chunk size");
                }
                return MORE;
            case LINE_LF:
                return sizeLineEnd(b);
            case DATA_CR:
                if (b != CR) {
                    return refuse(400, "expected CRLF after chunk data");
                }
                state = DATA_LF;
                return MORE;
            case DATA_LF:
                if (b != LF) {
                    return refuse(400, "expected LF after chunk data");
                }
                state = SIZE_START;
                return MORE;
            default:
                return extension(b);
        }
    }

    private int sizeLineEnd(int b) {
        if (b != LF) {
            return refuse(400, "expected LF after chunk size line");
        }
        if (size == 0) {
            return LAST;
        }
        if (size > maxBody - bodyTotal) {
            return refuse(413, "body larger than " + maxBody + " bytes");
        }
        bodyTotal += size;
        state = DATA_CR;
        return CHUNK;
    }

    /** chunk-ext = *( ";" token [ "=" ( token / quoted-string ) ] ), without whitespace. */
    private int extension(int b) {
        switch (state) {
            case EXT_NAME_START:
                if (!TCHAR[b]) {
                    return refuse(400, "invalid character in chunk extension name");
                }
                state = EXT_NAME;
                return MORE;
            case EXT_NAME:
            case EXT_TOKEN:
                if (TCHAR[b]) {
                    return MORE;
                } else if (b == ';') {
                    state = EXT_NAME_START;
                } else if (b == '=' && state == EXT_NAME) {
                    state = EXT_VALUE_START;
                } else if (b == CR) {
                    state = LINE_LF;
                } else {
                    return refuse(400, "invalid character in chunk extension");
                }
                return MORE;
            case EXT_VALUE_START:
                if (b == '"') {
                    state = EXT_QUOTED;
                } else if (TCHAR[b]) {
                    state = EXT_TOKEN;
                } else {
                    return refuse(400, "invalid character in chunk extension value");
                }
                return MORE;
            case EXT_QUOTED:
                if (b == '"') {
                    state = EXT_QUOTED_END;
                } else if (b == '\\') {
                    state = EXT_QUOTED_ESCAPE;
                } else if (!QDTEXT[b]) {
                    return refuse(400, "invalid character in quoted chunk extension value");
                }
                return MORE;
            case EXT_QUOTED_ESCAPE:
                if (b != HT && b != SP && !FIELD_VCHAR[b]) {
                    return refuse(400, "invalid escaped character in chunk extension value");
                }
                state = EXT_QUOTED;
                return MORE;
            case EXT_QUOTED_END:
                if (b == ';') {
                    state = EXT_NAME_START;
                } else if (b == CR) {
                    state = LINE_LF;
                } else {
                    return refuse(400, "invalid character after quoted chunk extension value");
                }
                return MORE;
            default:
                throw new IllegalStateException("chunk state " + state);
        }
    }

    private int refuse(int status, String reason) {
        this.status = status;
        this.reason = reason;
        return ERROR;
    }
}
