package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLEngine;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.spi.Reactor;

/**
 * Both sides of a TLS connection over a connected socket (DESIGN N18), sharing one engine and one
 * selector key: the plaintext in ({@link TlsSource}) and out ({@link TlsSink}). The handshake
 * starts when the first side opens and must be done within {@code handshakeTimeout}, on the
 * catalyst's timer; until then neither side is available. Closing the sink first sends
 * close_notify and shuts down the socket's output; the socket closes with the second side. A TLS
 * failure fails this connection only. The engine comes set up (client or server mode, protocols,
 * ALPN); renegotiation is refused whatever it says.
 *
 * <pre>{@code
 * TlsEndpoints tls = TlsEndpoints.of(catalyst, acceptedSocket, serverConfig.newEngine(), Duration.ofSeconds(10));
 * graph.from(tls.source()).to(tls.sink());   // an echo over TLS
 *
 * TlsEndpoints server = TlsEndpoints.connect(catalyst, InetSocketAddress.createUnresolved("example.org", 443),
 *     ConnectOptions.defaults(), clientConfig.newEngine("example.org", 443), Duration.ofSeconds(10));
 * // connects (N17), then handshakes; nothing moves before both are done
 * }</pre>
 */
public record TlsEndpoints(TlsSource source, TlsSink sink) {
    /** Both sides of {@code socket} through {@code engine}, for a graph; the catalyst owns the socket from now on. */
    public static TlsEndpoints of(Catalyst catalyst, SocketChannel socket, SSLEngine engine, Duration handshakeTimeout) {
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("the handshake timeout must be positive: " + handshakeTimeout);
        }
        TlsSession session = new TlsSession(Reactor.of(catalyst), socket, engine, handshakeTimeout.toNanos());
        String name = "TLS " + session.peer();
        return new TlsEndpoints(new TlsSource(catalyst, name + " in", session), new TlsSink(catalyst, name + " out", session));
    }

    /**
     * Both sides of a socket that connects to {@code address} once a side joins a running graph,
     * as {@link SocketEndpoints#connect} does (DESIGN N17), then handshakes through {@code engine}
     * (client mode, made for the address's host: SNI and host name checks are the engine's). The
     * handshake and its deadline start once the socket is connected; neither side is available
     * before both are done. A refused, unresolvable or timed-out connect, and a failed or
     * timed-out handshake, fail both sides with an {@link IOException} naming the address; the
     * fibers that use them report it, once. A sink whose input ends before the handshake is done
     * sends close_notify, then a FIN, once it is.
     *
     * @throws IOException when the socket cannot be opened, given its options or bound
     */
    public static TlsEndpoints connect(Catalyst catalyst, InetSocketAddress address, ConnectOptions options, SSLEngine engine,
                                       Duration handshakeTimeout) throws IOException {
        return connect(catalyst, address, options, engine, handshakeTimeout, NameResolver.shared());
    }

    /** The same, with host names looked up on {@code resolver}, which must not run them on the catalyst thread. */
    public static TlsEndpoints connect(Catalyst catalyst, InetSocketAddress address, ConnectOptions options, SSLEngine engine,
                                       Duration handshakeTimeout, Executor resolver) throws IOException {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(resolver, "resolver");
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("the handshake timeout must be positive: " + handshakeTimeout);
        }
        SocketChannel socket = SocketEndpoints.open(address, options);
        String target = SocketConnect.describe(address);
        TlsSession session = new TlsSession(Reactor.of(catalyst), socket, engine, handshakeTimeout.toNanos(), target, true);
        session.h_connect = new SocketConnect(Reactor.of(catalyst), session, socket, address, options.connectTimeout(), resolver);
        String name = "TLS connection to " + target;
        return new TlsEndpoints(new TlsSource(catalyst, name + " in", session), new TlsSink(catalyst, name + " out", session));
    }

    /**
     * Connects to {@code address} as {@link #connect} does, then gives both sides driven by
     * {@code owner} as {@link #handleOpen} does: for a protocol stage that connects out over TLS
     * (an HTTPS client). The future completes on the catalyst thread once the socket is
     * connected — the handshake goes on from there, and bytes the owner writes wait for it as
     * pending; it fails with the connect's failure (the socket closed), which nothing else
     * reports. A failed handshake reaches the owner as a failed read or write. Catalyst thread only.
     *
     * @throws IOException when the socket cannot be opened, given its options or registered
     */
    public static CompletableFuture<TlsEndpoints> handleConnect(Catalyst catalyst, InetSocketAddress address,
                                                                ConnectOptions options, SSLEngine engine,
                                                                Duration handshakeTimeout, ReadyHandler owner)
        throws IOException {
        assert Reactor.of(catalyst).handleAssertOwner();
        TlsEndpoints endpoints = connect(catalyst, address, options, engine, handshakeTimeout);
        TlsSession session = endpoints.source.session();
        SocketConnect connect = session.h_connect;
        session.h_owner = owner;
        try {
            session.handleOpenSide();
        } catch (IOException | RuntimeException e) {
            session.channel().close();
            throw e;
        }
        session.handleOpenSide();
        CompletableFuture<TlsEndpoints> connected = new CompletableFuture<>();
        connect.outcome().whenComplete((ok, failure) -> {
            if (failure == null) {
                connected.complete(endpoints);
            } else {
                connected.completeExceptionally(failure);
            }
        });
        return connected;
    }

    /**
     * Both sides, registered now, the handshake started, and driven by {@code owner} instead of
     * a fiber, as {@link SocketEndpoints#handleOpen} is for plain sockets: the owner reads with
     * {@link TlsSource#handlePoll()}, writes with {@link TlsSink#handleAccept} or {@code
     * handleAcceptGathered}, waits with {@link TlsSource#handleAwaitReadable()}, and hears
     * readiness through {@code owner} — once the handshake is done; before, the connection
     * waits for what the handshake needs by itself. A failure reaches the owner as both
     * operations ready, and its next read or write throws it. Failures before the handshake is
     * done, and a refused renegotiation, are reported through the catalyst's reporter. Catalyst
     * thread only.
     *
     * @throws IOException when the socket cannot be registered (it is not closed here)
     */
    public static TlsEndpoints handleOpen(Catalyst catalyst, SocketChannel socket, SSLEngine engine, Duration handshakeTimeout,
                                          ReadyHandler owner) throws IOException {
        assert Reactor.of(catalyst).handleAssertOwner();
        TlsEndpoints endpoints = of(catalyst, socket, engine, handshakeTimeout);
        TlsSession session = endpoints.source.session();
        session.h_owner = owner;
        session.handleOpenSide();
        session.handleOpenSide();
        session.handleStart();
        return endpoints;
    }
}
