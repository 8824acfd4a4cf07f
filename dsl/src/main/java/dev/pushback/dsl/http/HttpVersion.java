package dev.pushback.dsl.http;

/**
 * The two protocol versions a {@link RequestParser} accepts (anything else is a 505) and a
 * {@link ResponseParser} accepts (anything else is a 502).
 */
public enum HttpVersion {
    HTTP_1_0("1.0"),
    HTTP_1_1("1.1");

    private final String text;

    HttpVersion(String text) {
        this.text = text;
    }

    /** {@code "1.0"} or {@code "1.1"}. */
    public String text() {
        return text;
    }
}
