package dev.pushback.dsl.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Where a request goes: scheme, host and port (RFC 9110 §4.3.1), the key of a connection pool.
 *
 * @param tls  whether the scheme is {@code https}
 * @param host the host as the URI names it: a name, an IPv4 literal, or an IPv6 literal without brackets
 * @param port the port, the scheme's default if the URI has none
 */
record Origin(boolean tls, String host, int port) {

    static Origin of(URI uri) {
        if (!uri.isAbsolute() || uri.isOpaque()) {
            throw new IllegalArgumentException("not an absolute http or https URI: " + uri);
        }
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        boolean tls = scheme.equals("https");
        if (!tls && !scheme.equals("http")) {
            throw new IllegalArgumentException("not an http or https URI: " + uri);
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host in " + uri);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
        return new Origin(tls, host, port);
    }

    /** The request target of {@code uri} in origin form (RFC 9112 §3.2.1): its path and query, as given. */
    static String target(URI uri) {
        String path = uri.getRawPath();
        String target = path == null || path.isEmpty() ? "/" : path;
        return uri.getRawQuery() == null ? target : target + "?" + uri.getRawQuery();
    }

    /** The {@code Host} field's value: the port only when it is not the scheme's default. */
    String authority() {
        String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == (tls ? 443 : 80) ? name : name + ":" + port;
    }

    /**
     * The address to connect to: a literal resolved here (no lookup), a name left unresolved, for
     * the resolver threads (DESIGN N17).
     */
    InetSocketAddress address() {
        if (literal()) {
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port); // a literal: parsed, not looked up
            } catch (UnknownHostException notALiteral) {
                return InetSocketAddress.createUnresolved(host, port);
            }
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private boolean literal() {
        if (host.indexOf(':') >= 0) {
            return true; // IPv6
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return (tls ? "https://" : "http://") + authority();
    }
}
