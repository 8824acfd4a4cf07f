package dev.pushback.dsl;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.catalyst.endpoint.AcceptSource;
import dev.pushback.catalyst.endpoint.ConnectionSlots;
import dev.pushback.catalyst.endpoint.DescriptorBudget;
import dev.pushback.catalyst.endpoint.SocketEndpoints;
import dev.pushback.catalyst.endpoint.TlsEndpoints;
import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * A listening socket whose accepts are negotiated (DESIGN N13): a connection is accepted only
 * while one of its slots is free, so load never exhausts file descriptors — excess clients wait
 * in the kernel backlog. Each connection gets its own graph, built by the {@code each} callback on
 * the catalyst thread and started when it returns; the slot is freed when that graph has finished
 * and the socket's descriptor is released.
 *
 * <p>The slots are {@code maxConnections} or what the process's descriptor limit leaves, whichever
 * is fewer ({@link #maxConnections()}): the limit ({@code ulimit -n}) less the descriptors open
 * when the listener opens and a reserve of 64 or an eighth of the limit, whichever is larger, for
 * the files, pipes and selectors the process opens besides. If an accept still fails for want of
 * descriptors (another listener, files opened later), accepting pauses until a connection closes
 * or a short back-off passes; the pause is reported once and the open connections go on.
 *
 * <p>The address is an {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}. A Unix
 * domain socket's bind creates its file; a bind to a path that exists already fails ("Address
 * already in use"), and removing a stale file left by another process is the caller's business.
 * Closing the listener (or its catalyst) removes the file its bind created.
 *
 * <pre>{@code
 * Listener echo = Listener.open(catalyst, new InetSocketAddress("127.0.0.1", 0), 1000,
 *     (graph, socket) -> graph.from(socket.source()).to(socket.sink()));
 * System.out.println("listening on " + echo.address());
 * Listener local = Listener.open(catalyst, UnixDomainSocketAddress.of("/run/app/echo.sock"), 1000,
 *     (graph, socket) -> graph.from(socket.source()).to(socket.sink()));
 * catalyst.loop();
 * }</pre>
 */
public final class Listener implements AutoCloseable {
    /** How soon a full listener looks at its backlog again when it found no idle connection. */
    private static final long REWATCH_NANOS = 100_000_000L;

    private final Catalyst catalyst;
    private final AcceptSource accepts;
    private final ConnectionSlots slots;
    private final int maxConnections;
    private final Runnable shedIdle;
    private boolean h_rewatchQueued;
    private final SocketAddress localAddress;
    private final CompletableFuture<Void> done;

    private Listener(Catalyst catalyst, ServerSocketChannel server, int maxConnections,
                     BiConsumer<SocketChannel, Runnable> connections, Runnable shedIdle) throws IOException {
        this.catalyst = catalyst;
        this.localAddress = server.getLocalAddress();
        this.accepts = AcceptSource.of(catalyst, server);
        if (localAddress instanceof UnixDomainSocketAddress unix) {
            // The socket has stopped listening (closed, or its catalyst did): the file it made goes.
            accepts.closed().whenComplete((ok, failure) -> removeSocketFile(unix));
        }
        this.maxConnections = maxConnections;
        this.shedIdle = shedIdle;
        // A closed connection gives a descriptor back: a paused accept may try again.
        BiConsumer<SocketChannel, Runnable> resuming = (socket, release) -> connections.accept(socket, () -> {
            release.run();
            accepts.handleResume();
        });
        this.slots = new ConnectionSlots(catalyst, maxConnections, resuming, shedIdle == null ? () -> { } : this::handleFull);
        Graph graph = Graph.on(catalyst);
        graph.from(accepts).to(slots);
        this.done = graph.start();
    }

    /**
     * Binds {@code address} (port 0 picks a free one) and starts accepting, at most {@code
     * maxConnections} at once (fewer if the descriptor limit says so). Safe from any thread.
     */
    public static Listener open(Catalyst catalyst, SocketAddress address, int maxConnections,
                                BiConsumer<Graph, Connection> each) throws IOException {
        return accept(catalyst, address, maxConnections, (socket, release) -> serve(catalyst, socket, release, each));
    }

    /**
     * The same over TLS (DESIGN N18): each accepted connection's source and sink carry the
     * plaintext of a TLS connection served with {@code tls}, whose handshake must be done within
     * {@link TlsServerConfig#handshakeTimeout()}; nothing moves before it is. The end of the sink's
     * input sends close_notify, then a FIN; the client's close_notify ends the source. A failed
     * handshake fails that connection's graph only, and its fibers report it.
     *
     * <pre>{@code
     * TlsServerConfig tls = TlsServerConfig.fromPem(Path.of("fullchain.pem"), Path.of("privkey.pem"));
     * Listener.open(catalyst, new InetSocketAddress(8443), 1000, tls,
     *     (graph, client) -> graph.from(client.source()).to(client.sink()));   // an echo over TLS
     * }</pre>
     */
    public static Listener open(Catalyst catalyst, SocketAddress address, int maxConnections, TlsServerConfig tls,
                                BiConsumer<Graph, Connection> each) throws IOException {
        java.util.Objects.requireNonNull(tls, "tls");
        return accept(catalyst, address, maxConnections, (socket, release) -> serveTls(catalyst, socket, release, tls, each));
    }

    /**
     * The same negotiated accept for a protocol that drives its sockets itself: each accepted
     * socket goes to {@code connections} on the catalyst thread, with the action that frees its
     * slot, to be run once when the socket's descriptor is released (see
     * {@code Reactor.handleAfterChannelsClosed}).
     */
    public static Listener accept(Catalyst catalyst, SocketAddress address, int maxConnections,
                                  BiConsumer<SocketChannel, Runnable> connections) throws IOException {
        return accept(catalyst, address, maxConnections, connections, null);
    }

    /**
     * The same, for a protocol that can tell an idle connection (one with no request under way):
     * while every slot is taken and a client waits in the backlog, {@code shedIdle} runs on the
     * catalyst thread to close the connection that has been idle longest, if there is one, so a
     * flood of connections that say nothing cannot keep out a client that does (nginx does the
     * same when it runs out of connections).
     */
    public static Listener accept(Catalyst catalyst, SocketAddress address, int maxConnections,
                                  BiConsumer<SocketChannel, Runnable> connections, Runnable shedIdle) throws IOException {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
        }
        ServerSocketChannel server = address instanceof UnixDomainSocketAddress
            ? ServerSocketChannel.open(StandardProtocolFamily.UNIX) : ServerSocketChannel.open();
        boolean bound = false;
        try {
            int slots = DescriptorBudget.connections(maxConnections);
            server.bind(address, Math.max(128, slots));
            bound = true;
            return new Listener(catalyst, server, slots, connections, shedIdle);
        } catch (IOException | RuntimeException e) {
            SocketAddress made = bound ? server.getLocalAddress() : null;
            server.close();
            if (made instanceof UnixDomainSocketAddress unix) {
                removeSocketFile(unix); // this bind made it; a file there before made the bind fail
            }
            throw e;
        }
    }

    private static void removeSocketFile(UnixDomainSocketAddress address) {
        try {
            Files.deleteIfExists(address.getPath());
        } catch (IOException ignored) {
            // gone already, or its directory is: nothing is left listening on it either way
        }
    }

    /** Every slot is taken: watch the backlog, and make room when a client waits there. */
    private void handleFull() {
        accepts.handleWatchBacklog(this::handleClientWaiting);
    }

    private void handleClientWaiting() {
        if (!slots.handleIsFull()) {
            return; // a slot came free meanwhile: the accept fiber takes the client
        }
        shedIdle.run();
        // If nothing was idle, look again a little later rather than spin on a readable socket.
        if (!h_rewatchQueued) {
            h_rewatchQueued = true;
            Reactor reactor = Reactor.of(catalyst);
            reactor.handleScheduleAt(reactor.nanoTime() + REWATCH_NANOS, () -> {
                h_rewatchQueued = false;
                if (slots.handleIsFull()) {
                    handleFull();
                }
            });
        }
    }

    private static void serve(Catalyst catalyst, SocketChannel socket, Runnable release, BiConsumer<Graph, Connection> each) {
        SocketEndpoints endpoints = SocketEndpoints.of(catalyst, socket);
        serve(catalyst, socket, endpoints.source(), endpoints.sink(), release, each);
    }

    private static void serveTls(Catalyst catalyst, SocketChannel socket, Runnable release, TlsServerConfig tls,
                                 BiConsumer<Graph, Connection> each) {
        TlsEndpoints endpoints = TlsEndpoints.of(catalyst, socket, tls.newEngine(), tls.handshakeTimeout());
        serve(catalyst, socket, endpoints.source(), endpoints.sink(), release, each);
    }

    private static void serve(Catalyst catalyst, SocketChannel socket, AbstractByteSource source, AbstractByteSink sink,
                              Runnable release, BiConsumer<Graph, Connection> each) {
        Graph graph = Graph.on(catalyst);
        CompletableFuture<Void> finished;
        Connection connection = new Connection(source, sink, remoteAddress(socket));
        try {
            each.accept(graph, connection);
            finished = graph.start();
        } catch (RuntimeException e) {
            // The callback's own failure: nothing else sees it, so it is reported here, once.
            Reactor.of(catalyst).handleReport("listener callback failed for the " + connection, e);
            finished = CompletableFuture.failedFuture(e);
        }
        finished.whenComplete((ok, failure) -> catalyst.execute(() -> {
            source.handleClose(failure);
            sink.handleClose(failure);
            closeQuietly(socket);
            Reactor.of(catalyst).handleAfterChannelsClosed(release);
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

    /**
     * The bound address, with the port the system picked.
     *
     * @throws IllegalStateException when listening on a Unix domain socket: see {@link #localAddress()}
     */
    public InetSocketAddress address() {
        if (localAddress instanceof InetSocketAddress inet) {
            return inet;
        }
        throw new IllegalStateException("listening on the Unix domain socket " + localAddress + ": use localAddress()");
    }

    /**
     * The bound address: an {@link InetSocketAddress} with the port the system picked, or the
     * {@link UnixDomainSocketAddress} of the socket's file.
     */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /** The most connections open at once: the configured maximum, or fewer if the descriptor limit says so. */
    public int maxConnections() {
        return maxConnections;
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
        try {
            catalyst.execute(accepts::handleStop);
        } catch (java.util.concurrent.RejectedExecutionException closedAlready) {
            // the catalyst has closed, and its listening socket with it
        }
    }
}
