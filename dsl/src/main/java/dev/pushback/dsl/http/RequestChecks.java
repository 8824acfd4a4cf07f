package dev.pushback.dsl.http;

import java.util.List;

/**
 * What RFC 9112 and RFC 9110 ask of a server about a request head the parser accepted (a
 * policy, as {@link KeepAlive} and {@link ExpectContinue} are): the parser checks the syntax and
 * the framing; this checks what only the whole head can tell, and what this server, unlike the
 * parser, does not take. Checked in this order, framing first: a request whose end is in doubt
 * is refused for that before anything about what it means.
 *
 * <ul>
 *   <li>RFC 9112 §6.1: an HTTP/1.0 request with {@code Transfer-Encoding} has faulty framing,
 *       whatever else it says: 400. A transfer coding other than {@code chunked} (which the parser
 *       lets through, undecoded, before a final {@code chunked}) is one this server does not
 *       decode: 501, as the handler would get coded bytes it takes for the content.
 *   <li>RFC 9112 §3.2: an HTTP/1.1 request has exactly one {@code Host}; a {@code Host} is
 *       {@code uri-host [":" port]} — no userinfo, no path, no list — else 400.
 *   <li>RFC 9112 §3.2.3, §3.2.4: the asterisk-form is for {@code OPTIONS} only, the
 *       authority-form for {@code CONNECT} only (which the parser refuses already), else 400.
 *   <li>RFC 9110 §10.1.1: an expectation other than {@code 100-continue} is one the server
 *       cannot meet: 417 (for an HTTP/1.0 request too; there only {@code 100-continue} is
 *       ignored, by {@link ExpectContinue}).
 * </ul>
 *
 * <p>Every refusal closes the connection: the request's body, if any, is not read.
 */
final class RequestChecks {
    private RequestChecks() {}

    /** Why the server refuses {@code head}, or null when it serves it. */
    static HttpError check(RequestHead head) {
        String host = null;
        int hosts = 0;
        boolean transferEncoding = false;
        String coding = null;
        String expectation = null;
        List<HttpHeader> headers = head.headers();
        for (int i = 0; i < headers.size(); i++) {
            HttpHeader header = headers.get(i);
            if (header.name().equalsIgnoreCase("Host")) {
                hosts++;
                host = header.value();
            } else if (header.name().equalsIgnoreCase("Transfer-Encoding")) {
                transferEncoding = true;
                coding = coding != null ? coding : otherMember(header.value(), "chunked");
            } else if (header.name().equalsIgnoreCase("Expect")) {
                expectation = expectation != null ? expectation : otherMember(header.value(), "100-continue");
            }
        }
        if (transferEncoding && head.version() == HttpVersion.HTTP_1_0) {
            return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
        }
        if (coding != null) {
            return refuse(501, "transfer coding " + coding + " not supported: only chunked is decoded");
        }
        if (hosts > 1) {
            return refuse("more than one Host header field");
        }
        if (hosts == 0 && head.version() == HttpVersion.HTTP_1_1) {
            return refuse("an HTTP/1.1 request without Host");
        }
        if (host != null && !validHost(host.strip())) {
            return refuse("invalid Host: " + host);
        }
        String target = head.target();
        if (target.equals("*")) {
            return head.method().equals("OPTIONS") ? null : refuse("the asterisk-form is for OPTIONS only");
        }
        if (!target.startsWith("/") && !target.contains("://") && !head.method().equals("CONNECT")) {
            return refuse("the authority-form is for CONNECT only");
        }
        if (expectation != null) {
            return refuse(417, "expectation " + expectation + " not supported: only 100-continue is met");
        }
        return null;
    }

    /**
     * The first member of the comma-separated list {@code value} that is not {@code only}
     * (ignoring case), or null; empty members do not count (RFC 9110 §5.6.1). The parser has
     * checked a {@code Transfer-Encoding}'s grammar; an {@code Expect} member with a parameter
     * or a value is not {@code 100-continue} either, however it is split.
     */
    private static String otherMember(String value, String only) {
        for (String member : value.split(",", -1)) {
            String m = member.strip();
            if (!m.isEmpty() && !m.equalsIgnoreCase(only)) {
                return m;
            }
        }
        return null;
    }

    /**
     * {@code uri-host [":" port]} of RFC 3986: an IP-literal in brackets, or a reg-name (an IPv4
     * address is one too) of unreserved characters, percent-escapes and sub-delims; empty is
     * allowed (a target URI without authority).
     */
    static boolean validHost(String host) {
        int end = host.length();
        int colon;
        int i = 0;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0 || !ipLiteral(host, 1, close)) {
                return false;
            }
            i = close + 1;
            colon = i < end ? i : -1;
            if (colon >= 0 && host.charAt(colon) != ':') {
                return false;
            }
        } else {
            colon = host.indexOf(':');
            int nameEnd = colon < 0 ? end : colon;
            for (; i < nameEnd; i++) {
                char c = host.charAt(i);
                if (c == '%') {
                    if (i + 2 >= nameEnd || hex(host.charAt(i + 1)) < 0 || hex(host.charAt(i + 2)) < 0) {
                        return false;
                    }
                    i += 2;
                } else if (!regNameChar(c)) {
                    return false; // '@' (userinfo), '/' (a path), ',' (a list), a space...
                }
            }
        }
        if (colon >= 0) {
            for (int p = colon + 1; p < end; p++) {
                char c = host.charAt(p);
                if (c < '0' || c > '9') {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@code IP-literal} without its brackets: {@code IPvFuture = "v" 1*HEXDIG "." 1*( unreserved
     * / sub-delims / ":" )}, or an IPv6 address: hex digits, colons (at least one) and the dots
     * of an embedded IPv4 address. The IPv6 form is checked by its characters, not parsed: enough
     * to tell a literal from a name, a path or a list, which is what {@code Host} asks.
     */
    private static boolean ipLiteral(String host, int from, int to) {
        if (from < to && (host.charAt(from) == 'v' || host.charAt(from) == 'V')) {
            int dot = from + 1;
            while (dot < to && hex(host.charAt(dot)) >= 0) {
                dot++;
            }
            if (dot == from + 1 || dot >= to - 1 || host.charAt(dot) != '.') {
                return false;
            }
            for (int i = dot + 1; i < to; i++) {
                if (host.charAt(i) != ':' && !regNameChar(host.charAt(i))) {
                    return false;
                }
            }
            return true;
        }
        boolean colon = false;
        for (int i = from; i < to; i++) {
            char c = host.charAt(i);
            if (c == ':') {
                colon = true;
            } else if (c != '.' && hex(c) < 0) {
                return false;
            }
        }
        return colon;
    }

    private static boolean regNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || "-._~".indexOf(c) >= 0        // unreserved
            || "!$&'()*+;=".indexOf(c) >= 0; // sub-delims but ','
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    private static HttpError refuse(String reason) {
        return refuse(400, reason);
    }

    private static HttpError refuse(int status, String reason) {
        return new HttpError(status, reason, -1, false);
    }
}
