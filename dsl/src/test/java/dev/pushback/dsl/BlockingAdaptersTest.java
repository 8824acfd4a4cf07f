package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.StreamSource;

/** Issue 4 section 3: blocking streams and channels in and out of a graph, bridged one chunk ahead (DESIGN N14). */
class BlockingAdaptersTest {
    private static final int CHUNK = 64 * 1024;

    private Catalyst catalyst;
    private Thread loop;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName("adapters").withChunkSize(CHUNK).withErrors((what, cause) -> { }));
        catalyst.submit(() -> {
            Core.of(catalyst).handleRetainLoop();
            return null;
        });
        loop = new Thread(catalyst::loop, "adapters-loop");
        loop.start();
    }

    @AfterEach
    void stop() throws Exception {
        catalyst.close();
        loop.join(30_000);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void inputStreamToOutputStreamThroughAMap() throws Exception {
        byte[] data = random(8 << 20, 1);
        PipedOutputStream writer = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(writer, 1 << 16);
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try (writer) {
                writer.write(data);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Graph graph = Graph.on(catalyst);
        CompletableFuture<Void> done = graph.read("piped", in).map(ByteBuffer::duplicate).to(graph.write("memory", out));
        graph.start();
        done.get(60, TimeUnit.SECONDS);
        writing.get(60, TimeUnit.SECONDS);
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void blockingChannelsInAndOut() throws Exception {
        byte[] data = random(16 << 20, 2);
        Path from = Files.write(dir.resolve("from"), data);
        Path to = dir.resolve("to");
        Graph graph = Graph.on(catalyst);
        CompletableFuture<Void> done = graph.read("from", Channels.newChannel(Files.newInputStream(from)))
            .to(graph.write("to", FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE)));
        graph.start();
        done.get(60, TimeUnit.SECONDS);
        assertThat(Files.readAllBytes(to)).isEqualTo(data);
    }

    /** An endless stream that counts what the bridge took: only backpressure stops the reading. */
    static final class EndlessInputStream extends InputStream {
        final AtomicLong read = new AtomicLong();
        volatile Thread reader;

        @Override
        public int available() {
            return Integer.MAX_VALUE; // so the bridge fills each buffer whole
        }

        @Override
        public int read() {
            read.incrementAndGet();
            return 7;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            reader = Thread.currentThread();
            Arrays.fill(b, off, off + len, (byte) 7);
            read.addAndGet(len);
            return len;
        }
    }

    @Test
    void anInputStreamIsReadNoFurtherAheadThanTheBridgeBound() throws Exception {
        EndlessInputStream in = new EndlessInputStream();
        ManualSink<ByteBuffer> blocked = new ManualSink<>(catalyst, "blocked");
        catalyst.submit(() -> {
            blocked.handleSetWritable(false);
            return null;
        }).get(30, TimeUnit.SECONDS);
        Graph graph = Graph.on(catalyst);
        StreamSource source = StreamSource.of(catalyst, "endless", in);
        graph.from(source).to(blocked);
        graph.start();
        // The bridge fills its two buffers and hands both to the catalyst, where they stay: the
        // fiber waits for the sink. With no buffer coming back, its helper parks instead of reading.
        long bound = source.ownedBufferBytes();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(catalyst.retainedBytes() == bound && in.reader != null && in.reader.getState() == Thread.State.WAITING)) {
            assertThat(System.nanoTime()).as("the bridge hands over both buffers and waits").isLessThan(deadline);
            assertThat(in.read.get()).as("read no further than the two buffers").isLessThanOrEqualTo(bound);
            Thread.onSpinWait();
        }
        assertThat(in.read.get()).isEqualTo(bound);
        assertThat(catalyst.submit(blocked::handleOfferedWhileBlocked).get(30, TimeUnit.SECONDS)).as("nothing moved").isZero();
        assertThat(in.read.get()).isEqualTo(bound);
        assertThat(catalyst.retainedBytes()).isLessThanOrEqualTo(graph.compile().retainedBound());
    }

    @Test
    void aGraphReadAsAnInputStreamStaysOneChunkAheadOfTheReader() throws Exception {
        byte[] data = random(32 << 20, 3);
        Graph graph = Graph.on(catalyst);
        InputStream in = graph.read("data", new java.io.ByteArrayInputStream(data)).toInputStream();
        CompletableFuture<Void> done = graph.start();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] small = new byte[1000]; // a slow, small-bite reader
        long bound = graph.compile().retainedBound();
        int n;
        while ((n = in.read(small)) >= 0) {
            received.write(small, 0, n);
            assertThat(catalyst.retainedBytes()).isLessThanOrEqualTo(bound);
        }
        assertThat(received.toByteArray()).isEqualTo(data);
        done.get(30, TimeUnit.SECONDS);
        assertThat(in.read()).isEqualTo(-1);
        assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(bound);
    }

    @Test
    void theReaderGetsWhatCameBeforeAFailureThenTheFailure() throws Exception {
        byte[] data = random(4 * CHUNK, 4);
        Path file = Files.write(dir.resolve("data"), data); // a file gives one chunk per move
        java.util.concurrent.atomic.AtomicInteger chunks = new java.util.concurrent.atomic.AtomicInteger();
        Graph graph = Graph.on(catalyst);
        InputStream in = graph.read(file)
            .map(chunk -> {
                if (chunks.incrementAndGet() == 3) {
                    throw new IllegalStateException("the third chunk fails");
                }
                return chunk;
            })
            .toInputStream();
        CompletableFuture<Void> done = graph.start();
        byte[] firstTwo = in.readNBytes(2 * CHUNK);
        assertThat(firstTwo).isEqualTo(Arrays.copyOf(data, 2 * CHUNK));
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasRootCauseMessage("the third chunk fails");
        assertThat(done).failsWithin(30, TimeUnit.SECONDS);
    }

    @Test
    void closingTheStreamEarlyFailsTheFeedingFiberOnly() throws Exception {
        Graph graph = Graph.on(catalyst);
        InputStream in = graph.read("data", new java.io.ByteArrayInputStream(random(64 * CHUNK, 5))).toInputStream();
        CompletableFuture<Void> done = graph.start();
        assertThat(in.read()).isNotNegative();
        in.close();
        assertThat(done).failsWithin(30, TimeUnit.SECONDS);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThat(catalyst.submit(() -> "still running").get(30, TimeUnit.SECONDS)).isEqualTo("still running");
    }
}
