package dev.pushback.dsl.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header field of the server's responses (RFC 9110 §6.6.1): an origin server
 * with a clock MUST send one in every 2xx, 3xx and 4xx response, and may in the others, so it
 * goes into all of them. The value is an IMF-fixdate (RFC 9110 §5.6.7), the only form a sender
 * may generate, read from the wall clock — not the catalyst's, which is monotonic and says
 * nothing about the time of day.
 *
 * <p>The line is made once a second, not once a response: a pipelined burst formats one date.
 * It is shared by every worker's thread; the cached value is immutable, so a race only formats
 * the same second twice.
 */
final class HttpDate {
    private HttpDate() {}

    /** IMF-fixdate: a two-digit day, English names, always GMT. */
    private static final DateTimeFormatter IMF_FIXDATE =
        DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** The length of {@link #line()}: {@code "Date: "}, 29 characters of IMF-fixdate, CRLF. */
    static final int LINE_LENGTH = 37;

    private record Line(long second, String text) {}

    private static volatile Line last = new Line(Long.MIN_VALUE, "");

    /** The header line for now, CRLF included. */
    static String line() {
        long second = Math.floorDiv(System.currentTimeMillis(), 1000);
        Line line = last;
        if (line.second() != second) {
            line = new Line(second, "Date: " + IMF_FIXDATE.format(Instant.ofEpochSecond(second)) + "\r\n");
            last = line;
        }
        return line.text();
    }
}
