package dev.pushback.dsl.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.dsl.Listener;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * A backpressured HTTP/1.1 server: each connection is a service session on the catalyst, each
 * exchange a small graph the handler writes. The request body is read from the socket only as
 * fast as the response takes it, so a slow client stops the server reading — memory stays bounded
 * whatever the upload size. Accepts are negotiated ({@code maxConnections}, DESIGN N13).
 *
 * <pre>{@code
 * HttpServer echo = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 8080), HttpServer.Options.defaults())
 *     .each((req, res) -> {
 *         if (req.hasBody()) {
 *             req.body().to(res);              // streamed back under negotiation
 *         } else {
 *             res.send("Hello, World!");
 *         }
 *     });
 * catalyst.loop();
 * }</pre>
 */
public final class HttpServer implements AutoCloseable {
    /** How long a new connection may say nothing before a full server may close it for another. */
    static final long FRESH_GRACE_NANOS = 1_000_000_000L;
    /** The ALPN name of the one protocol the server speaks (RFC 7301). */
    static final String HTTP_1_1 = "http/1.1";

    /**
     * @param maxConnections connections open at once, or fewer if the process's descriptor limit
     *     leaves fewer (see {@link dev.pushback.dsl.Listener}); more wait in the kernel's backlog (N13)
     * @param limits request line, header and body limits
     * @param headerTimeout a started request head must be complete within this (slowloris): 408
     * @param idleTimeout a keep-alive connection with no request in progress is closed after this
     * @param workers catalysts serving connections: the one given to {@link #listen} and
     *     {@code workers - 1} more, each on its own thread, owned by the server
     * @param tls the key material to serve HTTPS with, or null for plain HTTP (see {@link #withTls})
     */
    public record Options(int maxConnections, HttpLimits limits, Duration headerTimeout, Duration idleTimeout, int workers,
                          TlsServerConfig tls) {
        /** A plain HTTP server's options. */
        public Options(int maxConnections, HttpLimits limits, Duration headerTimeout, Duration idleTimeout, int workers) {
            this(maxConnections, limits, headerTimeout, idleTimeout, workers, null);
        }

        public Options {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
            }
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be positive: " + workers);
            }
            if (limits == null || headerTimeout == null || idleTimeout == null) {
                throw new NullPointerException("limits and timeouts are required");
            }
            if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            if (tls != null) {
                for (String protocol : tls.alpn()) {
                    if (!protocol.equals(HTTP_1_1)) {
                        throw new IllegalArgumentException("an HTTP/1.1 server can offer only \"" + HTTP_1_1
                            + "\" by ALPN, not \"" + protocol + "\"");
                    }
                }
                if (tls.alpn().isEmpty()) {
                    tls = tls.withAlpn(HTTP_1_1); // a client offering h2 and http/1.1 learns which one it gets
                }
            }
        }

        /** 10,000 connections, {@link HttpLimits#DEFAULT}, 10 s for a head, 60 s idle, one worker per core. */
        public static Options defaults() {
            return new Options(10_000, HttpLimits.DEFAULT, Duration.ofSeconds(10), Duration.ofSeconds(60),
                Runtime.getRuntime().availableProcessors());
        }

        public Options withMaxConnections(int maxConnections) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout, workers, tls);
        }

        public Options withLimits(HttpLimits limits) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout, workers, tls);
        }

        public Options withTimeouts(Duration headerTimeout, Duration idleTimeout) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout, workers, tls);
        }

        public Options withWorkers(int workers) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout, workers, tls);
        }

        /**
         * Serves HTTPS: every connection is TLS with {@code tls}'s key material (TLS 1.3 and 1.2,
         * renegotiation refused, ALPN {@code http/1.1}), and must finish its handshake within
         * {@link TlsServerConfig#handshakeTimeout()}. A client that fails its handshake — one
         * speaking plain HTTP to the port, one that never finishes — has its connection closed,
         * reported once through the catalyst's error reporter; other connections go on. Null for
         * plain HTTP again.
         *
         * <pre>{@code
         * TlsServerConfig tls = TlsServerConfig.fromPem(Path.of("fullchain.pem"), Path.of("privkey.pem"));
         * HttpServer.listen(catalyst, new InetSocketAddress(8443), HttpServer.Options.defaults().withTls(tls))
         *     .each((request, response) -> response.send("hello over TLS"));
         * }</pre>
         *
         * @throws IllegalArgumentException if {@code tls} offers an ALPN protocol other than {@code http/1.1}
         */
        public Options withTls(TlsServerConfig tls) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout, workers, tls);
        }
    }

    /**
     * Writes one exchange: connects the request body, or anything else, to the response.
     *
     * <p>A handler that throws, or whose response does not add up (a {@code Content-Length}
     * its body does not match, a body from both {@code send} and a graph), gets the client a
     * {@code 500}; the connection stays open only if the request was read to its end, body
     * included. The failure is reported once through the catalyst's error reporter
     * ({@code Catalyst.Config.errors()}), with the request's method and target and the exception
     * itself; an exception of a stage in the exchange's graph fails that fiber and is reported by
     * the catalyst (DESIGN N11), once as well. Once the response head has gone out, a failure can
     * only cut the response short: the connection closes.
     */
    @FunctionalInterface
    public interface Handler {
        void handle(HttpRequest request, HttpResponse response) throws Exception;
    }

    private final Catalyst catalyst;
    private final SocketAddress address;
    private final Options options;
    private final java.util.List<Worker> workers = new java.util.ArrayList<>();
    private Listener listener;
    private int h_next;

    /** A catalyst serving connections, and the connections it serves (touched on its thread only). */
    private record Worker(Catalyst catalyst, java.util.Set<HttpConnection> connections) {}

    private HttpServer(Catalyst catalyst, SocketAddress address, Options options) {
        this.catalyst = catalyst;
        this.address = address;
        this.options = options;
    }

    /**
     * A server for {@code address} — an {@link InetSocketAddress} (port 0 picks a free one) or a
     * {@link java.net.UnixDomainSocketAddress} — that binds when given its handler.
     */
    public static HttpServer listen(Catalyst catalyst, SocketAddress address, Options options) {
        return new HttpServer(catalyst, address, options);
    }

    /** Binds and starts serving every exchange with {@code handler}. Safe from any thread. */
    public synchronized HttpServer each(Handler handler) throws IOException {
        if (listener != null) {
            throw new IllegalStateException("already serving");
        }
        workers.add(new Worker(catalyst, new java.util.LinkedHashSet<>()));
        for (int i = 1; i < options.workers(); i++) {
            Catalyst worker = Catalyst.open(catalyst.config().withName(catalyst.config().name() + "-worker-" + i));
            Reactor reactor = Reactor.of(worker);
            worker.execute(reactor::handleRetainLoop); // serves until the server's catalyst closes
            Thread thread = new Thread(worker::loop, worker.config().name());
            thread.setDaemon(true);
            thread.start();
            workers.add(new Worker(worker, new java.util.LinkedHashSet<>()));
        }
        catalyst.terminated().thenRun(() -> {
            for (int i = 1; i < workers.size(); i++) {
                workers.get(i).catalyst().close();
            }
        });
        for (Worker worker : workers) {
            // A catalyst that closes closes its connections too: their sockets and read buffers are
            // the connection's, not an endpoint the catalyst would close of itself (DESIGN section 4).
            Reactor reactor = Reactor.of(worker.catalyst());
            reactor.execute(() -> reactor.handleAtClose(() -> {
                for (HttpConnection connection : java.util.List.copyOf(worker.connections())) {
                    connection.handleForceClose();
                }
            }));
        }
        listener = Listener.accept(catalyst, address, options.maxConnections(), (socket, release) -> handleAccepted(socket, release, handler),
            this::handleShedIdle);
        return this;
    }

    /**
     * Every slot is taken and a client waits: each worker closes its longest idle connection, if
     * it has one (RFC 9112 section 9.5 lets a server close an idle connection at any time). A
     * connection that has sent nothing yet counts as idle only after {@link #FRESH_GRACE_NANOS}:
     * a client's first request may be on its way.
     */
    private void handleShedIdle() {
        for (Worker worker : workers) {
            Runnable shed = () -> {
                for (HttpConnection connection : worker.connections()) { // oldest first
                    if (connection.handleShedIfIdle(FRESH_GRACE_NANOS)) {
                        return;
                    }
                }
            };
            if (worker.catalyst() == catalyst) {
                shed.run();
            } else {
                try {
                    worker.catalyst().execute(shed);
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // a worker that has closed holds no connections
                }
            }
        }
    }

    /** On the accepting catalyst: hands the connection to the next worker, round robin. */
    private void handleAccepted(java.nio.channels.SocketChannel socket, Runnable release, Handler handler) {
        Worker worker = workers.get(h_next);
        h_next = (h_next + 1) % workers.size();
        Runnable releaseHere = worker.catalyst() == catalyst ? release : () -> {
            try {
                catalyst.execute(release);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the accepting catalyst is gone, and its slots with it: nothing to give back
            }
        };
        Runnable serve = () -> HttpConnection.handleServe(worker.catalyst(), socket, releaseHere, handler, options, worker.connections());
        if (worker.catalyst() == catalyst) {
            serve.run();
        } else {
            worker.catalyst().execute(serve);
        }
    }

    /**
     * Stops accepting, lets open exchanges finish for up to {@code grace}, then closes the
     * connections still open. Safe from any thread.
     *
     * @return completes when every connection has closed
     */
    public synchronized CompletableFuture<Void> shutdown(Duration grace) {
        close();
        for (Worker worker : workers) {
            Reactor reactor = Reactor.of(worker.catalyst());
            try {
                reactor.execute(() -> reactor.handleScheduleAt(reactor.nanoTime() + grace.toNanos(), () -> {
                    for (HttpConnection connection : java.util.List.copyOf(worker.connections())) {
                        connection.handleForceClose();
                    }
                }));
            } catch (java.util.concurrent.RejectedExecutionException closedAlready) {
                // a closed catalyst has closed its connections (see each)
            }
        }
        return done();
    }

    /**
     * The bound address, with the port the system picked.
     *
     * @throws IllegalStateException before {@link #each}, or when serving on a Unix domain socket
     *     (see {@link #localAddress()})
     */
    public synchronized InetSocketAddress address() {
        if (listener == null) {
            throw new IllegalStateException("not serving yet: call each(handler)");
        }
        return listener.address();
    }

    /**
     * The bound address: an {@link InetSocketAddress} with the port the system picked, or the
     * {@link java.net.UnixDomainSocketAddress} given to {@link #listen}, whose file the server
     * removes when it stops listening (see {@link Listener}).
     */
    public synchronized SocketAddress localAddress() {
        if (listener == null) {
            throw new IllegalStateException("not serving yet: call each(handler)");
        }
        return listener.localAddress();
    }

    /** Completes when the server has stopped and every connection has closed. */
    public synchronized CompletableFuture<Void> done() {
        return listener == null ? CompletableFuture.completedFuture(null) : listener.done();
    }

    /**
     * The connections it holds at most: {@link Options#maxConnections()}, or fewer if the
     * process's descriptor limit says so (DESIGN N13). Safe from any thread.
     */
    public synchronized int maxConnections() {
        if (listener == null) {
            throw new IllegalStateException("not serving yet: call each(handler)");
        }
        return listener.maxConnections();
    }

    /** The most connections open at once so far (DESIGN N13). Safe from any thread. */
    public synchronized int peakConnections() {
        return listener == null ? 0 : listener.peakConnections();
    }

    /** Stops accepting; open connections finish their exchanges. */
    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close();
        }
    }
}
