package dev.pushback.dsl.http;

/**
 * The character classes of RFC 9110 and RFC 9112 that the request parser and its parts test, as
 * tables indexed by an unsigned byte: one load per byte where the grammar would branch several
 * times.
 */
final class HttpChars {
    private HttpChars() {}

    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HT = '\t';

    /** tchar: the characters of a token (method, field name, transfer coding, extension name). */
    static final boolean[] TCHAR = new boolean[256];
    /** Visible ASCII: the characters allowed in a request target. */
    static final boolean[] VCHAR = new boolean[256];
    /** field-vchar = VCHAR / obs-text. */
    static final boolean[] FIELD_VCHAR = new boolean[256];
    /** qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. */
    static final boolean[] QDTEXT = new boolean[256];
    /** The value of a hex digit, -1 for any other byte. */
    static final int[] HEX = new int[256];

    static {
        for (int c = 0; c < 256; c++) {
            boolean alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            TCHAR[c] = alnum || (c < 128 && "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
            VCHAR[c] = c >= 0x21 && c <= 0x7e;
            FIELD_VCHAR[c] = VCHAR[c] || c >= 0x80;
            QDTEXT[c] = c == HT || c == SP || c == 0x21 || (c >= 0x23 && c <= 0x5b)
                    || (c >= 0x5d && c <= 0x7e) || c >= 0x80;
            HEX[c] = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        }
    }

    /**
     * A field the head can carry as it is: the name a token, the value visible characters,
     * obs-text, spaces and tabs (RFC 9110 §5.1, §5.5) — a CR or LF would end the field, or the
     * head, where the writer did not mean to (RFC 9112 §2.2, §11.1).
     */
    static void checkField(String name, String value) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0xff || !HttpChars.TCHAR[c]) {
                throw new IllegalArgumentException("header name is not a token: " + name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0xff || !(HttpChars.FIELD_VCHAR[c] || c == ' ' || c == '\t')) {
                throw new IllegalArgumentException("invalid character " + (int) c + " in the value of header " + name);
            }
        }
    }
}
