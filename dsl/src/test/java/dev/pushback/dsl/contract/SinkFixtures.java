package dev.pushback.dsl.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collector;

import dev.pushback.catalyst.endpoint.BufferEndpoint;
import dev.pushback.catalyst.endpoint.ChannelSink;
import dev.pushback.catalyst.endpoint.CollectorSink;
import dev.pushback.catalyst.endpoint.ConnectionSlots;
import dev.pushback.catalyst.endpoint.FileSink;
import dev.pushback.catalyst.endpoint.InputStreamSink;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.SocketEndpoints;
import dev.pushback.catalyst.endpoint.StreamSink;
import dev.pushback.catalyst.flow.SubscriberSink;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;
import dev.pushback.dsl.contract.SourceFixtures.SocketPair;
import dev.pushback.dsl.http.HttpServer;

/** Every sink implementation of the project, each on real IO where it has IO. */
final class SinkFixtures {
    private SinkFixtures() {}

    /** Small socket buffers, so that a socket that is not read fills after a few chunks. */
    private static final int SOCKET_BUFFER = 8 * 1024;

    private static void smallBuffers(SocketPair pair) throws IOException {
        pair.ours().setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        pair.peer().setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    }

    // ---------------------------------------------------------------- ChannelSink

    /** {@link ChannelSink} on the write end of a {@link Pipe}; the test reads the read end. */
    static final class PipeChannelSink extends SinkFixture.Bytes {
        private final Pipe pipe;
        private final Units.Inbox reader;

        PipeChannelSink(Rig rig) throws IOException {
            super(rig);
            pipe = Pipe.open();
            rig.closeLater(pipe.source());
            rig.closeLater(pipe.sink());
            pipe.source().configureBlocking(false);
            reader = new Units.Inbox(pipe.source());
            rig.pump(reader::pump);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            startAlone(ChannelSink.of(rig.catalyst, pipe.sink()), upstream);
        }

        @Override
        void consume(boolean on) {
            reader.reading(on);
        }

        @Override
        byte[] receivedBytes() {
            return reader.bytes();
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return true; // a pipe nobody reads takes nothing more
        }

        @Override
        void assertArmed(long moved) {
            assertThat(((ChannelSink) sink).handleInterestOps()).as("OP_WRITE registered").isEqualTo(SelectionKey.OP_WRITE);
        }

        @Override
        Failure failure() {
            return Failure.inTheMove("the reader closes the pipe's read end: the next write fails (EPIPE)", "Broken pipe");
        }

        @Override
        void fail() throws IOException {
            pipe.source().close();
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            rig.until("the reader read the end", () -> reader.ends() == 1);
            assertReceived(units);
        }

        @Override
        void assertFailureSeen(Throwable failure) throws Exception {
            if (pipe.source().isOpen()) {
                // a byte stream can only end: the reader reads an end after what was written
                rig.until("the reader read the end", () -> reader.ends() == 1);
            }
        }

        @Override
        void assertReleased() {
            assertThat(pipe.sink().isOpen()).as("the pipe's write end is closed").isFalse();
        }
    }

    /** {@link ChannelSink}, the sink side of {@link SocketEndpoints}, on a loopback socket; the test reads the peer. */
    static final class SocketChannelSink extends SinkFixture.Bytes {
        private final SocketPair pair;
        private final Units.Inbox reader;

        SocketChannelSink(Rig rig) throws IOException {
            super(rig);
            pair = SocketPair.open(rig);
            smallBuffers(pair);
            pair.peer().configureBlocking(false);
            reader = new Units.Inbox(pair.peer());
            rig.pump(reader::pump);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            startAlone(SocketEndpoints.of(rig.catalyst, pair.ours()).sink(), upstream);
        }

        @Override
        void consume(boolean on) {
            reader.reading(on);
        }

        @Override
        byte[] receivedBytes() {
            return reader.bytes();
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return false; // the kernel moves bytes on into the peer's receive buffer after a short write
        }

        @Override
        void assertArmed(long moved) {
            assertThat(((ChannelSink) sink).handleInterestOps()).as("OP_WRITE registered").isEqualTo(SelectionKey.OP_WRITE);
        }

        @Override
        Failure failure() {
            return Failure.inTheMove("the peer resets the connection (SO_LINGER 0): the next write fails", "Connection reset", "Broken pipe");
        }

        @Override
        void fail() throws IOException {
            pair.resetPeer();
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            rig.until("the peer read the end", () -> reader.ends() == 1);
            assertReceived(units);
        }

        @Override
        void assertFailureSeen(Throwable failure) throws Exception {
            if (pair.peer().isOpen()) {
                rig.until("the peer read the end", () -> reader.ends() == 1);
            }
        }

        @Override
        void assertReleased() {
            assertThat(pair.ours().isOpen()).as("the socket is closed (its only open side closed)").isFalse();
        }
    }

    // ---------------------------------------------------------------- FileSink

    /** {@link FileSink} on a temporary regular file. */
    static final class TempFileSink extends SinkFixture.Bytes {
        private static final Path FULL = Path.of("/dev/full");
        private final Path dir;
        private Path path;

        TempFileSink(Rig rig) throws IOException {
            super(rig);
            dir = Files.createTempDirectory("pushback-contract");
            path = dir.resolve("output");
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) throws IOException {
            startAlone(FileSink.create(rig.catalyst, path), upstream);
        }

        @Override
        void consume(boolean on) {
            // a file takes every write whole: there is no consumer to wait for
        }

        @Override
        byte[] receivedBytes() throws IOException {
            return path == FULL ? new byte[0] : Files.readAllBytes(path);
        }

        @Override
        Writability writability() {
            return Writability.ALWAYS_WRITABLE;
        }

        @Override
        boolean stuckUntilConsumed() {
            return false;
        }

        @Override
        Failure failure() {
            return Failure.fromStart("writes go to /dev/full, which fails every write (ENOSPC)", "No space left on device");
        }

        @Override
        void failFromStart() {
            assertThat(FULL).as("a Linux device that fails every write").exists();
            path = FULL;
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            assertReceived(units); // the file holds exactly what was written: nothing after the end
        }

        @Override
        void assertFailureSeen(Throwable failure) {
            // a file has no reader to tell
        }

        @Override
        void assertReleased() {
            assertThat(((FileSink) sink).channel().isOpen()).as("the file channel is closed").isFalse();
        }

        @Override
        public void close() throws IOException {
            Files.deleteIfExists(dir.resolve("output"));
            Files.deleteIfExists(dir);
        }
    }

    // ---------------------------------------------------------------- bridges

    /** {@link StreamSink} bridging the write end of a {@link Pipe} in blocking mode; the test reads the read end. */
    static final class PipeStreamSink extends SinkFixture.Bytes {
        private final Pipe pipe;
        private final Units.Inbox reader;

        PipeStreamSink(Rig rig) throws IOException {
            super(rig);
            pipe = Pipe.open();
            rig.closeLater(pipe.source());
            rig.closeLater(pipe.sink());
            pipe.source().configureBlocking(false);
            reader = new Units.Inbox(pipe.source());
            rig.pump(reader::pump);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            startAlone(StreamSink.of(rig.catalyst, "pipe stream", pipe.sink()), upstream);
        }

        @Override
        void consume(boolean on) {
            reader.reading(on);
        }

        @Override
        byte[] receivedBytes() {
            return reader.bytes();
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return false; // its helper may still be writing into the pipe when the bit clears
        }

        @Override
        Failure failure() {
            return Failure.outsideTheMove("the reader closes the pipe's read end: the helper's write fails (EPIPE)", "Broken pipe");
        }

        @Override
        void fail() throws IOException {
            pipe.source().close();
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            rig.until("the reader read the end", () -> reader.ends() == 1);
            assertReceived(units);
        }

        @Override
        void assertFailureSeen(Throwable failure) {
            // the reader is the one that failed it
        }

        @Override
        void assertReleased() {
            assertThat(pipe.sink().isOpen()).as("the pipe's write end is closed").isFalse();
        }
    }

    /** {@link StreamSink} bridging the {@code OutputStream} of a blocking loopback socket; the test reads the peer. */
    static final class SocketStreamSink extends SinkFixture.Bytes {
        private final SocketPair pair;
        private final Units.Inbox reader;

        SocketStreamSink(Rig rig) throws IOException {
            super(rig);
            pair = SocketPair.open(rig);
            smallBuffers(pair);
            pair.peer().configureBlocking(false);
            reader = new Units.Inbox(pair.peer());
            rig.pump(reader::pump);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) throws IOException {
            startAlone(StreamSink.of(rig.catalyst, "socket stream", pair.ours().socket().getOutputStream()), upstream);
        }

        @Override
        void consume(boolean on) {
            reader.reading(on);
        }

        @Override
        byte[] receivedBytes() {
            return reader.bytes();
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return false; // its helper, and the kernel, may still take bytes after the bit cleared
        }

        @Override
        Failure failure() {
            return Failure.outsideTheMove("the peer resets the connection: the helper's blocking write fails", "Connection reset",
                "Broken pipe");
        }

        @Override
        void fail() throws IOException {
            pair.resetPeer();
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            rig.until("the peer read the end", () -> reader.ends() == 1);
            assertReceived(units);
        }

        @Override
        void assertFailureSeen(Throwable failure) {
            // the peer is the one that failed it
        }

        @Override
        void assertReleased() {
            assertThat(pair.ours().isOpen()).as("the stream's socket is closed").isFalse();
        }
    }

    /**
     * {@link InputStreamSink}: the test's own reader thread reads its {@code InputStream}, started
     * when the consumer takes; before that nobody reads, and the two hand-off buffers stay out.
     */
    static final class InputStreamReader extends SinkFixture.Bytes {
        private final ByteArrayOutputStream read = new ByteArrayOutputStream();
        private final AtomicInteger ends = new AtomicInteger();
        private final AtomicBoolean closeEarly = new AtomicBoolean();
        private final CompletableFuture<Throwable> readerDone = new CompletableFuture<>();
        private InputStreamSink inputStreamSink;
        private Thread thread;

        InputStreamReader(Rig rig) {
            super(rig);
        }

        private boolean taking;

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            inputStreamSink = InputStreamSink.of(rig.catalyst, "input stream");
            startAlone(inputStreamSink, upstream);
            consume(taking);
        }

        @Override
        void consume(boolean on) {
            taking = on;
            if (on && thread == null && inputStreamSink != null) {
                thread = new Thread(this::readAll, "contract input stream reader");
                thread.setDaemon(true);
                thread.start();
            }
        }

        private void readAll() {
            InputStream in = inputStreamSink.inputStream();
            byte[] buffer = new byte[3000]; // not a chunk: reads cut hand-offs
            try {
                while (true) {
                    if (closeEarly.get()) {
                        in.close(); // the reader gives up: it fails the sink, like a closed pipe
                        readerDone.complete(null);
                        return;
                    }
                    int n = in.read(buffer);
                    if (n < 0) {
                        ends.incrementAndGet();
                        if (in.read(buffer) < 0) { // and it stays at the end
                            ends.incrementAndGet();
                        }
                        readerDone.complete(null);
                        return;
                    }
                    synchronized (read) {
                        read.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                readerDone.complete(e);
            }
        }

        @Override
        byte[] receivedBytes() {
            synchronized (read) {
                return read.toByteArray();
            }
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return true; // nobody reads: the hand-off buffers never come back
        }

        @Override
        Failure failure() {
            return Failure.outsideTheMove("the reader closes the stream early, on its own thread", "closed by its reader");
        }

        @Override
        void fail() {
            closeEarly.set(true); // at its next read: the reader thread owns the stream
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            assertThat(readerDone.get(30, TimeUnit.SECONDS)).as("the reader ended without a failure").isNull();
            assertThat(ends).as("-1 at the end, and again after it").hasValue(2);
            assertReceived(units);
        }

        @Override
        void assertFailureSeen(Throwable failure) throws Exception {
            Throwable seen = readerDone.get(30, TimeUnit.SECONDS);
            if (!closeEarly.get()) {
                assertThat(seen).as("the reader's read threw the graph's failure, after what came before it").isNotNull();
            }
        }

        @Override
        void assertReleased() throws Exception {
            if (thread != null) {
                readerDone.get(30, TimeUnit.SECONDS);
                thread.join(30_000);
                assertThat(thread.isAlive()).as("the reader is not left waiting").isFalse();
            }
        }
    }

    // ---------------------------------------------------------------- in-memory sinks

    /** {@link ManualSink}: its writability is the test's; it takes three elements, then turns unwritable. */
    static final class Manual extends SinkFixture.Elements {
        private ManualSink<Object> manual;
        private boolean taking = true;

        Manual(Rig rig) {
            super(rig);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            manual = new ManualSink<>(rig.catalyst, "manual");
            if (!taking) {
                rig.run(() -> manual.handleAcceptThenBlock(3));
            }
            startAlone(manual, upstream);
        }

        @Override
        void consume(boolean on) {
            taking = on;
            if (manual != null) {
                rig.run(() -> {
                    if (on) {
                        manual.handleSetWritable(true);
                    } else {
                        manual.handleAcceptThenBlock(3);
                    }
                });
            }
        }

        @Override
        List<?> receivedElements() {
            return List.copyOf(manual.handleReceived());
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return true;
        }

        /** Elements offered while it was unwritable: only the rest of an expansion (N8). */
        @Override
        long pending(long moved) {
            return manual.handlePendingCount();
        }

        @Override
        long maxPending() {
            return 1;
        }

        @Override
        Failure failure() {
            return Failure.none("no underlying IO: what it takes is recorded in memory");
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            assertReceived(units);
            assertThat(manual.handlePendingCount()).as("nothing left pending").isZero();
        }

        @Override
        void assertFailureSeen(Throwable failure) {
            // no consumer beyond the test
        }

        @Override
        void assertReleased() {
            assertThat(manual.handleIsClosed()).isTrue();
        }
    }

    /** {@link CollectorSink} collecting into a list the test can watch, always writable (N10). */
    static final class Collecting extends SinkFixture.Elements {
        private final List<Object> collected = new CopyOnWriteArrayList<>();
        private final AtomicBoolean accumulatorFails = new AtomicBoolean();
        private CollectorSink<Object, List<Object>, List<Object>> collector;

        Collecting(Rig rig) {
            super(rig);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            collector = CollectorSink.of(rig.catalyst, Collector.<Object, List<Object>, List<Object>>of(() -> collected,
                (list, element) -> {
                    if (accumulatorFails.get()) {
                        throw new IllegalStateException("the collector's accumulator failed");
                    }
                    list.add(element);
                },
                (a, b) -> a, List::copyOf));
            startAlone(collector, upstream);
        }

        @Override
        void consume(boolean on) {
            // always writable: it folds every element at once
        }

        @Override
        List<?> receivedElements() {
            return collected;
        }

        @Override
        Writability writability() {
            return Writability.ALWAYS_WRITABLE;
        }

        @Override
        boolean stuckUntilConsumed() {
            return false;
        }

        @Override
        long pending(long moved) {
            return 0;
        }

        @Override
        long maxPending() {
            return 0;
        }

        @Override
        Failure failure() {
            return Failure.inTheMove("its consumer, the collector's accumulator, throws", "the collector's accumulator failed");
        }

        @Override
        void fail() {
            accumulatorFails.set(true);
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            assertThat(collector.result()).as("the result, completed once at the end (N10)").isCompleted();
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < units; i++) {
                expected.add(element(i));
            }
            assertThat(collector.result().join()).isEqualTo(expected);
        }

        @Override
        void assertFailureSeen(Throwable failure) {
            assertThat(collector.result()).as("the result failed with the fiber (N10)").isCompletedExceptionally();
            assertThat(Rig.failureOf(collector.result())).isSameAs(failure);
        }

        @Override
        void assertReleased() {
            assertThat(collector.result()).as("the result is completed one way or the other").isDone();
        }
    }

    /** The sink side of a {@link BufferEndpoint} of two, read by a reader fiber into a {@link Recorder}. */
    static final class Buffer extends SinkFixture.Elements {
        private static final int CAPACITY = 2;
        private Recorder reader;
        private boolean taking = true;
        private BufferEndpoint<Object> buffer;

        Buffer(Rig rig) {
            super(rig);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void open(Function<Graph, Feed<Object>> upstream) {
            buffer = new BufferEndpoint<>(rig.catalyst, "lookahead", CAPACITY);
            reader = new Recorder(rig.catalyst, "reader");
            boolean writable = taking;
            rig.run(() -> reader.handleSetWritable(writable));
            Graph graph = Graph.on(rig.catalyst);
            sink = buffer.sink();
            upstream.apply(graph).to(buffer.sink());
            graph.from(buffer.source()).to(reader);
            plan = (CompiledPlan) graph.compile();
            graph.start();
        }

        @Override
        void consume(boolean on) {
            taking = on;
            if (reader != null) {
                rig.run(() -> reader.handleSetWritable(on));
            }
        }

        @Override
        List<?> receivedElements() {
            return List.copyOf(reader.handleElements());
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return true;
        }

        /** It takes each element whole into its store: nothing is ever pending. */
        @Override
        long pending(long moved) {
            return 0;
        }

        @Override
        long maxPending() {
            return 0;
        }

        /** What it stores instead is bounded: an explicit buffer(n) is unwritable once it holds n (N3). */
        @Override
        void assertArmed(long moved) {
            assertThat(moved - reader.handleElements().size()).as("full: %s elements stored", CAPACITY).isEqualTo(CAPACITY);
        }

        @Override
        Failure failure() {
            return Failure.none("no underlying IO: a reader that fails makes it discard what it is given (documented), not fail");
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            assertReceived(units);
            assertThat(rig.read(reader::handleFinishes)).as("the end passed through the buffer once").isEqualTo(1);
        }

        @Override
        void assertFailureSeen(Throwable failure) throws Exception {
            rig.until("the reader heard of the failure", reader::handleIsClosed);
            assertThat(Rig.failureOf(reader.closed())).as("the failure passed through the buffer").isSameAs(failure);
        }

        @Override
        void assertReleased() {
            assertThat(buffer.source().handleIsClosed()).as("its source side closed too").isTrue();
        }
    }

    /** {@link ConnectionSlots} of two, offered real loopback connections; its handler holds each until the test releases it. */
    static final class Slots extends SinkFixture.Elements {
        private static final int MAX = 2;
        private final ServerSocketChannel server;
        private final List<SocketChannel> made = new ArrayList<>();
        private final List<SocketChannel> handed = Collections.synchronizedList(new ArrayList<>());
        private final List<Runnable> held = new ArrayList<>();
        private final AtomicBoolean handlerFails = new AtomicBoolean();
        private boolean releasing = true;

        Slots(Rig rig) throws IOException {
            super(rig);
            server = rig.closeLater(ServerSocketChannel.open());
            server.bind(new InetSocketAddress("127.0.0.1", 0));
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            startAlone(new ConnectionSlots(rig.catalyst, MAX, (connection, release) -> {
                if (handlerFails.get()) {
                    throw new IllegalStateException("the connection handler failed");
                }
                handed.add(connection);
                Runnable closeAndRelease = () -> {
                    try {
                        connection.close();
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    release.run();
                };
                if (releasing) {
                    closeAndRelease.run(); // a connection served at once
                } else {
                    held.add(closeAndRelease);
                }
            }), upstream);
        }

        @Override
        Object element(int i) throws IOException {
            while (made.size() <= i) {
                rig.closeLater(SocketChannel.open(server.getLocalAddress()));
                made.add(rig.closeLater(server.accept()));
            }
            return made.get(i);
        }

        @Override
        void consume(boolean on) {
            rig.run(() -> {
                releasing = on;
                if (on) {
                    held.forEach(Runnable::run);
                    held.clear();
                }
            });
        }

        @Override
        List<?> receivedElements() {
            return handed;
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return true;
        }

        /** It takes each connection whole: no element is ever pending, only slots are taken (N13). */
        @Override
        long pending(long moved) {
            return 0;
        }

        @Override
        long maxPending() {
            return 0;
        }

        @Override
        void assertArmed(long moved) {
            assertThat(((ConnectionSlots) sink).handleOpenConnections()).as("every slot taken (N13)").isEqualTo(MAX);
        }

        @Override
        Failure failure() {
            return Failure.inTheMove("its consumer, the connection handler, throws", "the connection handler failed");
        }

        @Override
        void fail() {
            handlerFails.set(true);
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            assertReceived(units);
            assertThat(rig.read(((ConnectionSlots) sink)::handleOpenConnections)).as("it closed once every slot was free").isZero();
        }

        @Override
        void assertFailureSeen(Throwable failure) {
            // the handler is the one that failed
        }

        @Override
        void assertReleased() {
            assertThat(held).as("no connection left holding a slot").isEmpty();
            for (SocketChannel connection : handed) {
                assertThat(connection.isOpen()).as("every connection it handed out was served and closed").isFalse();
            }
        }
    }

    /** {@link SubscriberSink} with a subscriber the test drives: no demand until the consumer takes. */
    static final class Subscriber extends SinkFixture.Elements {
        private final List<Object> received = new CopyOnWriteArrayList<>();
        private final List<Throwable> errors = new CopyOnWriteArrayList<>();
        private final AtomicInteger completions = new AtomicInteger();
        private final AtomicBoolean throwing = new AtomicBoolean();
        private volatile Flow.Subscription subscription;
        private boolean requested;

        Subscriber(Rig rig) {
            super(rig);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) throws Exception {
            SubscriberSink<Object> subscriberSink = new SubscriberSink<>(rig.catalyst, "subscriber");
            subscriberSink.subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    subscription = s;
                }

                @Override
                public void onNext(Object item) {
                    if (throwing.get()) {
                        throw new IllegalStateException("the subscriber failed in onNext");
                    }
                    received.add(item);
                }

                @Override
                public void onError(Throwable throwable) {
                    errors.add(throwable);
                }

                @Override
                public void onComplete() {
                    completions.incrementAndGet();
                }
            });
            rig.until("the subscriber has its subscription", () -> subscription != null);
            startAlone(subscriberSink, upstream);
            if (requested) {
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        void consume(boolean on) {
            if (on && !requested) {
                requested = true;
                if (subscription != null) {
                    subscription.request(Long.MAX_VALUE); // from the test thread, as a subscriber's own would
                }
            }
            assertThat(on || !requested).as("demand once given is not taken back").isTrue();
        }

        @Override
        List<?> receivedElements() {
            return received;
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return true;
        }

        /** Elements it holds for want of demand: one (its one pending element, N3). */
        @Override
        long pending(long moved) {
            return moved - received.size();
        }

        @Override
        long maxPending() {
            return 1;
        }

        @Override
        Failure failure() {
            return Failure.cancelling("the subscriber throws from onNext (a Reactive Streams 2.13 violation): "
                + "the stream is cut as by a cancel, so the fiber ends rather than fails", "the subscriber failed in onNext");
        }

        @Override
        void fail() {
            throwing.set(true);
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            assertReceived(units);
            assertThat(completions).as("onComplete once").hasValue(1);
            assertThat(errors).isEmpty();
        }

        @Override
        void assertFailureSeen(Throwable failure) {
            if (!throwing.get()) {
                assertThat(errors).as("onError once, with the failure").containsExactly(failure);
            } else {
                assertThat(errors).as("a subscriber that threw gets nothing more (2.13)").isEmpty();
            }
            assertThat(completions).hasValue(0);
        }

        @Override
        void assertReleased() {
            assertThat(completions.get() + errors.size()).as("at most one terminal signal").isLessThanOrEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- HTTP

    /**
     * The response sink of a real {@link HttpServer} on a loopback port, reached as a handler
     * reaches it (the {@code HttpResponse} it is given); the response is chunked, the request
     * says {@code Connection: close}, and the client decodes what it reads.
     */
    static final class HttpResponseSink extends SinkFixture.Bytes {
        private final SocketChannel client;
        private final Units.Outbox writer;
        private final Units.Inbox reader;
        private Function<Graph, Feed<Object>> upstream;

        HttpResponseSink(Rig rig) throws IOException {
            super(rig);
            HttpServer server = HttpServer.listen(rig.catalyst, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1).withMaxConnections(4)).each((request, response) -> {
                    sink = dev.pushback.dsl.internal.Handles.sink(response);
                    @SuppressWarnings({"unchecked", "rawtypes"})
                    Feed<java.nio.ByteBuffer> body = (Feed) upstream.apply(request.graph());
                    body.to(response);
                    plan = (CompiledPlan) request.graph().compile();
                });
            // no server.close() at the end: closing the catalyst stops its listener
            client = SocketChannel.open();
            rig.closeLater(client);
            client.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            client.connect(server.address());
            client.configureBlocking(false);
            writer = new Units.Outbox(client);
            reader = new Units.Inbox(client);
            rig.pump(writer::pump);
            rig.pump(reader::pump);
        }

        @Override
        protected void open(Function<Graph, Feed<Object>> upstream) {
            this.upstream = upstream;
            writer.add("GET /contract HTTP/1.1\r\nHost: contract\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        void consume(boolean on) {
            reader.reading(on);
        }

        @Override
        byte[] receivedBytes() {
            return Chunked.parse(reader.bytes()).body();
        }

        @Override
        Writability writability() {
            return Writability.CLEARS_UNTIL_DRAINED;
        }

        @Override
        boolean stuckUntilConsumed() {
            return false; // the kernel moves bytes on into the client's receive buffer after a short write
        }

        /** It gathers framed bytes into one write per round (N16): they are pending while it is writable. */
        @Override
        boolean pendingOnlyWhileUnwritable() {
            return false;
        }

        /** Framed bytes not yet written: the connection's output, counted in the catalyst's retained bytes. */
        @Override
        long pending(long moved) {
            return rig.core.retainedBytes();
        }

        /** The response's own bound: framed output gathered (N16) beside one element, its head and framing. */
        @Override
        long maxPending() {
            return sink.retainedBound(Rig.CHUNK);
        }

        @Override
        Failure failure() {
            return Failure.outsideTheMove("the client resets the connection (SO_LINGER 0): the round-end write fails", "Connection reset", "Broken pipe");
        }

        @Override
        void fail() throws IOException {
            client.setOption(StandardSocketOptions.SO_LINGER, 0);
            client.close();
        }

        @Override
        void assertEndSeenOnce(int units) throws Exception {
            rig.until("the client read the end of the connection", () -> reader.ends() == 1);
            Chunked response = Chunked.parse(reader.bytes());
            assertThat(response.head()).startsWith("HTTP/1.1 200 ").contains("Transfer-Encoding: chunked\r\n");
            assertThat(response.last()).as("the last chunk, once, and nothing after it").isTrue();
            assertThat(response.after()).isZero();
            assertReceived(units);
        }

        @Override
        void assertFailureSeen(Throwable failure) throws Exception {
            if (client.isOpen()) {
                rig.until("the client read the end of the connection", () -> reader.ends() == 1 || reader.failure() != null);
                assertThat(Chunked.parse(reader.bytes()).last()).as("a failed response is cut short: no last chunk").isFalse();
            }
        }

        @Override
        void assertReleased() throws Exception {
            if (client.isOpen()) {
                reader.reading(true);
                rig.until("the client read the end of the connection", () -> reader.ends() == 1 || reader.failure() != null);
            }
        }
    }

    /** A chunked HTTP/1.1 response as far as it has been read. */
    record Chunked(String head, byte[] body, boolean last, int after) {
        static Chunked parse(byte[] all) {
            int headEnd = indexOf(all, "\r\n\r\n", 0);
            if (headEnd < 0) {
                return new Chunked("", new byte[0], false, 0);
            }
            String head = new String(all, 0, headEnd + 4, StandardCharsets.ISO_8859_1);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int at = headEnd + 4;
            boolean last = false;
            while (true) {
                int lineEnd = indexOf(all, "\r\n", at);
                if (lineEnd < 0) {
                    break;
                }
                int size = Integer.parseInt(new String(all, at, lineEnd - at, StandardCharsets.ISO_8859_1).trim(), 16);
                if (size == 0) {
                    if (lineEnd + 4 <= all.length) {
                        last = true;
                        at = lineEnd + 4; // "0\r\n" and the empty trailer line
                    }
                    break;
                }
                if (lineEnd + 2 + size + 2 > all.length) {
                    break;
                }
                body.write(all, lineEnd + 2, size);
                at = lineEnd + 2 + size + 2;
            }
            return new Chunked(head, body.toByteArray(), last, last ? all.length - at : 0);
        }

        private static int indexOf(byte[] bytes, String what, int from) {
            byte[] pattern = what.getBytes(StandardCharsets.ISO_8859_1);
            outer:
            for (int i = from; i <= bytes.length - pattern.length; i++) {
                for (int j = 0; j < pattern.length; j++) {
                    if (bytes[i + j] != pattern[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }
}
