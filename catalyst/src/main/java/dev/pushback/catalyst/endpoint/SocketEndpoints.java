package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.catalyst.spi.ReadyHandler;

/**
 * Both sides of a connected socket, sharing one selector key. The socket closes when both sides
 * have closed; the sink side finishing shuts down output (the peer reads end of stream), and the
 * peer's end of stream ends the source side while the sink can still write.
 *
 * <pre>{@code
 * SocketEndpoints connection = SocketEndpoints.of(catalyst, socketChannel);
 * // connection.source() -> map(...) -> connection.sink(): an echo
 * SocketEndpoints server = SocketEndpoints.connect(catalyst, address, ConnectOptions.defaults());
 * // nothing moves through server's sides until the socket is connected (DESIGN N17)
 * }</pre>
 */
public record SocketEndpoints(ChannelSource source, ChannelSink sink) {
    public static SocketEndpoints of(Catalyst catalyst, SocketChannel socket) {
        ChannelRegistration registration = new ChannelRegistration(catalyst, socket);
        String name = socket.toString();
        return new SocketEndpoints(
            new ChannelSource(catalyst, name + " in", registration),
            new ChannelSink(catalyst, name + " out", registration));
    }

    /**
     * Both sides of a socket that connects to {@code address} once a side joins a running graph
     * (DESIGN N17): an {@link InetSocketAddress} (an unresolved one, from {@code createUnresolved},
     * is looked up on a resolver thread, never on the catalyst's) or a {@link
     * UnixDomainSocketAddress}. The connect is non-blocking and negotiated: the sides' bits stay
     * clear until the socket is connected, so no fiber using them moves before. A refused,
     * unresolvable or timed-out connect fails both sides, and so the fibers that use them, with an
     * {@link IOException} naming the address; the fibers report it, once.
     *
     * <p>The socket is opened, given {@code options} and bound to their local address now, on the
     * calling thread (any thread).
     *
     * @throws IOException when the socket cannot be opened, given its options or bound
     */
    public static SocketEndpoints connect(Catalyst catalyst, SocketAddress address, ConnectOptions options) throws IOException {
        return connect(catalyst, address, options, NameResolver.shared());
    }

    /**
     * The same, with host names looked up on {@code resolver} instead of the process's shared
     * resolver threads: a test holds a lookup back with one of its own. {@code resolver} must not
     * run the lookup on the catalyst thread.
     */
    public static SocketEndpoints connect(Catalyst catalyst, SocketAddress address, ConnectOptions options, Executor resolver)
        throws IOException {
        Objects.requireNonNull(resolver, "resolver");
        SocketChannel socket = open(address, options);
        ChannelRegistration registration = new ChannelRegistration(catalyst, socket);
        registration.h_connect = new SocketConnect(Reactor.of(catalyst), registration, socket, address,
            options.connectTimeout(), resolver);
        String name = "connection to " + SocketConnect.describe(address);
        return new SocketEndpoints(
            new ChannelSource(catalyst, name + " in", registration),
            new ChannelSink(catalyst, name + " out", registration));
    }

    /**
     * A socket opened for {@code address}'s family and given {@code options}; closed again if they
     * cannot be set.
     */
    static SocketChannel open(SocketAddress address, ConnectOptions options) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        boolean unix = address instanceof UnixDomainSocketAddress;
        if (!unix && !(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("cannot connect to a " + address.getClass().getName()
                + ": an InetSocketAddress or a UnixDomainSocketAddress");
        }
        SocketChannel socket = unix ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
            if (!unix) {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
            }
            if (options.sendBufferSize() > 0) {
                socket.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBufferSize());
            }
            if (options.receiveBufferSize() > 0) {
                socket.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
            }
            if (options.localAddress() != null) {
                socket.bind(options.localAddress());
            }
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Both sides of {@code socket}, registered now and driven by {@code owner} instead of a fiber:
     * for a protocol stage (an HTTP connection) that decides itself when to read and write. The
     * owner reads with {@link ChannelSource#handlePoll()} (one read into the source's pooled
     * buffer, valid until the next poll), writes with {@link ChannelSink#handleAccept} (what the
     * socket does not take stays pending in the sink, which arms {@code OP_WRITE} and drains it),
     * waits with {@link ChannelSource#handleAwaitReadable()}, and hears the key's readiness through
     * {@code owner} after the sides have: the sink has written what it could of its pending bytes
     * ({@link ChannelSink#handlePendingBytes()} says what is left). The sides have no availability
     * bits. Closing the sink first shuts down output (a FIN); the socket closes with the second
     * side. Catalyst thread only.
     *
     * @throws IOException when the socket cannot be registered (it is not closed here)
     */
    public static SocketEndpoints handleOpen(Catalyst catalyst, SocketChannel socket, ReadyHandler owner) throws IOException {
        SocketEndpoints endpoints = of(catalyst, socket);
        ChannelRegistration registration = endpoints.source.registration();
        registration.h_owner = owner;
        registration.handleOpenSide();
        registration.handleOpenSide();
        return endpoints;
    }

    /**
     * Connects to {@code address} as {@link #connect} does, and gives both sides driven by {@code
     * owner} as {@link #handleOpen} does, once the socket is connected: for a protocol stage that
     * connects out (an HTTP client). The future completes on the catalyst thread; it fails with
     * the connect's failure (the socket closed), which nothing else reports. Closing both sides
     * before then abandons the connect. Catalyst thread only.
     *
     * @throws IOException when the socket cannot be opened, given its options or registered
     */
    public static CompletableFuture<SocketEndpoints> handleConnect(Catalyst catalyst, SocketAddress address,
                                                                   ConnectOptions options, ReadyHandler owner) throws IOException {
        SocketEndpoints endpoints = connect(catalyst, address, options);
        ChannelRegistration registration = endpoints.source.registration();
        SocketConnect connect = registration.h_connect;
        registration.h_owner = owner;
        try {
            registration.handleOpenSide();
        } catch (IOException | RuntimeException e) {
            registration.channel().close();
            throw e;
        }
        registration.handleOpenSide();
        CompletableFuture<SocketEndpoints> connected = new CompletableFuture<>();
        connect.outcome().whenComplete((ok, failure) -> {
            if (failure == null) {
                connected.complete(endpoints);
            } else {
                connected.completeExceptionally(failure); // as it is, not wrapped
            }
        });
        return connected;
    }
}
