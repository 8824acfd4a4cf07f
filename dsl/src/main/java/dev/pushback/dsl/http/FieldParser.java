package dev.pushback.dsl.http;

import static dev.pushback.dsl.http.HttpChars.CR;
import static dev.pushback.dsl.http.HttpChars.FIELD_VCHAR;
import static dev.pushback.dsl.http.HttpChars.HT;
import static dev.pushback.dsl.http.HttpChars.LF;
import static dev.pushback.dsl.http.HttpChars.SP;
import static dev.pushback.dsl.http.HttpChars.TCHAR;

/**
 * The field lines of a header or trailer section (RFC 9112 §5), pushed one byte at a time, up to
 * and including the empty line that ends the section. It is strict wherever leniency would let
 * two parsers disagree about where a field or the head ends: no whitespace before the colon, no
 * obsolete line folding, CRLF and never a bare CR or LF.
 *
 * <p>Header fields go to the {@link HeadBuffer}, for the request head; trailer fields are
 * checked and dropped, as the request head they could have amended has already been reported.
 * A section is bounded by {@link HttpLimits#maxHeaderSection()} as it arrives, so an endless one
 * is refused without being held.
 */
final class FieldParser {

    /** {@link #step} results: nothing complete yet. */
    static final int MORE = 0;
    /** A header field line is complete: it is the head's last field. Never for trailers. */
    static final int FIELD = 1;
    /** The empty line that ends the section is complete. */
    static final int END = 2;
    /** The byte is refused: see {@link #status()} and {@link #reason()}. */
    static final int ERROR = 3;

    private static final int LINE_START = 0;
    private static final int NAME = 1;
    private static final int VALUE_OWS = 2;
    private static final int VALUE = 3;
    private static final int VALUE_LF = 4;
    private static final int END_LF = 5;

    private final HeadBuffer head;
    private final int maxSection;

    private int state;
    private boolean trailers;
    private int sectionLen;
    private int nameStart;
    private int valueStart;

    private int status;
    private String reason;

    FieldParser(HeadBuffer head, int maxSection) {
        this.head = head;
        this.maxSection = maxSection;
    }

    /** Starts a header section ({@code trailers} false) or a trailer section. */
    void start(boolean trailers) {
        this.trailers = trailers;
        sectionLen = 0;
        state = LINE_START;
    }

    int status() {
        return status;
    }

    String reason() {
        return reason;
    }

    /** Takes the next byte of the section: {@link #MORE}, {@link #FIELD}, {@link #END} or {@link #ERROR}. */
    int step(int b) {
        if (++sectionLen > maxSection) {
            return refuse(431, (trailers ? "trailer" : "header") + " section longer than "
                    + maxSection + " bytes");
        }
        // the bytes inside names and values, most of a section, take a path short enough to be
        // inlined into the request parser's loop; whitespace inside a value is kept, as it is
        // only known to trail at the CR
        if (state == NAME ? TCHAR[b] : state == VALUE && (FIELD_VCHAR[b] || b == SP || b == HT)) {
            keep(b);
            return MORE;
        }
        return delimiter(b);
    }

    /** A byte that starts, separates or ends the parts of a field line. */
    private int delimiter(int b) {
        switch (state) {
            case LINE_START:
                if (b == CR) {
                    state = END_LF;
                } else if (TCHAR[b]) {
                    nameStart = head.length();
                    keep(b);
                    state = NAME;
                } else if (b == SP || b == HT) {
                    return refuse(400, "whitespace at the start of a field line (obsolete line folding)");
                } else {
                    return refuse(400, "invalid character in field name");
                }
                return MORE;
            case NAME:
                if (b == ':') {
                    state = VALUE_OWS;
                    return MORE;
                } else if (b == SP || b == HT) {
                    return refuse(400, "whitespace before the colon of a field");
                }
                return refuse(400, "invalid character in field name");
            case VALUE_OWS:
                if (b == SP || b == HT) {
                    return MORE;
                }
                valueStart = head.length();
                if (b == CR) {
                    state = VALUE_LF;
                } else if (FIELD_VCHAR[b]) {
                    keep(b);
                    state = VALUE;
                } else {
                    return refuse(400, "invalid character in field value");
                }
                return MORE;
            case VALUE:
                if (b == CR) {
                    state = VALUE_LF;
                    return MORE;
                }
                return refuse(400, b == LF ? "bare LF after field value" : "invalid character in field value");
            case VALUE_LF:
                if (b != LF) {
                    return refuse(400, "expected LF after CR in field line");
                }
                state = LINE_START;
                if (trailers) {
                    return MORE;
                }
                head.addField(nameStart, valueStart);
                return FIELD;
            case END_LF:
                if (b != LF) {
                    return refuse(400, "expected LF after CR at the end of the header section");
                }
                return END;
            default:
                throw new IllegalStateException("field state " + state);
        }
    }

    private void keep(int b) {
        if (!trailers) {
            head.append(b);
        }
    }

    private int refuse(int status, String reason) {
        this.status = status;
        this.reason = reason;
        return ERROR;
    }
}
