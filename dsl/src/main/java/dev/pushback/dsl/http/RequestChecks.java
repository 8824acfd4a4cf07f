package dev.pushback.dsl.http;

import java.util.List;

/**
 * What RFC 9112 asks of a server about a request head the parser accepted (a policy, as
 * {@link KeepAlive} and {@link ExpectContinue} are): the parser checks the syntax and the
 * framing; this checks what only the whole head can tell.
 *
 * <ul>
 *   <li>§3.2: an HTTP/1.1 request has exactly one {@code Host}; a {@code Host} is
 *       {@code uri-host [":" port]} — no userinfo, no path, no list — else 400.
 *   <li>§3.2.3, §3.2.4: the asterisk-form is for {@code OPTIONS} only, the authority-form for
 *       {@code CONNECT} only (which the parser refuses already), else 400.
 * </ul>
 */
final class RequestChecks {
    private RequestChecks() {}

    /** Why the server refuses {@code head}, or null when it serves it. */
    static HttpError check(RequestHead head) {
        String host = null;
        int hosts = 0;
        List<HttpHeader> headers = head.headers();
        for (int i = 0; i < headers.size(); i++) {
            HttpHeader header = headers.get(i);
            if (header.name().equalsIgnoreCase("Host")) {
                hosts++;
                host = header.value();
            }
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

    private static boolean ipLiteral(String host, int from, int to) {
        if (from == to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = host.charAt(i);
            if (!(c == ':' || c == '.' || hex(c) >= 0 || c == 'v' || c == 'V' || regNameChar(c))) {
                return false;
            }
        }
        return true;
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
        return new HttpError(400, reason, -1, false);
    }
}
