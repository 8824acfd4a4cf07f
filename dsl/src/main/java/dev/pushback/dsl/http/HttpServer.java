package dev.pushback.dsl.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Listener;

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
    /**
     * @param maxConnections connections open at once; more wait in the kernel's backlog (N13)
     * @param limits request line, header and body limits
     * @param headerTimeout a started request head must be complete within this (slowloris): 408
     * @param idleTimeout a keep-alive connection with no request in progress is closed after this
     */
    public record Options(int maxConnections, HttpLimits limits, Duration headerTimeout, Duration idleTimeout) {
        public Options {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
            }
            if (limits == null || headerTimeout == null || idleTimeout == null) {
                throw new NullPointerException("limits and timeouts are required");
            }
            if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }

        /** 10,000 connections, {@link HttpLimits#DEFAULT}, 10 s for a head, 60 s idle. */
        public static Options defaults() {
            return new Options(10_000, HttpLimits.DEFAULT, Duration.ofSeconds(10), Duration.ofSeconds(60));
        }

        public Options withMaxConnections(int maxConnections) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout);
        }

        public Options withLimits(HttpLimits limits) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout);
        }

        public Options withTimeouts(Duration headerTimeout, Duration idleTimeout) {
            return new Options(maxConnections, limits, headerTimeout, idleTimeout);
        }
    }

    /** Writes one exchange: connects the request body, or anything else, to the response. */
    @FunctionalInterface
    public interface Handler {
        void handle(HttpRequest request, HttpResponse response) throws Exception;
    }

    private final Catalyst catalyst;
    private final SocketAddress address;
    private final Options options;
    private Listener listener;

    private HttpServer(Catalyst catalyst, SocketAddress address, Options options) {
        this.catalyst = catalyst;
        this.address = address;
        this.options = options;
    }

    /** A server for {@code address} (port 0 picks a free one); it binds when given its handler. */
    public static HttpServer listen(Catalyst catalyst, SocketAddress address, Options options) {
        return new HttpServer(catalyst, address, options);
    }

    /** Binds and starts serving every exchange with {@code handler}. Safe from any thread. */
    public synchronized HttpServer each(Handler handler) throws IOException {
        if (listener != null) {
            throw new IllegalStateException("already serving");
        }
        listener = Listener.accept(catalyst, address, options.maxConnections(),
            (socket, release) -> new HttpConnection(catalyst, socket, release, handler, options).handleStart());
        return this;
    }

    /** The bound address, with the port the system picked. */
    public synchronized InetSocketAddress address() {
        if (listener == null) {
            throw new IllegalStateException("not serving yet: call each(handler)");
        }
        return listener.address();
    }

    /** Completes when the server has stopped and every connection has closed. */
    public synchronized CompletableFuture<Void> done() {
        return listener == null ? CompletableFuture.completedFuture(null) : listener.done();
    }

    /** The most connections open at once so far (DESIGN N13). Catalyst thread. */
    public synchronized int handlePeakConnections() {
        return listener == null ? 0 : listener.handlePeakConnections();
    }

    /** Stops accepting; open connections finish their exchanges. */
    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close();
        }
    }
}
