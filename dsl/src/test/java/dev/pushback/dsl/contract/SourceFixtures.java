package dev.pushback.dsl.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.pushback.catalyst.endpoint.AcceptSource;
import dev.pushback.catalyst.endpoint.BufferEndpoint;
import dev.pushback.catalyst.endpoint.ChannelSource;
import dev.pushback.catalyst.endpoint.FileSource;
import dev.pushback.catalyst.endpoint.IntervalSource;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.catalyst.endpoint.SocketEndpoints;
import dev.pushback.catalyst.endpoint.StreamSource;
import dev.pushback.catalyst.flow.PublisherSource;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;
import dev.pushback.dsl.http.HttpServer;

/** Every source implementation of the project, each on real IO where it has IO. */
final class SourceFixtures {
    private SourceFixtures() {}

    /** A connected loopback socket pair: {@code ours} is handed to the endpoint, {@code peer} is the test's. */
    record SocketPair(SocketChannel ours, SocketChannel peer) {
        static SocketPair open(Rig rig) throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress("127.0.0.1", 0));
                SocketChannel peer = rig.closeLater(SocketChannel.open(server.getLocalAddress()));
                SocketChannel ours = rig.closeLater(server.accept());
                return new SocketPair(ours, peer);
            }
        }

        /** Closes the peer with SO_LINGER 0: a reset (RST), so our side's next read or write fails. */
        void resetPeer() throws IOException {
            peer.setOption(StandardSocketOptions.SO_LINGER, 0);
            peer.close();
        }
    }

    // ---------------------------------------------------------------- ChannelSource

    /** {@link ChannelSource} on the read end of a {@link Pipe}. */
    static final class PipeChannelSource extends SourceFixture.Bytes {
        private final Pipe pipe;
        private final Units.Outbox writer;

        PipeChannelSource(Rig rig) throws IOException {
            super(rig);
            pipe = Pipe.open();
            rig.closeLater(pipe.source());
            rig.closeLater(pipe.sink());
            pipe.sink().configureBlocking(false);
            writer = new Units.Outbox(pipe.sink());
            rig.pump(writer::pump);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            startAlone(ChannelSource.of(rig.catalyst, pipe.source()), downstream);
        }

        @Override
        void supply(int unit) {
            writer.add(Units.sourceBytes(unit));
        }

        @Override
        void end() {
            writer.endWith(() -> pipe.sink().close());
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.none("a pipe's read end gives bytes or the end of the stream: nothing its writer does makes a read fail");
        }

        @Override
        void assertArmed() {
            assertThat(((ChannelSource) source).handleInterestOps()).as("OP_READ registered").isEqualTo(SelectionKey.OP_READ);
        }

        @Override
        void assertReleased() {
            assertThat(pipe.source().isOpen()).as("the pipe's read end is closed").isFalse();
        }
    }

    /** {@link ChannelSource}, the source side of {@link SocketEndpoints}, on a loopback socket. */
    static final class SocketChannelSource extends SourceFixture.Bytes {
        private final SocketPair pair;
        private final Units.Outbox writer;

        SocketChannelSource(Rig rig) throws IOException {
            super(rig);
            pair = SocketPair.open(rig);
            pair.peer().configureBlocking(false);
            writer = new Units.Outbox(pair.peer());
            rig.pump(writer::pump);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            startAlone(SocketEndpoints.of(rig.catalyst, pair.ours()).source(), downstream);
        }

        @Override
        void supply(int unit) {
            writer.add(Units.sourceBytes(unit));
        }

        @Override
        void end() {
            writer.endWith(() -> pair.peer().shutdownOutput());
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.of("the peer resets the connection (SO_LINGER 0)", "Connection reset", Timing.AT_NEXT_POLL);
        }

        @Override
        void fail() throws IOException {
            pair.resetPeer();
        }

        @Override
        void assertArmed() {
            assertThat(((ChannelSource) source).handleInterestOps()).as("OP_READ registered").isEqualTo(SelectionKey.OP_READ);
        }

        @Override
        void assertReleased() {
            assertThat(pair.ours().isOpen()).as("the socket is closed (its only open side closed)").isFalse();
        }
    }

    // ---------------------------------------------------------------- FileSource

    /** {@link FileSource} on a temporary regular file. */
    static final class TempFileSource extends SourceFixture.Bytes {
        private final Path dir;
        private final Path file;
        private Path opened;

        TempFileSource(Rig rig) throws IOException {
            super(rig);
            dir = Files.createTempDirectory("pushback-contract");
            file = Files.createFile(dir.resolve("input"));
            opened = file;
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) throws IOException {
            startAlone(FileSource.open(rig.catalyst, opened), downstream);
        }

        @Override
        boolean suppliesUpFront() {
            return true;
        }

        @Override
        void supply(int unit) throws IOException {
            Files.write(file, Units.sourceBytes(unit), StandardOpenOption.APPEND);
        }

        @Override
        void end() {
            // a regular file ends where its bytes end: nothing to do
        }

        @Override
        Availability availability() {
            return Availability.ALWAYS_AVAILABLE;
        }

        @Override
        Failure failure() {
            return Failure.fromStart("a directory opened as the file: its first read fails (EISDIR)", "Is a directory",
                Timing.AT_NEXT_POLL);
        }

        @Override
        void failFromStart() {
            opened = dir;
        }

        @Override
        void assertReleased() {
            assertThat(((FileSource) source).channel().isOpen()).as("the file channel is closed").isFalse();
        }

        @Override
        public void close() throws IOException {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    // ---------------------------------------------------------------- StreamSource

    /** {@link StreamSource} bridging the {@code InputStream} of a blocking loopback socket. */
    static final class SocketStreamSource extends SourceFixture.Bytes {
        private final SocketPair pair;
        private final Units.Outbox writer;

        SocketStreamSource(Rig rig) throws IOException {
            super(rig);
            pair = SocketPair.open(rig);
            pair.peer().configureBlocking(false);
            writer = new Units.Outbox(pair.peer());
            rig.pump(writer::pump);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) throws IOException {
            startAlone(StreamSource.of(rig.catalyst, "socket stream", pair.ours().socket().getInputStream()), downstream);
        }

        @Override
        void supply(int unit) {
            writer.add(Units.sourceBytes(unit));
        }

        @Override
        void end() {
            writer.endWith(() -> pair.peer().shutdownOutput());
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.of("the peer resets the connection under the helper's blocking read", "Connection reset",
                Timing.AT_ONCE);
        }

        @Override
        void fail() throws IOException {
            pair.resetPeer();
        }

        @Override
        void assertReleased() {
            assertThat(pair.ours().isOpen()).as("the stream's socket is closed").isFalse();
        }
    }

    /** {@link StreamSource} bridging the read end of a {@link Pipe} in blocking mode, as a channel. */
    static final class PipeStreamSource extends SourceFixture.Bytes {
        private final Pipe pipe;
        private final Units.Outbox writer;

        PipeStreamSource(Rig rig) throws IOException {
            super(rig);
            pipe = Pipe.open();
            rig.closeLater(pipe.source());
            rig.closeLater(pipe.sink());
            pipe.sink().configureBlocking(false);
            writer = new Units.Outbox(pipe.sink());
            rig.pump(writer::pump);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            startAlone(StreamSource.of(rig.catalyst, "pipe stream", pipe.source()), downstream);
        }

        @Override
        void supply(int unit) {
            writer.add(Units.sourceBytes(unit));
        }

        @Override
        void end() {
            writer.endWith(() -> pipe.sink().close());
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.none("a pipe's read end gives bytes or the end of the stream: nothing its writer does makes a read fail");
        }

        @Override
        void assertReleased() {
            assertThat(pipe.source().isOpen()).as("the pipe's read end is closed").isFalse();
        }
    }

    // ---------------------------------------------------------------- in-memory sources

    /** {@link ManualSource}: elements pushed by the application, readable when it says so. */
    static final class Manual extends SourceFixture.Elements {
        private ManualSource<Object> manual;

        Manual(Rig rig) {
            super(rig);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            manual = new ManualSource<>(rig.catalyst, "manual");
            startAlone(manual, downstream);
        }

        @Override
        Object element(int unit) {
            return "m" + unit;
        }

        @Override
        void supply(int unit) {
            rig.run(() -> {
                manual.handlePush(element(unit));
                manual.handleSetReadable(true);
            });
        }

        @Override
        void end() {
            rig.run(() -> {
                manual.handleFinish();
                manual.handleSetReadable(true);
            });
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.none("no underlying IO: its elements are the application's own");
        }

        @Override
        void assertReleased() {
            assertThat(manual.handleIsClosed()).isTrue();
        }
    }

    /** {@link IntervalSource} on the rig's hand-moved clock: each supply is one period. */
    static final class Interval extends SourceFixture.Elements {
        private static final Duration PERIOD = Duration.ofMillis(10);
        private IntervalSource interval;

        Interval(Rig rig) {
            super(rig);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            interval = IntervalSource.every(rig.catalyst, PERIOD);
            startAlone(interval, downstream);
        }

        @Override
        Object element(int unit) {
            return (long) unit + 1; // the number of the tick
        }

        @Override
        void supply(int unit) {
            rig.clock.advance(PERIOD.toNanos());
        }

        @Override
        void end() {
            rig.run(interval::handleStop);
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.none("no underlying IO: its input is the catalyst's own timer wheel");
        }

        @Override
        void assertArmed() {
            assertThat(rig.core.handleTimerCount()).as("its next tick is scheduled").isEqualTo(1);
        }

        @Override
        void assertReleased() {
            // its timer: checked by the contract (the catalyst's timers are back to where they were)
            assertThat(interval.handleIsClosed()).isTrue();
        }
    }

    /** The source side of a {@link BufferEndpoint} fed by a writer fiber from a {@link ManualSource}. */
    static final class Buffer extends SourceFixture.Elements {
        private ManualSource<Object> writer;
        private final AtomicBoolean writerFails = new AtomicBoolean();

        Buffer(Rig rig) {
            super(rig);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void open(Consumer<Feed<Object>> downstream) {
            writer = new ManualSource<>(rig.catalyst, "writer");
            BufferEndpoint<Object> buffer = new BufferEndpoint<>(rig.catalyst, "lookahead", 2);
            Graph graph = Graph.on(rig.catalyst);
            graph.from(writer).map(element -> {
                if (writerFails.get()) {
                    throw new IllegalStateException("the buffer's writer failed");
                }
                return element;
            }).to(buffer.sink());
            downstream.accept(graph.from(buffer.source()));
            source = buffer.source();
            plan = (CompiledPlan) graph.compile();
            graph.start();
        }

        @Override
        Object element(int unit) {
            return "b" + unit;
        }

        @Override
        void supply(int unit) {
            rig.run(() -> {
                writer.handlePush(element(unit));
                writer.handleSetReadable(true);
            });
        }

        @Override
        void end() {
            rig.run(() -> {
                writer.handleFinish();
                writer.handleSetReadable(true);
            });
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.of("the fiber writing into the buffer fails", "the buffer's writer failed", Timing.AT_ONCE);
        }

        @Override
        void fail() {
            writerFails.set(true);
            rig.run(() -> {
                writer.handlePush("doomed");
                writer.handleSetReadable(true);
            });
        }

        /** The reader is gone: the buffer discards what its writer gives, until the writer ends. */
        @Override
        void settle() {
            rig.run(() -> {
                if (!writer.handleIsClosed()) {
                    writer.handleFinish();
                    writer.handleSetReadable(true);
                }
            });
        }

        @Override
        void assertReleased() {
            assertThat(writer.handleIsClosed()).as("the writer's source closed too").isTrue();
        }
    }

    /** {@link AcceptSource} on a listening loopback socket: each unit is a client connecting. */
    static final class Accept extends SourceFixture.Elements {
        private final ServerSocketChannel server;
        private final SocketAddress address;
        private final List<SocketChannel> clients = new ArrayList<>();
        private AcceptSource accept;

        Accept(Rig rig) throws IOException {
            super(rig);
            server = rig.closeLater(ServerSocketChannel.open());
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            address = server.getLocalAddress();
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            accept = AcceptSource.of(rig.catalyst, server);
            // every accepted connection is the test's to close
            startAlone(accept, feed -> downstream.accept(feed.map(connection -> (Object) rig.closeLater((SocketChannel) connection))));
        }

        @Override
        Object element(int unit) {
            throw new UnsupportedOperationException("compared by address");
        }

        @Override
        void supply(int unit) throws IOException {
            clients.add(rig.closeLater(SocketChannel.open(address))); // connected once the backlog has it
        }

        @Override
        void end() {
            rig.run(accept::handleStop);
        }

        @Override
        void assertOutput(Recorder recorder, int units) {
            assertThat(recorder.handleElements()).as("one connection per client").hasSize(units);
            for (int i = 0; i < units; i++) {
                SocketChannel accepted = (SocketChannel) recorder.handleElements().get(i);
                try {
                    assertThat(accepted.getRemoteAddress()).as("connection %d is client %d's", i, i)
                        .isEqualTo(clients.get(i).getLocalAddress());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.none("accept fails only when the process runs out of descriptors, which a test cannot cause safely");
        }

        @Override
        void assertReleased() {
            assertThat(server.isOpen()).as("the listening socket is closed").isFalse();
        }
    }

    /** {@link PublisherSource} subscribed to a publisher the test drives by hand, one signal at a time. */
    static final class Publisher extends SourceFixture.Elements {
        private final AtomicLong requested = new AtomicLong();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private volatile Flow.Subscriber<? super Object> subscriber;
        private long delivered;
        private boolean terminated;

        Publisher(Rig rig) {
            super(rig);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            Flow.Publisher<Object> publisher = s -> {
                subscriber = s;
                s.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                        requested.addAndGet(n);
                    }

                    @Override
                    public void cancel() {
                        cancelled.set(true);
                    }
                });
            };
            startAlone(PublisherSource.of(rig.catalyst, "publisher", publisher), downstream);
        }

        @Override
        Object element(int unit) {
            return "p" + unit;
        }

        @Override
        void supply(int unit) throws Exception {
            rig.until("the source requested element " + unit, () -> requested.get() > delivered);
            delivered++;
            subscriber.onNext(element(unit)); // from the test thread, as a publisher's own thread would
        }

        @Override
        void end() {
            terminated = true;
            subscriber.onComplete();
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.of("the publisher signals onError", "the publisher failed", Timing.AT_ONCE);
        }

        @Override
        void fail() {
            terminated = true;
            subscriber.onError(new IOException("the publisher failed"));
        }

        @Override
        void assertArmed() {
            assertThat(requested.get()).as("one element requested and not yet given").isEqualTo(delivered + 1);
        }

        @Override
        void assertReleased() {
            assertThat(requested.get()).as("never more than one element ahead").isLessThanOrEqualTo(delivered + 1);
            if (!terminated) {
                assertThat(cancelled).as("a source closed before its stream ended cancels (Reactive Streams 2.6)").isTrue();
            } else {
                assertThat(cancelled).as("no cancel after a terminal signal (Reactive Streams 2.4)").isFalse();
            }
        }
    }

    // ---------------------------------------------------------------- HTTP

    /**
     * The request body source of a real {@link HttpServer} on a loopback port, reached the way a
     * handler reaches it ({@code request.body()}); the client sends the body chunked, one unit
     * per chunk, and {@code Connection: close}, so the connection closes after the exchange.
     */
    static final class HttpRequestBody extends SourceFixture.Bytes {
        private final SocketChannel client;
        private final Units.Outbox writer;
        private final Units.Inbox reader;
        private Consumer<Feed<Object>> downstream;

        HttpRequestBody(Rig rig) throws IOException {
            super(rig);
            HttpServer server = HttpServer.listen(rig.catalyst, new InetSocketAddress("127.0.0.1", 0),
                HttpServer.Options.defaults().withWorkers(1).withMaxConnections(4)).each((request, response) -> {
                    @SuppressWarnings({"unchecked", "rawtypes"})
                    Feed<Object> body = (Feed) request.body();
                    downstream.accept(body);
                    CompiledPlan exchange = (CompiledPlan) request.graph().compile();
                    plan = exchange;
                    source = exchange.endpoints().stream().filter(AbstractSource.class::isInstance)
                        .map(AbstractSource.class::cast).findFirst().orElseThrow();
                });
            // no server.close() at the end: closing the catalyst stops its listener
            client = rig.closeLater(SocketChannel.open(server.address()));
            client.configureBlocking(false);
            writer = new Units.Outbox(client);
            reader = new Units.Inbox(client);
            rig.pump(writer::pump);
            rig.pump(reader::pump);
        }

        @Override
        protected void open(Consumer<Feed<Object>> downstream) {
            this.downstream = downstream;
            writer.add(("POST /contract HTTP/1.1\r\nHost: contract\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            // the handler runs when the head has arrived: start() waits for it
        }

        @Override
        void supply(int unit) {
            byte[] bytes = Units.sourceBytes(unit);
            writer.add((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            writer.add(bytes);
            writer.add("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        void end() {
            writer.add("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        Availability availability() {
            return Availability.CLEARS_AND_ARMS;
        }

        @Override
        Failure failure() {
            return Failure.of("the client shuts its output down in the middle of the body",
                "the client closed the connection in the middle of the request body", Timing.AT_NEXT_POLL);
        }

        @Override
        void fail() {
            writer.endWith(client::shutdownOutput);
        }

        @Override
        void assertReleased() throws Exception {
            rig.until("the client has read the end of the connection", () -> reader.ends() == 1 || reader.failure() != null);
            assertThat(new String(reader.bytes(), StandardCharsets.ISO_8859_1)).as("the exchange's response")
                .startsWith("HTTP/1.1 ");
        }
    }
}
