package dev.pushback.dsl.http;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.dsl.Graph;
import dev.pushback.dsl.tls.TlsClientConfig;

/**
 * A backpressured HTTP/1.1 client: a request is a sink in a graph (its body) and a feed (its
 * response body), so an upload moves only as fast as the server reads it and a download only as
 * fast as the graph takes it (DESIGN N1) — a server handler can feed a request's body into an
 * upstream request and the upstream response into its own response, and hold one chunk per
 * direction whatever the speeds (a reverse proxy, see the guide).
 *
 * <p>Connections are kept alive and pooled per catalyst and origin (scheme, host, port), at most
 * {@link Options#maxConnectionsPerOrigin()} each. A free pooled connection is what a request
 * waits for (DESIGN section 4, client session): beyond the limit, requests wait — their graphs do
 * not move — until one is free; the pool remembers their order (a reference each, no bytes), so
 * the one that waited longest gets it. One request at a
 * time per connection (no pipelining). Redirects are not followed; {@code Expect: 100-continue}
 * holds the body back until the server says to send it (or a second has passed); interim 1xx
 * responses and trailers are read and dropped. Safe to share between threads and catalysts.
 *
 * <pre>{@code
 * HttpClient client = HttpClient.create(HttpClient.Options.defaults());
 * Graph graph = Graph.on(catalyst);
 * ClientRequest get = client.request(graph, "GET", URI.create("http://127.0.0.1:8080/hello"));
 * get.onResponse(response -> System.out.println(response.status()));
 * get.responseBody().to(graph.stdout());
 * graph.start();                                   // the request goes out when the graph starts
 * }</pre>
 *
 * <p>A request that fails — the connection refused, a response that is not HTTP/1.1, a server that
 * closes in the middle of the response or does not answer within {@link Options#responseTimeout()}
 * — fails the fibers that use its body and its response body with an {@link HttpClientException}
 * naming the request and the server, reported once by the catalyst (DESIGN N11); the connection is
 * dropped from the pool. A request without a body that meets the close of a reused connection
 * before any byte of its response (the server closed it while it was idle) is sent again once, on
 * a new connection.
 */
public final class HttpClient implements AutoCloseable {
    /**
     * @param maxConnectionsPerOrigin connections to one origin open at once, per catalyst
     * @param connect how connections are made: the connect timeout, TCP_NODELAY, buffer sizes
     * @param responseTimeout the longest the client waits on the server for the response: its
     *     head once the request is sent, or more of its body when the graph wants more (a slow
     *     reader of the response is no timeout); then the request fails, {@link HttpClientException#timedOut()}
     * @param idleTimeout how long a pooled connection may stay unused before it is closed
     * @param limits the longest status line and header section a response may have, and the longest body
     * @param tls how servers of {@code https} origins are checked (ALPN {@code http/1.1} is offered)
     */
    public record Options(int maxConnectionsPerOrigin, ConnectOptions connect, Duration responseTimeout, Duration idleTimeout,
                          HttpLimits limits, TlsClientConfig tls) {
        public Options {
            if (maxConnectionsPerOrigin < 1) {
                throw new IllegalArgumentException("maxConnectionsPerOrigin must be positive: " + maxConnectionsPerOrigin);
            }
            Objects.requireNonNull(connect, "connect");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(tls, "tls");
            if (responseTimeout.isNegative() || responseTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            if (tls.alpn().isEmpty()) {
                tls = tls.withAlpn(HttpServer.HTTP_1_1);
            }
        }

        /**
         * 64 connections per origin, {@link ConnectOptions#defaults()} (a 30 s connect timeout), 60 s
         * for a response, 60 s idle, {@link HttpLimits#DEFAULT}, servers checked against the JDK's
         * certificate authorities.
         */
        public static Options defaults() {
            return new Options(64, ConnectOptions.defaults(), Duration.ofSeconds(60), Duration.ofSeconds(60),
                HttpLimits.DEFAULT, TlsClientConfig.defaults());
        }

        public Options withMaxConnectionsPerOrigin(int maxConnectionsPerOrigin) {
            return new Options(maxConnectionsPerOrigin, connect, responseTimeout, idleTimeout, limits, tls);
        }

        public Options withConnect(ConnectOptions connect) {
            return new Options(maxConnectionsPerOrigin, connect, responseTimeout, idleTimeout, limits, tls);
        }

        public Options withTimeouts(Duration responseTimeout, Duration idleTimeout) {
            return new Options(maxConnectionsPerOrigin, connect, responseTimeout, idleTimeout, limits, tls);
        }

        public Options withLimits(HttpLimits limits) {
            return new Options(maxConnectionsPerOrigin, connect, responseTimeout, idleTimeout, limits, tls);
        }

        public Options withTls(TlsClientConfig tls) {
            return new Options(maxConnectionsPerOrigin, connect, responseTimeout, idleTimeout, limits, tls);
        }
    }

    private final Options options;
    private final Map<Catalyst, ClientPools> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private HttpClient(Options options) {
        this.options = options;
    }

    /** A client with {@code options}; it holds no connection until a request needs one. */
    public static HttpClient create(Options options) {
        return new HttpClient(Objects.requireNonNull(options, "options"));
    }

    public Options options() {
        return options;
    }

    /**
     * A request to {@code uri} ({@code http} or {@code https}) in {@code graph}: set its headers,
     * feed its {@link ClientRequest#body()} if it has one, read its {@link
     * ClientRequest#responseBody()}; it goes out once the graph has started and a pooled
     * connection to the origin is free. Any thread, before the graph starts.
     *
     * @throws IllegalArgumentException when {@code uri} is not an absolute http or https URI
     *     with a host, or {@code method} is not a token
     */
    public ClientRequest request(Graph graph, String method, URI uri) {
        return request(graph, method, Origin.of(uri), Origin.target(uri));
    }

    /**
     * A request to {@code origin} (scheme, host and port; its path is ignored) for {@code target}
     * as it is — in origin form ({@code /path?query}) or {@code *} — not re-encoded: what a proxy
     * passes on from the request it got.
     *
     * @throws IllegalArgumentException when {@code target} is empty, holds a character a request
     *     target cannot (a space, a control character, one above U+007E), or is not origin-form or {@code *}
     */
    public ClientRequest request(Graph graph, String method, URI origin, String target) {
        if (target.isEmpty() || !(target.charAt(0) == '/' || target.equals("*"))) {
            throw new IllegalArgumentException("not a request target in origin form: " + target);
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c > 0xff || !HttpChars.VCHAR[c]) {
                throw new IllegalArgumentException("invalid character " + (int) c + " in request target " + target);
            }
        }
        return request(graph, method, Origin.of(origin), target);
    }

    /** The same for an origin parsed already (a proxy's upstream), with a target checked by the caller. */
    ClientRequest request(Graph graph, String method, Origin origin, String target) {
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        ClientPools catalystPools = pools.computeIfAbsent(graph.catalyst(), catalyst -> {
            ClientPools made = new ClientPools(catalyst, options);
            catalyst.terminated().thenRun(() -> pools.remove(catalyst, made));
            return made;
        });
        return new ClientRequest(graph, catalystPools, origin, method, target);
    }

    /** The same for a URI given as text. */
    public ClientRequest request(Graph graph, String method, String uri) {
        return request(graph, method, URI.create(uri));
    }

    /**
     * Closes the connections that are idle in the pools; requests under way finish on theirs,
     * which close after them. New requests are refused. Any thread.
     */
    @Override
    public void close() {
        closed = true;
        for (ClientPools catalystPools : pools.values()) {
            try {
                Reactor.of(catalystPools.catalyst()).execute(catalystPools::handleClose);
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                // a closed catalyst has closed its connections
            }
        }
    }
}
