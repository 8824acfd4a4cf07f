package dev.pushback.dsl;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.Source;

/**
 * Both sides of one socket: what the peer sends ({@link #source()}) and what is sent to it
 * ({@link #sink()}), for a connection a {@link Listener} accepted or one {@link
 * Graph#connect(SocketAddress) connected out}. The end of the sink's input shuts down the
 * socket's output, so the peer reads the end of the stream; the peer's end of stream ends the
 * source while the sink can still write; the socket closes when both sides have.
 *
 * <pre>{@code
 * Listener.open(catalyst, new InetSocketAddress("127.0.0.1", 0), 1000,
 *     (graph, connection) -> graph.from(connection.source()).to(connection.sink()));   // an echo
 *
 * Connection server = graph.connect(new InetSocketAddress("127.0.0.1", 7));           // a client
 * graph.read(Path.of("request")).to(server.sink());
 * graph.from(server.source()).to(graph.write(Path.of("reply")));
 * }</pre>
 */
public final class Connection {
    private final Source<ByteBuffer> source;
    private final Sink<ByteBuffer> sink;
    private final SocketAddress remoteAddress;

    Connection(Source<ByteBuffer> source, Sink<ByteBuffer> sink, SocketAddress remoteAddress) {
        this.source = source;
        this.sink = sink;
        this.remoteAddress = remoteAddress;
    }

    /** The bytes the peer sends, in chunks valid until the next element. */
    public Source<ByteBuffer> source() {
        return source;
    }

    /** The bytes sent to the peer. */
    public Sink<ByteBuffer> sink() {
        return sink;
    }

    /**
     * The peer's address: for an accepted connection, as the socket reports it (null when it
     * closed before it was known); for one connected out, the address it was given.
     */
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String toString() {
        return "connection with " + remoteAddress;
    }
}
