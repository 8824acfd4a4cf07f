package dev.pushback.dsl;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.catalyst.endpoint.AcceptSource;
import dev.pushback.catalyst.endpoint.ConnectionSlots;
import dev.pushback.catalyst.endpoint.SocketEndpoints;

/**
 * A listening socket whose accepts are negotiated (DESIGN N13): a connection is accepted only
 * while one of {@code maxConnections} slots is free, so load never exhausts file descriptors —
 * excess clients wait in the kernel backlog. Each connection gets its own graph, built by the
 * {@code each} callback on the catalyst thread and started when it returns; the slot is freed when
 * that graph has finished and the socket is closed.
 *
 * <pre>{@code
 * Listener echo = Listener.open(catalyst, new InetSocketAddress("127.0.0.1", 0), 1000,
 *     (graph, socket) -> graph.from(socket.source()).to(socket.sink()));
 * System.out.println("listening on " + echo.address());
 * catalyst.loop();
 * }</pre>
 */
public final class Listener implements AutoCloseable {
    private final Catalyst catalyst;
    private final AcceptSource accepts;
    private final ConnectionSlots slots;
    private final InetSocketAddress address;
    private final CompletableFuture<Void> done;

    private Listener(Catalyst catalyst, ServerSocketChannel server, int maxConnections,
                     BiConsumer<SocketChannel, Runnable> connections) throws IOException {
        this.catalyst = catalyst;
        this.address = (InetSocketAddress) server.getLocalAddress();
        this.accepts = AcceptSource.of(catalyst, server);
        this.slots = new ConnectionSlots(catalyst, maxConnections, connections);
        Graph graph = Graph.on(catalyst);
        graph.from(accepts).to(slots);
        this.done = graph.start();
    }

    /** Binds {@code address} (port 0 picks a free one) and starts accepting. Safe from any thread. */
    public static Listener open(Catalyst catalyst, SocketAddress address, int maxConnections,
                                BiConsumer<Graph, Connection> each) throws IOException {
        return accept(catalyst, address, maxConnections, (socket, release) -> serve(catalyst, socket, release, each));
    }

    /**
     * The same negotiated accept for a protocol that drives its sockets itself: each accepted
     * socket goes to {@code connections} on the catalyst thread, with the action that frees its
     * slot, to be run once when the connection has closed.
     */
    public static Listener accept(Catalyst catalyst, SocketAddress address, int maxConnections,
                                  BiConsumer<SocketChannel, Runnable> connections) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(address, Math.max(128, maxConnections));
            return new Listener(catalyst, server, maxConnections, connections);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static void serve(Catalyst catalyst, SocketChannel socket, Runnable release, BiConsumer<Graph, Connection> each) {
        SocketEndpoints endpoints = SocketEndpoints.of(catalyst, socket);
        Graph graph = Graph.on(catalyst);
        CompletableFuture<Void> finished;
        Connection connection = new Connection(endpoints.source(), endpoints.sink(), remoteAddress(socket));
        try {
            each.accept(graph, connection);
            finished = graph.start();
        } catch (RuntimeException e) {
            // The callback's own failure: nothing else sees it, so it is reported here, once.
            Reactor.of(catalyst).handleReport("listener callback failed for the " + connection, e);
            finished = CompletableFuture.failedFuture(e);
        }
        finished.whenComplete((ok, failure) -> catalyst.execute(() -> {
            endpoints.source().handleClose(failure);
            endpoints.sink().handleClose(failure);
            closeQuietly(socket);
            release.run();
        }));
    }

    private static SocketAddress remoteAddress(SocketChannel socket) {
        try {
            return socket.getRemoteAddress();
        } catch (IOException closedAlready) {
            return null;
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell
        }
    }

    /** The bound address, with the port the system picked. */
    public InetSocketAddress address() {
        return address;
    }

    /** Connections open now. Safe from any thread. */
    public int openConnections() {
        return slots.openConnections();
    }

    /** The most connections open at once so far. Safe from any thread. */
    public int peakConnections() {
        return slots.peakConnections();
    }

    /** Completes when the listener has stopped and every connection it accepted has closed. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Stops accepting; connections already accepted finish on their own. Safe from any thread. */
    @Override
    public void close() {
        catalyst.execute(accepts::handleStop);
    }
}
