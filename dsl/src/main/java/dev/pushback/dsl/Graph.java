package dev.pushback.dsl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.BiFunction;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.dsl.internal.Handles;
import dev.pushback.dsl.tls.TlsClientConfig;
import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.Source;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.catalyst.endpoint.ChannelSink;
import dev.pushback.catalyst.endpoint.ChannelSource;
import dev.pushback.catalyst.endpoint.FileSink;
import dev.pushback.catalyst.endpoint.FileSource;
import dev.pushback.catalyst.endpoint.IntervalSource;
import dev.pushback.catalyst.endpoint.SocketEndpoints;
import dev.pushback.catalyst.endpoint.TlsEndpoints;
import dev.pushback.catalyst.endpoint.StreamSink;
import dev.pushback.catalyst.endpoint.StreamSource;
import dev.pushback.catalyst.flow.PublisherSource;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.compiler.internal.Compiler;
import dev.pushback.compiler.Plan;
import dev.pushback.compiler.ir.Dataflow;
import dev.pushback.compiler.ir.Node;

/**
 * A dataflow graph being written: where its sources and sinks come from, and how it starts. Build
 * it on any thread, then {@link #start()} it (the catalyst compiles nothing; the graph is compiled
 * here and its fibers are started on the catalyst thread) or {@link #run()} it on this thread.
 *
 * <p>{@code tee}, with every output throttling the input (DESIGN N4):
 * <pre>{@code
 * try (Catalyst catalyst = Catalyst.open()) {
 *     Graph graph = Graph.on(catalyst);
 *     Feed.Broadcast<ByteBuffer> tee = graph.stdin().broadcast();
 *     tee.to(graph.stdout());
 *     tee.to(graph.write(Path.of("copy.txt")));
 *     graph.run();
 * }
 * }</pre>
 */
public final class Graph {
    private final Catalyst catalyst;
    final Dataflow flow = new Dataflow();
    private CompiledPlan plan;
    private CompletableFuture<Void> started;

    private Graph(Catalyst catalyst) {
        this.catalyst = catalyst;
    }

    /** A new, empty graph for {@code catalyst}. */
    public static Graph on(Catalyst catalyst) {
        return new Graph(catalyst);
    }

    public Catalyst catalyst() {
        return catalyst;
    }

    // ---------------------------------------------------------------- sources

    /** Any source: one the graph made, or a custom one (an {@link dev.pushback.catalyst.spi.AbstractSource}). */
    public <T> Feed<T> from(Source<T> source) {
        return new Feed<>(this, flow.source(Handles.source(source)));
    }

    /**
     * The elements of a {@link Flow.Publisher}, subscribed to when the graph starts. The
     * publisher is asked for one element at a time, the next only once the graph has moved the
     * last, so it never runs more than one element ahead (DESIGN N14); a cancel reaches it when
     * the graph stops reading, and its {@code onError} fails the graph (DESIGN N11).
     *
     * <pre>{@code
     * SubmissionPublisher<String> events = new SubmissionPublisher<>();
     * graph.from(events).map(String::toUpperCase).to(sink);
     * graph.start();
     * events.submit("hello");   // blocks while the graph is behind: submit's own backpressure
     * }</pre>
     */
    public <T> Feed<T> from(Flow.Publisher<? extends T> publisher) {
        return from(PublisherSource.<T>of(catalyst, "publisher", publisher));
    }

    /** Standard input as byte chunks, bridged by a helper thread one chunk ahead (DESIGN N14). */
    public Feed<ByteBuffer> stdin() {
        return from(StreamSource.stdin(catalyst));
    }

    /**
     * A file, opened now: a missing file is an {@link IOException} here, not later. A regular file
     * or a device is always available (DESIGN N14); a FIFO or a socket can block, so it is
     * bridged by a helper thread like stdin.
     */
    public Feed<ByteBuffer> read(Path path) throws IOException {
        if (isBlocking(path)) {
            return from(StreamSource.of(catalyst, path.toString(), java.nio.channels.FileChannel.open(path, StandardOpenOption.READ)));
        }
        return from(FileSource.open(catalyst, path));
    }

    /** Whether IO on {@code path} may block: a FIFO, a socket (not a regular file or a device). */
    private static boolean isBlocking(Path path) {
        return dev.pushback.catalyst.endpoint.FileKinds.mayBlock(path);
    }

    /** A selectable channel (a socket, a pipe's source), owned by the graph from now on. */
    public <C extends SelectableChannel & ReadableByteChannel> Feed<ByteBuffer> read(C channel) {
        return from(ChannelSource.of(catalyst, channel));
    }

    /** A blocking input stream, bridged by a helper thread one chunk ahead (DESIGN N14). */
    public Feed<ByteBuffer> read(String name, InputStream in) {
        return from(StreamSource.of(catalyst, name, in));
    }

    /** A blocking channel (a {@link java.nio.channels.FileChannel} of a device, a custom one), bridged like an input stream. */
    public Feed<ByteBuffer> read(String name, ReadableByteChannel in) {
        return from(StreamSource.of(catalyst, name, in));
    }

    /**
     * A tick every {@code period} (DESIGN N12): elements 1, 2, 3, … from the catalyst's timer
     * wheel. It never ends by itself, so it keeps {@link Catalyst#loop()} running until the
     * catalyst is closed; {@link #interval(Duration, CompletionStage)} ends it on a signal.
     */
    public Feed<Long> interval(Duration period) {
        return from(IntervalSource.every(catalyst, period));
    }

    /** A tick every {@code period} (DESIGN N12), ending when {@code until} completes. */
    public Feed<Long> interval(Duration period, CompletionStage<?> until) {
        IntervalSource source = IntervalSource.every(catalyst, period);
        until.whenComplete((ok, failure) -> {
            try {
                catalyst.execute(source::handleStop);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the catalyst is gone, and the interval with it
            }
        });
        return from(source);
    }

    // ---------------------------------------------------------------- sinks

    /**
     * Standard output; not closed at the end. A pipe or socket is bridged by a helper thread one
     * chunk ahead (DESIGN N14); a regular file or {@code /dev/null} is written directly.
     */
    public Sink<ByteBuffer> stdout() {
        return dev.pushback.catalyst.endpoint.FileKinds.stdoutMayBlock()
            ? StreamSink.stdout(catalyst) : FileSink.stdout(catalyst);
    }

    /** Standard error, bridged like {@link #stdout()}. */
    public Sink<ByteBuffer> stderr() {
        return StreamSink.stderr(catalyst);
    }

    /**
     * A file, created or truncated now. A FIFO or a socket is bridged by a helper thread like
     * stdout, so a reader that stops reading throttles the graph instead of blocking the catalyst.
     */
    public Sink<ByteBuffer> write(Path path) throws IOException {
        if (isBlocking(path)) {
            return StreamSink.of(catalyst, path.toString(), java.nio.channels.FileChannel.open(path, StandardOpenOption.WRITE));
        }
        return FileSink.create(catalyst, path);
    }

    /** A file, created if missing and appended to (as {@code tee -a}); a FIFO is bridged like {@link #write(Path)}. */
    public Sink<ByteBuffer> append(Path path) throws IOException {
        if (isBlocking(path)) {
            return StreamSink.of(catalyst, path.toString(), java.nio.channels.FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
        }
        return FileSink.append(catalyst, path);
    }

    /** A selectable channel (a socket, a pipe's sink), owned by the graph from now on. */
    public <C extends SelectableChannel & WritableByteChannel> Sink<ByteBuffer> write(C channel) {
        return ChannelSink.of(catalyst, channel);
    }

    /** A blocking output stream, bridged by a helper thread one chunk ahead; closed at the end. */
    public Sink<ByteBuffer> write(String name, OutputStream out) {
        return StreamSink.of(catalyst, name, out);
    }

    /** A blocking channel, bridged by a helper thread one chunk ahead; closed at the end. */
    public Sink<ByteBuffer> write(String name, WritableByteChannel out) {
        return StreamSink.of(catalyst, name, out);
    }

    // ---------------------------------------------------------------- connections

    /**
     * A connection to {@code address} with the {@linkplain ConnectOptions#defaults() default
     * options}: see {@link #connect(SocketAddress, ConnectOptions)}.
     */
    public Connection connect(SocketAddress address) throws IOException {
        return connect(address, ConnectOptions.defaults());
    }

    /**
     * A connection to {@code address}, made without blocking when a graph that uses it starts
     * (DESIGN N17). Until the socket is connected its source gives nothing and its sink takes
     * nothing, so nothing moves before; then they follow the socket's readiness like any socket's.
     * The end of the sink's input shuts down the socket's output (the server reads the end of the
     * stream), and the server's end of stream ends the source while the sink can still write.
     *
     * <pre>{@code
     * Connection server = graph.connect(InetSocketAddress.createUnresolved("example.com", 7));
     * graph.stdin().to(server.sink());
     * graph.from(server.source()).to(graph.stdout());
     * graph.run();
     * }</pre>
     *
     * <p>{@code address} is an {@link java.net.InetSocketAddress} or a {@link
     * java.net.UnixDomainSocketAddress}. A host name given unresolved ({@code
     * InetSocketAddress.createUnresolved(host, port)}) is looked up on a resolver thread, never on
     * the catalyst's; {@code new InetSocketAddress(host, port)} looks it up at once, on the calling
     * thread. A connect that is refused, whose name cannot be resolved, or that takes longer than
     * {@link ConnectOptions#connectTimeout()} (on the catalyst's clock) fails the fibers that use
     * the connection with an {@link IOException} naming the address — a {@link
     * java.net.ConnectException}, an {@link java.net.UnknownHostException}, a {@link
     * java.net.SocketTimeoutException} — reported once; the other fibers and the catalyst go on.
     *
     * @throws IOException when the socket cannot be opened, given its options, or bound to
     *     {@link ConnectOptions#localAddress()}: at once, on the calling thread
     */
    public Connection connect(SocketAddress address, ConnectOptions options) throws IOException {
        SocketEndpoints endpoints = SocketEndpoints.connect(catalyst, address, options);
        return new Connection(endpoints.source(), endpoints.sink(), address);
    }

    /**
     * A TLS connection to {@code address} (DESIGN N17, N18): connected as {@link
     * #connect(SocketAddress, ConnectOptions)} connects, then the handshake, with SNI and the
     * certificate checked against the address's host name ({@link TlsClientConfig#newEngine}),
     * within {@link TlsClientConfig#handshakeTimeout()} on the catalyst's clock. Its source gives
     * the plaintext the server sends and its sink takes what is sent; nothing moves before the
     * handshake is done. The end of the sink's input sends close_notify, then shuts down the
     * socket's output; the server's close_notify ends the source (its end of stream without one
     * fails it: what it sent may be cut short).
     *
     * <pre>{@code
     * Connection server = graph.connect(InetSocketAddress.createUnresolved("example.org", 443),
     *     ConnectOptions.defaults(), TlsClientConfig.defaults());
     * graph.stdin().to(server.sink());
     * graph.from(server.source()).to(graph.stdout());
     * graph.run();
     * }</pre>
     *
     * <p>A failed connect fails as a plain one does; a failed handshake — a certificate the
     * config does not trust, a host name it is not for, the deadline — fails the fibers that use
     * the connection with an {@link javax.net.ssl.SSLHandshakeException} naming the address
     * ({@code TLS handshake with example.org:443 failed: ...}), reported once.
     *
     * @param address an {@link InetSocketAddress}, resolved or not: its host string is the name checked
     * @throws IOException when the socket cannot be opened, given its options, or bound
     */
    public Connection connect(InetSocketAddress address, ConnectOptions options, TlsClientConfig tls) throws IOException {
        TlsEndpoints endpoints = TlsEndpoints.connect(catalyst, address, options,
            tls.newEngine(address.getHostString(), address.getPort()), tls.handshakeTimeout());
        return new Connection(endpoints.source(), endpoints.sink(), address);
    }

    // ---------------------------------------------------------------- joins

    /**
     * Every input's elements to one output (DESIGN N6): ready inputs are served in turn, an element
     * is never interleaved with another, and the output ends when all inputs have ended.
     */
    @SafeVarargs
    public final <T> Feed<T> union(Feed<? extends T>... inputs) {
        List<Node> nodes = new ArrayList<>();
        for (Feed<? extends T> input : inputs) {
            nodes.add(input.node());
        }
        return new Feed<>(this, flow.union(nodes));
    }

    /**
     * One element from each input, combined (DESIGN N7): moves only when both are readable and the
     * output writable. Ends when either input ends.
     */
    public <A, B, R> Feed<R> intersect(Feed<A> first, Feed<B> second, BiFunction<? super A, ? super B, ? extends R> combiner) {
        @SuppressWarnings("unchecked")
        java.util.function.Function<Object[], Object> both =
            slots -> combiner.apply((A) slots[0], (B) slots[1]);
        return new Feed<>(this, flow.intersect(List.of(first.node(), second.node()), both));
    }

    /** One element from each of the inputs, as a list in input order (DESIGN N7). */
    public <T, R> Feed<R> intersect(List<Feed<? extends T>> inputs, java.util.function.Function<List<T>, ? extends R> combiner) {
        List<Node> nodes = new ArrayList<>();
        for (Feed<? extends T> input : inputs) {
            nodes.add(input.node());
        }
        @SuppressWarnings("unchecked")
        java.util.function.Function<Object[], Object> all = slots -> combiner.apply((List<T>) List.of(slots));
        return new Feed<>(this, flow.intersect(nodes, all));
    }

    // ---------------------------------------------------------------- running

    /** Compiles the graph (once); further changes to this graph are refused. */
    public synchronized Plan compile() {
        if (plan == null) {
            plan = Compiler.compile(flow, catalyst);
        }
        return plan;
    }

    /** The compiled plan as text (DESIGN C1); after {@link #start()} it shows each endpoint's bit. */
    public String explain() {
        return compile().explain();
    }

    /**
     * Compiles the graph and starts its fibers on the catalyst. Safe from any thread: from another
     * thread the fibers start in the catalyst's next round; on the catalyst thread (in a handler,
     * a task) they start at once and run in this round. Starting a started graph does nothing more, so a
     * publisher from {@link Feed#toPublisher()} may start it and the application may too.
     *
     * @return completes when every fiber has ended and every sink has closed, or with the first failure
     */
    public synchronized CompletableFuture<Void> start() {
        if (started == null) {
            CompiledPlan compiled = (CompiledPlan) compile();
            if (catalyst.inCatalyst()) {
                compiled.handleStart();
            } else {
                catalyst.execute(compiled::handleStart);
            }
            started = compiled.completion();
        }
        return started;
    }

    /**
     * Starts the graph and runs the catalyst on this thread until nothing is open.
     *
     * @throws Exception the first failure of the graph (an IO error, a user exception)
     */
    public void run() throws Exception {
        CompletableFuture<Void> done = start();
        catalyst.loop();
        try {
            done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    boolean compiled() {
        return plan != null;
    }
}
