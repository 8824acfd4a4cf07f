package dev.pushback.dsl.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.catalyst.endpoint.ChannelSource;
import dev.pushback.catalyst.endpoint.SocketEndpoints;
import dev.pushback.catalyst.endpoint.TlsEndpoints;
import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.dsl.tls.TlsClientConfig;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * A connection's bytes in and out, driven by the connection itself: the socket's own endpoints,
 * or TLS endpoints over them when the server has a TLS config (DESIGN N18). Both read into one
 * pooled chunk, keep what the socket refuses as one pending element, and tell the connection
 * their readiness; TLS also holds records, which its sides count as readable and as pending.
 * A server's connections are opened on accepted sockets, a client's connect out. Catalyst thread only.
 */
final class Wire {
    private final AbstractByteSource in;
    private final AbstractByteSink out;
    private final ChannelSource plain; // exactly one of plain and tls
    private final TlsEndpoints tls;

    private Wire(AbstractByteSource in, AbstractByteSink out, ChannelSource plain, TlsEndpoints tls) {
        this.in = in;
        this.out = out;
        this.plain = plain;
        this.tls = tls;
    }

    /** Registers {@code channel} for {@code owner}; with TLS, the handshake starts. */
    static Wire handleOpen(Catalyst catalyst, SocketChannel channel, TlsServerConfig tls, ReadyHandler owner) throws IOException {
        if (tls == null) {
            SocketEndpoints socket = SocketEndpoints.handleOpen(catalyst, channel, owner);
            return new Wire(socket.source(), socket.sink(), socket.source(), null);
        }
        TlsEndpoints socket = TlsEndpoints.handleOpen(catalyst, channel, tls.newEngine(), tls.handshakeTimeout(), owner);
        return new Wire(socket.source(), socket.sink(), null, socket);
    }

    /**
     * Connects to {@code address} for {@code owner}, over TLS when {@code tls} is given (SNI and
     * the name check for {@code host}); completes on the catalyst thread once the socket is
     * connected (a TLS handshake goes on from there: what is written meanwhile waits for it), or
     * fails with the connect's failure, which names the address.
     */
    static CompletableFuture<Wire> handleConnect(Catalyst catalyst, SocketAddress address, ConnectOptions options,
                                                 TlsClientConfig tls, String host, int port, ReadyHandler owner)
        throws IOException {
        if (tls == null) {
            return SocketEndpoints.handleConnect(catalyst, address, options, owner)
                .thenApply(socket -> new Wire(socket.source(), socket.sink(), socket.source(), null));
        }
        if (!(address instanceof InetSocketAddress inet)) {
            throw new IllegalArgumentException("TLS needs an InetSocketAddress, not " + address);
        }
        return TlsEndpoints.handleConnect(catalyst, inet, options, tls.newEngine(host, port), tls.handshakeTimeout(), owner)
            .thenApply(socket -> new Wire(socket.source(), socket.sink(), null, socket));
    }

    AbstractByteSource in() {
        return in;
    }

    AbstractByteSink out() {
        return out;
    }

    /** The socket is to say when it is readable (the connection's {@code ReadyHandler} hears it). */
    void handleAwaitReadable() {
        if (plain != null) {
            plain.handleAwaitReadable();
        } else {
            tls.source().handleAwaitReadable();
        }
    }

    /**
     * Everything is written: TLS says so with close_notify; then a FIN with the input still open,
     * so that unread input cannot reset what was sent, and the socket closes.
     */
    void handleCloseGracefully() {
        if (tls != null) {
            tls.sink().handleCloseNotify();
        }
        out.handleClose(null);
        in.handleClose(null);
    }

    /**
     * The connection is given up (a stalled client, the end of a shutdown's grace): both sides
     * close with {@code cause}, dropping what is pending, and no close_notify.
     */
    void handleCloseAborted(IOException cause) {
        in.handleClose(cause);
        out.handleClose(cause);
    }

    /** The connection is cut short: no close_notify, so a TLS client can tell (RFC 8446 section 6.1). */
    void handleCloseAbruptly() {
        in.handleClose(null);
        out.handleClose(null);
    }
}
