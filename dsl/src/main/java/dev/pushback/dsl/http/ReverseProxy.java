package dev.pushback.dsl.http;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A reverse proxy, as a handler of an {@link HttpServer}: each request goes on to one upstream
 * origin through an {@link HttpClient}, and its response comes back — both bodies streamed under
 * negotiation, so the proxy holds about one chunk per direction whatever the speeds of the client
 * and the upstream (DESIGN N1, N3): a slow client stops the proxy reading the upstream, a slow
 * upstream stops it reading the client.
 *
 * <pre>{@code
 * HttpClient client = HttpClient.create(HttpClient.Options.defaults());
 * HttpServer.listen(catalyst, new InetSocketAddress(8080), HttpServer.Options.defaults())
 *     .each(ReverseProxy.to(client, URI.create("http://127.0.0.1:9000")));
 * }</pre>
 *
 * <p>What it does to the messages (RFC 9110 §7.6): hop-by-hop fields are removed both ways —
 * {@code Connection} and the fields it names, {@code Keep-Alive}, {@code Proxy-Connection},
 * {@code TE}, {@code Transfer-Encoding}, {@code Upgrade}, and {@code Expect} (the proxy's own
 * server answers {@code 100-continue}); {@code Via} is added both ways, {@code X-Forwarded-For}
 * (the client's address appended) and {@code X-Forwarded-Proto} to the request. {@code Host}
 * and the target go on as the client sent them, but for an absolute-form target: it goes on in
 * origin form, with its authority as {@code Host} (RFC 9112 §3.2.2). An upstream that refuses the connection or
 * answers with something that is not HTTP/1.1 gets the client a {@code 502}, one that does not
 * answer within the client's response timeout a {@code 504}; one that fails in the middle of its
 * response body cuts the client's response short — the connection closes, and a chunked
 * response lacks its last chunk — rather than passing a truncated body off as whole.
 */
public final class ReverseProxy implements HttpServer.Handler {
    /** Fields that describe one connection, not the message (RFC 9110 §7.6.1), and Expect, answered here. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
        "transfer-encoding", "upgrade", "expect");
    private static final String VIA = "1.1 pushback";

    private final HttpClient client;
    private final Origin upstream;

    private ReverseProxy(HttpClient client, Origin upstream) {
        this.client = client;
        this.upstream = upstream;
    }

    /**
     * A handler that passes every request on to {@code upstream}, an {@code http} or {@code https}
     * origin (its path, if any, is not used).
     *
     * @throws IllegalArgumentException when {@code upstream} is not an absolute http or https URI with a host
     */
    public static ReverseProxy to(HttpClient client, URI upstream) {
        return new ReverseProxy(Objects.requireNonNull(client, "client"), Origin.of(upstream)); // checked now, not at the first request
    }

    @Override
    public void handle(HttpRequest request, HttpResponse response) {
        // An absolute-form target (which a server must accept, RFC 9112 §3.2.2) goes on in origin
        // form, and its authority is the host, whatever Host said: the upstream is an origin server.
        String target = request.target();
        boolean absolute = target.charAt(0) != '/' && target.indexOf("://") > 0;
        ClientRequest forward = client.request(request.graph(), request.method(), upstream,
            absolute ? originForm(target) : target);
        if (absolute) {
            forward.header("Host", request.host());
        }
        Set<String> named = connectionOptions(request.headers());
        String via = null;
        String forwardedFor = null;
        for (HttpHeader header : request.headers()) {
            String name = header.name().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || named.contains(name) || absolute && name.equals("host")) {
                continue;
            }
            switch (name) {
                case "via" -> via = via == null ? header.value() : via + ", " + header.value();
                case "x-forwarded-for" -> forwardedFor = forwardedFor == null ? header.value() : forwardedFor + ", " + header.value();
                case "x-forwarded-proto" -> { } // ours says what this hop was
                default -> forward.header(header.name(), header.value());
            }
        }
        forward.header("Via", via == null ? VIA : via + ", " + VIA);
        String from = clientAddress(request);
        if (from != null) {
            forward.header("X-Forwarded-For", forwardedFor == null ? from : forwardedFor + ", " + from);
        }
        forward.header("X-Forwarded-Proto", request.scheme());
        forward.onResponse(upstreamResponse -> {
            response.status(upstreamResponse.status());
            Set<String> upstreamNamed = connectionOptions(upstreamResponse.headers());
            String responseVia = null;
            for (HttpHeader header : upstreamResponse.headers()) {
                String name = header.name().toLowerCase(Locale.ROOT);
                if (HOP_BY_HOP.contains(name) || upstreamNamed.contains(name)) {
                    continue;
                }
                if (name.equals("via")) {
                    responseVia = responseVia == null ? header.value() : responseVia + ", " + header.value();
                } else {
                    response.header(header.name(), header.value());
                }
            }
            response.header("Via", responseVia == null ? VIA : responseVia + ", " + VIA);
        });
        if (request.hasBody()) {
            request.body().to(forward.body());
        }
        forward.responseBody().to(response);
    }

    /** The path and query of an absolute-form target, {@code /} for an empty path (RFC 9112 §3.2.1). */
    private static String originForm(String absolute) {
        int start = absolute.indexOf("://") + 3;
        int end = start;
        while (end < absolute.length() && "/?#".indexOf(absolute.charAt(end)) < 0) {
            end++;
        }
        int fragment = absolute.indexOf('#', end);
        String rest = absolute.substring(end, fragment < 0 ? absolute.length() : fragment);
        return rest.startsWith("/") ? rest : "/" + rest;
    }

    /** The field names {@code Connection} lists (RFC 9110 §7.6.1), lower case. */
    private static Set<String> connectionOptions(List<HttpHeader> headers) {
        Set<String> named = null;
        for (HttpHeader header : headers) {
            if (header.name().equalsIgnoreCase("Connection")) {
                for (String option : header.value().split(",")) {
                    String token = option.strip().toLowerCase(Locale.ROOT);
                    if (!token.isEmpty()) {
                        if (named == null) {
                            named = new HashSet<>();
                        }
                        named.add(token);
                    }
                }
            }
        }
        return named == null ? Set.of() : named;
    }

    /** The client's IP address as X-Forwarded-For writes it, or null (a Unix domain socket's client). */
    private static String clientAddress(HttpRequest request) {
        if (request.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String address = inet.getAddress().getHostAddress();
            int scope = address.indexOf('%');
            return scope >= 0 ? address.substring(0, scope) : address;
        }
        return null;
    }
}
