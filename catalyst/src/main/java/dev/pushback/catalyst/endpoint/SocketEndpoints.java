package dev.pushback.catalyst.endpoint;

import java.nio.channels.SocketChannel;

import dev.pushback.catalyst.Catalyst;

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
}
