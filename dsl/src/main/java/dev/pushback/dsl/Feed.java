package dev.pushback.dsl;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collector;
import java.util.stream.Collectors;

import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.catalyst.Sink;
import dev.pushback.dsl.internal.Handles;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.endpoint.BufferEndpoint;
import dev.pushback.catalyst.endpoint.CollectorSink;
import dev.pushback.catalyst.endpoint.InputStreamSink;
import dev.pushback.catalyst.flow.SubscriberSink;
import dev.pushback.compiler.ir.Node;
import dev.pushback.compiler.Transform;

/**
 * A stream of elements in a {@link Graph}: the output of a source or a stage, not yet connected.
 * Each feed is connected once; to send it to several places, {@link #broadcast()} it. Functions
 * passed here run on the catalyst thread and must not block (DESIGN T4).
 *
 * <pre>{@code
 * graph.stdin().lines()
 *      .filter(line -> !line.isBlank())
 *      .map(String::toUpperCase)
 *      .encodeLines(StandardCharsets.UTF_8)
 *      .to(graph.stdout());
 * }</pre>
 *
 * <p>Byte feeds carry {@link ByteBuffer} chunks valid only during the move: a function that keeps
 * one must copy it. In a broadcast, byte functions must not change the chunk in place.
 *
 * @param <T> the element type
 */
public final class Feed<T> {
    private final Graph graph;
    private final Node node;

    Feed(Graph graph, Node node) {
        this.graph = graph;
        this.node = node;
    }

    Node node() {
        if (graph.compiled()) {
            throw new IllegalStateException("the graph is already compiled; build a new graph");
        }
        return node;
    }

    public Graph graph() {
        return graph;
    }

    private <R> Feed<R> next(Node next) {
        return new Feed<>(graph, next);
    }

    /** One element in, one out. */
    public <R> Feed<R> map(Function<? super T, ? extends R> function) {
        return next(graph.flow.map(node(), function, "map"));
    }

    /** Keeps the elements that pass; a rejected element touches no sink (DESIGN N8). */
    public Feed<T> filter(Predicate<? super T> predicate) {
        return next(graph.flow.filter(node(), predicate, "filter"));
    }

    /**
     * Each element to any number of elements. What the sink cannot take at once becomes its
     * pending element (DESIGN N8).
     */
    public <R> Feed<R> flatMap(Function<? super T, ? extends Iterable<? extends R>> function) {
        return transform("flatMap", () -> (T element, Transform.Emitter<? super R> out) -> {
            for (R result : function.apply(element)) {
                out.emit(result);
            }
        });
    }

    /** A stage with per-fiber state; {@code transform} makes one instance per fiber. */
    public <R> Feed<R> transform(String label, Supplier<? extends Transform<? super T, ? extends R>> transform) {
        return next(graph.flow.transform(node(), transform, label));
    }

    /** Sends every element to every branch, cut-through (DESIGN N4, N5). */
    public Broadcast<T> broadcast() {
        return new Broadcast<>(graph, graph.flow.broadcast(node()));
    }

    /** This feed's elements and the others' to one output (DESIGN N6). */
    @SafeVarargs
    public final Feed<T> union(Feed<? extends T>... others) {
        @SuppressWarnings("unchecked")
        Feed<? extends T>[] all = new Feed[others.length + 1];
        all[0] = this;
        System.arraycopy(others, 0, all, 1, others.length);
        return graph.union(all);
    }

    /** Pairs this feed's elements with {@code other}'s, one each per move (DESIGN N7). */
    public <U, R> Feed<R> intersect(Feed<U> other, java.util.function.BiFunction<? super T, ? super U, ? extends R> combiner) {
        return graph.intersect(this, other, combiner);
    }

    /**
     * An explicit buffer of up to {@code capacity} elements: the writer may run that far ahead of
     * the reader. The only storage in a graph (DESIGN N3); byte chunks are copied in.
     */
    public Feed<T> buffer(int capacity) {
        BufferEndpoint<T> buffer = new BufferEndpoint<>(graph.catalyst(), "buffer(" + capacity + ")", capacity);
        return next(graph.flow.buffer(node(), buffer));
    }

    // ---------------------------------------------------------------- bytes and text

    /**
     * Byte chunks to lines, each a {@link ByteBuffer} including its {@code '\n'} (a last line may
     * have none). Directly on a byte source, lines are views of the chunk, nothing copied.
     */
    public Feed<ByteBuffer> rawLines() {
        return rawLines(AbstractByteSource.DEFAULT_MAX_LINE);
    }

    /** {@link #rawLines()}, refusing lines longer than {@code maxLineLength} bytes. */
    public Feed<ByteBuffer> rawLines(int maxLineLength) {
        return next(graph.flow.lines(node(), () -> new LineSplitter(maxLineLength), maxLineLength));
    }

    /** Byte chunks to UTF-8 lines without their line terminators. */
    public Feed<String> lines() {
        return lines(StandardCharsets.UTF_8);
    }

    /** Byte chunks to lines in {@code charset}, without their {@code "\n"} or {@code "\r\n"}. */
    public Feed<String> lines(Charset charset) {
        Text.LineDecoder decoder = new Text.LineDecoder(charset); // this feed's own: one fiber runs it
        return rawLines().map(decoder::decode);
    }

    /** Byte chunks to text in {@code charset}; a character cut between chunks is kept whole. */
    public Feed<String> decode(Charset charset) {
        return next(graph.flow.transform(node(), () -> new Text.Decoder(charset), "decode " + charset));
    }

    /**
     * Text to bytes in {@code charset}. Each element's bytes are a read-only view valid until the
     * next element, encoded into one reused buffer: a byte sink gathers them (DESIGN N16) and
     * nothing is allocated per element.
     */
    public Feed<ByteBuffer> encode(Charset charset) {
        return transform("encode " + charset, () -> new Text.Encoder(charset, false));
    }

    /** Text to bytes in {@code charset}, each element followed by {@code '\n'}, as {@link #encode}. */
    public Feed<ByteBuffer> encodeLines(Charset charset) {
        return transform("encodeLines " + charset, () -> new Text.Encoder(charset, true));
    }

    // ---------------------------------------------------------------- ends

    /**
     * Connects this feed to {@code sink}.
     *
     * @return completes when the sink has closed: at the end of input, or with its failure
     */
    public CompletableFuture<Void> to(Sink<? super T> sink) {
        graph.flow.sink(node(), Handles.sink(sink));
        return sink.closed();
    }

    /**
     * This byte stream as an {@link InputStream} for ordinary blocking code, which reads it on its
     * own thread at its own pace: the graph runs at most one chunk ahead of the reader (DESIGN
     * N14). It gives -1 at the end of input and throws the graph's failure after the data that
     * came before it; closing it early fails the feeding fiber, like a closed pipe.
     *
     * <pre>{@code
     * InputStream in = graph.read(socket).toInputStream();
     * graph.start();
     * new String(in.readAllBytes(), UTF_8);   // on any thread but the catalyst's
     * }</pre>
     *
     * @throws ClassCastException at run time if the elements are not byte buffers
     */
    public InputStream toInputStream() {
        InputStreamSink sink = InputStreamSink.of(graph.catalyst(), "input stream");
        @SuppressWarnings("unchecked")
        AbstractSink<? super T> typed = (AbstractSink<? super T>) (AbstractSink<?>) sink;
        graph.flow.sink(node(), typed);
        return sink.inputStream();
    }

    /** Folds every element into a result, completed at the end of input (DESIGN N10). */
    public <A, R> CompletableFuture<R> collect(Collector<? super T, A, R> collector) {
        CollectorSink<T, A, R> sink = CollectorSink.of(graph.catalyst(), collector);
        graph.flow.sink(node(), sink);
        return sink.result();
    }

    /** Folds with {@code identity} and {@code operator} (DESIGN N10). */
    public CompletableFuture<T> reduce(T identity, BinaryOperator<T> operator) {
        return collect(Collectors.reducing(identity, operator));
    }

    /** Calls {@code action} for each element, on the catalyst thread. */
    public CompletableFuture<Void> forEach(Consumer<? super T> action) {
        return collect(Collector.of(() -> null, (ignored, element) -> action.accept(element), (a, b) -> a, ignored -> null));
    }

    /** Counts the elements. */
    public CompletableFuture<Long> count() {
        return collect(Collectors.counting());
    }

    /**
     * Connects this feed to a {@link Flow.Subscriber}: its {@code request(n)} is what lets the
     * graph move (DESIGN N1), and the graph runs at most one element ahead of it. Signals reach
     * the subscriber on the catalyst thread; {@code onSubscribe} comes at once, the elements once
     * the graph is started. A cancel ends the graph's reading without a failure (DESIGN N11).
     *
     * <pre>{@code
     * graph.read(path).lines().to(subscriber);
     * graph.start();
     * }</pre>
     *
     * @return completes when the stream has ended ({@code onComplete}) or was cancelled, or
     *     with the failure the subscriber got
     */
    public CompletableFuture<Void> to(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        SubscriberSink<T> sink = new SubscriberSink<>(graph.catalyst(), "subscriber");
        CompletableFuture<Void> closed = to(sink);
        sink.subscribe(subscriber);
        return closed;
    }

    /**
     * This feed as a unicast {@link Flow.Publisher}: the first subscriber starts the graph
     * ({@link Graph#start()}) and gets every element, as fast as it requests them (the graph runs
     * at most one element ahead); any later subscriber is refused with {@code onError} (Reactive
     * Streams 1.11 permits a publisher to serve one). Cancelling ends the graph's reading without
     * a failure (DESIGN N11); a failure of the graph is the subscriber's {@code onError}.
     *
     * <pre>{@code
     * Flow.Publisher<String> lines = Graph.on(catalyst).read(path).lines().toPublisher();
     * lines.subscribe(subscriber);   // starts the graph
     * }</pre>
     */
    public Flow.Publisher<T> toPublisher() {
        SubscriberSink<T> sink = new SubscriberSink<>(graph.catalyst(), "publisher");
        to(sink);
        return new StartingPublisher<>(graph, sink);
    }

    /**
     * A branch builder for a {@link #broadcast()}.
     *
     * @param <T> the element type
     */
    public static final class Broadcast<T> {
        private final Graph graph;
        private final Node node;

        Broadcast(Graph graph, Node node) {
            this.graph = graph;
            this.node = node;
        }

        /** A throttling branch: the input waits until it is writable. */
        public Feed<T> branch() {
            return new Feed<>(graph, graph.flow.branch(node, Node.BranchPolicy.THROTTLING, null));
        }

        /** A throttling branch straight to {@code sink}. */
        public CompletableFuture<Void> to(Sink<? super T> sink) {
            return branch().to(sink);
        }

        /** A branch that never throttles: elements are dropped, and counted, while it cannot take them. */
        public Feed<T> dropping() {
            return new Feed<>(graph, graph.flow.branch(node, Node.BranchPolicy.DROPPING, null));
        }

        /** A throttling branch whose sink is failed and detached after being unwritable for {@code timeout}. */
        public Feed<T> detaching(Duration timeout) {
            return new Feed<>(graph, graph.flow.branch(node, Node.BranchPolicy.DETACHING, timeout));
        }
    }
}
