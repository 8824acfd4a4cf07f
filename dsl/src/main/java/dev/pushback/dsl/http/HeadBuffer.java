package dev.pushback.dsl.http;

import static dev.pushback.dsl.http.HttpChars.HT;
import static dev.pushback.dsl.http.HttpChars.SP;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of one request head and where its fields lie in them, reused from request to request:
 * the method, the target, then each header field's name directly followed by its value (the colon,
 * the whitespace around the value and the line ends are not kept). The head's strings are made
 * only once it is complete, so reading it allocates nothing per byte; the arrays grow to the
 * largest head seen, which {@link HttpLimits} bounds.
 */
final class HeadBuffer {
    private byte[] bytes = new byte[512];
    private int length;
    /** Per field: name start, name end, value start, value end (indexes into {@link #bytes}). */
    private int[] fields = new int[64];
    private int fieldCount;

    int length() {
        return length;
    }

    /** The byte at {@code i}, unsigned. */
    int at(int i) {
        return bytes[i] & 0xff;
    }

    void append(int b) {
        if (length == bytes.length) {
            byte[] bigger = new byte[bytes.length * 2];
            System.arraycopy(bytes, 0, bigger, 0, length);
            bytes = bigger;
        }
        bytes[length++] = (byte) b;
    }

    /** Records a field whose name starts at {@code nameStart} and whose value runs from {@code valueStart} to the end. */
    void addField(int nameStart, int valueStart) {
        if (fieldCount * 4 + 4 > fields.length) {
            int[] bigger = new int[fields.length * 2];
            System.arraycopy(fields, 0, bigger, 0, fields.length);
            fields = bigger;
        }
        int f = fieldCount++ * 4;
        fields[f] = nameStart;
        fields[f + 1] = valueStart; // the name's bytes are followed directly by the value's
        fields[f + 2] = valueStart;
        fields[f + 3] = length;
    }

    int fieldCount() {
        return fieldCount;
    }

    int nameStart(int field) {
        return fields[field * 4];
    }

    int nameEnd(int field) {
        return fields[field * 4 + 1];
    }

    int valueStart(int field) {
        return fields[field * 4 + 2];
    }

    int valueEnd(int field) {
        return fields[field * 4 + 3];
    }

    /** The fields as the request head reports them: values untrimmed, in order. */
    List<HttpHeader> headers() {
        List<HttpHeader> headers = new ArrayList<>(fieldCount);
        for (int f = 0; f < fieldCount * 4; f += 4) {
            headers.add(new HttpHeader(string(fields[f], fields[f + 1]),
                    string(fields[f + 2], fields[f + 3])));
        }
        return headers;
    }

    void clear() {
        length = 0;
        fieldCount = 0;
    }

    String string(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** The end of {@code [from, to)} without its trailing spaces and tabs. */
    int trimEnd(int from, int to) {
        while (to > from && (bytes[to - 1] == SP || bytes[to - 1] == HT)) {
            to--;
        }
        return to;
    }

    /** Whether {@code [from, to)} holds exactly {@code expected}. */
    boolean regionEquals(int from, int to, byte[] expected) {
        if (to - from != expected.length) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (bytes[i] != expected[i - from]) {
                return false;
            }
        }
        return true;
    }

    /** Compares {@code [from, to)} with a lower-case ASCII string, ignoring ASCII case. */
    boolean equalsIgnoreCase(int from, int to, String lowerCase) {
        if (to - from != lowerCase.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            int b = bytes[i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCase.charAt(i - from)) {
                return false;
            }
        }
        return true;
    }
}
