package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.ReadyHandler;

/**
 * Both sides of a connected socket, sharing one selector key. The socket closes when both sides
 * have closed; the sink side finishing shuts down output (the peer reads end of stream).
 *
 * <pre>{@code
 * SocketEndpoints connection = SocketEndpoints.of(catalyst, socketChannel);
 * // connection.source() -> map(...) -> connection.sink(): an echo
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
}
