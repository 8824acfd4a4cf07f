package dev.pushback.dsl.http;

/**
 * One header field as received: the name with its case as sent and the value as sent, without
 * the whitespace that precedes it but with any trailing whitespace kept (RFC 9110 §5.5 says to
 * ignore that whitespace when evaluating a field; {@link #trimmedValue()} does so). Bytes are
 * decoded as ISO-8859-1, so every octet, UTF-8 included, survives: {@code
 * value().getBytes(ISO_8859_1)} gives back the bytes on the wire.
 */
public record HttpHeader(String name, String value) {

    /** The value without trailing spaces and tabs. */
    public String trimmedValue() {
        int end = value.length();
        while (end > 0 && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
            end--;
        }
        return value.substring(0, end);
    }
}
