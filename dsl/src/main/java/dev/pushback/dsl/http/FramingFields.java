package dev.pushback.dsl.http;

import static dev.pushback.dsl.http.HttpChars.HT;
import static dev.pushback.dsl.http.HttpChars.SP;
import static dev.pushback.dsl.http.HttpChars.TCHAR;

/**
 * The header fields that decide where a request's body ends and whether the connection outlives
 * it: {@code Content-Length}, {@code Transfer-Encoding}, {@code Connection} and {@code Upgrade}.
 * Each is read as soon as its field line is complete, so that framing two parsers could read
 * differently — the request smuggling of RFC 9112 §6.1 and §6.3 — is refused at the field that
 * makes it, before a byte of the body is taken.
 *
 * <p>A refusal is returned as {@code false} or {@code null}, with its {@link #status()} and
 * {@link #reason()}: the parser reports it, with the stream offset only it knows.
 *
 * <p>The same fields frame a response, with two differences (RFC 9112 §6.3 item 4): a
 * {@code Transfer-Encoding} whose last coding is not {@code chunked} is no error there but a body
 * read until the connection closes, and a coding a response names is the client's business, not
 * refused here. {@link #forResponses()} makes the instance that reads them so; its refusals all
 * have status 502, the answer of a gateway that got a response it cannot use.
 */
final class FramingFields {

    /** The codings a request may name before {@code chunked}; they are passed on, not decoded. */
    private static final String[] CODINGS = {"gzip", "x-gzip", "deflate", "compress", "x-compress"};

    private long contentLength = -1;
    private boolean transferEncoding;
    private int codings;
    private String unknownCoding;
    private boolean chunked;
    private boolean close;
    private boolean keepAlive;
    private boolean connectionUpgrade;
    private boolean upgrade;
    /** Whether a response's fields are read: see the class comment. */
    private final boolean responses;
    /** Whether any coding so far was {@code chunked}, for responses, where it need not be last. */
    private boolean chunkedSeen;

    private int status;
    private String reason;

    /** Reads a request's fields. */
    FramingFields() {
        this(false);
    }

    private FramingFields(boolean responses) {
        this.responses = responses;
    }

    /** Reads a response's fields (see the class comment). */
    static FramingFields forResponses() {
        return new FramingFields(true);
    }

    int status() {
        return status;
    }

    String reason() {
        return reason;
    }

    void clear() {
        contentLength = -1;
        transferEncoding = false;
        codings = 0;
        unknownCoding = null;
        chunked = false;
        chunkedSeen = false;
        close = false;
        keepAlive = false;
        connectionUpgrade = false;
        upgrade = false;
    }

    /** Takes in field {@code f} of the head; false if it is refused. */
    boolean read(HeadBuffer head, int f) {
        int name = head.nameStart(f);
        int nameEnd = head.nameEnd(f);
        int value = head.valueStart(f);
        int end = head.trimEnd(value, head.valueEnd(f));
        if (head.equalsIgnoreCase(name, nameEnd, "content-length")) {
            return contentLength(head, value, end);
        } else if (head.equalsIgnoreCase(name, nameEnd, "transfer-encoding")) {
            return transferEncoding(head, value, end);
        } else if (head.equalsIgnoreCase(name, nameEnd, "connection")) {
            connection(head, value, end);
        } else if (head.equalsIgnoreCase(name, nameEnd, "upgrade")) {
            upgrade = true;
        }
        return true;
    }

    /**
     * How the body of the complete head is framed, or null if it is refused: a
     * {@code Transfer-Encoding} that does not end with {@code chunked} leaves the body's end
     * unknown (400, RFC 9112 §6.3 — before an unknown coding's 501, §6.1: the MUST before the
     * SHOULD, and only the last field can tell whether {@code chunked} ends the list), a
     * {@code Content-Length} over {@code maxBody} is refused before the body arrives.
     */
    BodyFraming framing(long maxBody) {
        if (transferEncoding) {
            if (!chunked) {
                refuse(400, codings == 0 ? "empty Transfer-Encoding"
                        : "Transfer-Encoding of a request must end with chunked");
                return null;
            }
            if (unknownCoding != null) {
                refuse(501, "unknown transfer coding " + unknownCoding);
                return null;
            }
            return BodyFraming.CHUNKED;
        } else if (contentLength >= 0) {
            if (contentLength > maxBody) {
                refuse(413, "body larger than " + maxBody + " bytes");
                return null;
            }
            return BodyFraming.CONTENT_LENGTH;
        }
        return BodyFraming.NONE;
    }

    /**
     * How the body of a complete response head would be framed if it has one, or null if the
     * fields are refused (RFC 9112 §6.3, items 3 to 7): {@code Transfer-Encoding} ending in
     * {@code chunked} is chunked, any other {@code Transfer-Encoding} is read until the connection
     * closes, else a {@code Content-Length} counts the bytes (over {@code maxBody}: refused before
     * the body arrives), else the body too ends with the connection. Whether a response has a body
     * at all (HEAD, 1xx, 204, 304) is the parser's question: it still asks this one, so that the
     * fields are valid on every response.
     */
    BodyFraming responseFraming(long maxBody) {
        if (transferEncoding) {
            if (codings == 0) {
                refuse(502, "empty Transfer-Encoding");
                return null;
            }
            return chunked ? BodyFraming.CHUNKED : BodyFraming.UNTIL_CLOSE;
        } else if (contentLength >= 0) {
            if (contentLength > maxBody) {
                refuse(502, "body larger than " + maxBody + " bytes");
                return null;
            }
            return BodyFraming.CONTENT_LENGTH;
        }
        return BodyFraming.UNTIL_CLOSE;
    }

    /** The {@code Content-Length}, -1 without one. */
    long contentLength() {
        return contentLength;
    }

    /** Whether the request asks to leave HTTP/1.1: {@code Upgrade} with {@code Connection: upgrade}. */
    boolean upgrade() {
        return upgrade && connectionUpgrade;
    }

    /** Whether the connection stays open after the request, by its fields and version alone. */
    boolean keepAlive(boolean http11) {
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing; the
        // connection is closed after it.
        return !close && (http11 || (keepAlive && !transferEncoding));
    }

    private boolean contentLength(HeadBuffer head, int from, int to) {
        if (transferEncoding) {
            return refuse(400, "Content-Length together with Transfer-Encoding");
        }
        if (from == to) {
            return refuse(400, "empty Content-Length");
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int d = head.at(i) - '0';
            if (d < 0 || d > 9) {
                return refuse(400, "invalid character in Content-Length");
            }
            if (value > (Long.MAX_VALUE - d) / 10) {
                return refuse(400, "Content-Length overflow");
            }
            value = value * 10 + d;
        }
        if (contentLength >= 0 && contentLength != value) {
            return refuse(400, "differing Content-Length values");
        }
        contentLength = value;
        return true;
    }

    private boolean transferEncoding(HeadBuffer head, int from, int to) {
        if (contentLength >= 0) {
            return refuse(400, "Transfer-Encoding together with Content-Length");
        }
        transferEncoding = true;
        int i = from;
        while (i < to) {
            int b = head.at(i);
            if (b == ',' || b == SP || b == HT) {
                i++;
                continue;
            }
            int start = i;
            while (i < to && TCHAR[head.at(i)]) {
                i++;
            }
            if (i == start || (i < to && head.at(i) != ',' && head.at(i) != SP && head.at(i) != HT)) {
                return refuse(400, "invalid Transfer-Encoding"); // a parameter, or not a token
            }
            int j = i;
            while (j < to && (head.at(j) == SP || head.at(j) == HT)) {
                j++;
            }
            if (j < to && head.at(j) != ',') {
                return refuse(400, "invalid Transfer-Encoding");
            }
            if (chunked && !responses) {
                return refuse(400, "chunked is not the last transfer coding");
            }
            codings++;
            chunked = head.equalsIgnoreCase(start, i, "chunked");
            if (chunked) {
                // RFC 9112 §6.1: a sender MUST NOT apply chunked more than once (for a request
                // the check above has already refused any coding after chunked)
                if (chunkedSeen) {
                    return refuse(400, "chunked named twice in Transfer-Encoding");
                }
                chunkedSeen = true;
            } else if (!responses && !knownCoding(head, start, i) && unknownCoding == null) {
                unknownCoding = head.string(start, i); // judged at the head's end (see framing)
            }
        }
        return true;
    }

    private static boolean knownCoding(HeadBuffer head, int from, int to) {
        for (String c : CODINGS) {
            if (head.equalsIgnoreCase(from, to, c)) {
                return true;
            }
        }
        return false;
    }

    /** Only the options that matter here are looked for; any other is some hop's business. */
    private void connection(HeadBuffer head, int from, int to) {
        int i = from;
        while (i < to) {
            while (i < to && (head.at(i) == ',' || head.at(i) == SP || head.at(i) == HT)) {
                i++;
            }
            int start = i;
            while (i < to && head.at(i) != ',') {
                i++;
            }
            int end = head.trimEnd(start, i);
            if (head.equalsIgnoreCase(start, end, "close")) {
                close = true;
            } else if (head.equalsIgnoreCase(start, end, "keep-alive")) {
                keepAlive = true;
            } else if (head.equalsIgnoreCase(start, end, "upgrade")) {
                connectionUpgrade = true;
            }
        }
    }

    private boolean refuse(int status, String reason) {
        this.status = responses ? 502 : status;
        this.reason = reason;
        return false;
    }
}
