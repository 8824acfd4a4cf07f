package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.compiler.Plan;

/**
 * tee's throttling on real endpoints (DESIGN N1, N4, N5): a FIFO nobody reads stalls stdout too,
 * which gets no more than the FIFO side took, without blocking the catalyst; a dropping branch into
 * it never stalls the main path.
 */
class TeeThrottlingTest {
    private static final int CHUNK = 16 * 1024;

    @TempDir
    Path dir;

    private Path fifo() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        return fifo;
    }

    /** Opens the FIFO's read end (which waits for a writer) on another thread. */
    private static CompletableFuture<FileChannel> openReader(Path fifo) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return FileChannel.open(fifo, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    /**
     * The FIFO's write end as the bridge's helper thread uses it, counting what that thread has tried
     * to put into the FIFO: the bytes written, plus the rest of the write under way.
     */
    static final class CountingChannel implements WritableByteChannel {
        private final FileChannel fifo;
        private volatile long written;
        private volatile long attempted;

        CountingChannel(FileChannel fifo) {
            this.fifo = fifo;
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            attempted = written + source.remaining();
            int n = fifo.write(source);
            written += n; // one writer: the helper thread
            return n;
        }

        @Override
        public boolean isOpen() {
            return fifo.isOpen();
        }

        @Override
        public void close() throws IOException {
            fifo.close();
        }
    }

    /** What a fresh pipe holds before a write blocks; a FIFO gets the same buffer (64 KiB on Linux). */
    private static long pipeCapacity() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink()) {
            sink.configureBlocking(false);
            long held = 0;
            for (ByteBuffer piece : new ByteBuffer[] {ByteBuffer.allocate(4096), ByteBuffer.allocate(1)}) {
                int n;
                while ((n = sink.write(piece.clear())) > 0) {
                    held += n;
                }
            }
            return held;
        } finally {
            pipe.source().close();
        }
    }

    /** Reads what the pipe holds now; non-blocking. */
    private static long drain(Pipe.SourceChannel source, ByteBuffer buffer) throws IOException {
        long total = 0;
        int n;
        while ((n = source.read(buffer.clear())) > 0) {
            total += n;
        }
        return total;
    }

    @Test
    void n4_aBlockedFifoStallsStdoutTooAndTheCatalystStaysResponsive() throws Exception {
        Path fifo = fifo();
        long fifoCapacity = pipeCapacity();
        CompletableFuture<FileChannel> reader = openReader(fifo);
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(CHUNK))) {
            Graph graph = Graph.on(catalyst);
            Pipe stdin = Pipe.open();
            Pipe stdout = Pipe.open();
            Feed.Broadcast<ByteBuffer> tee = graph.read(stdin.source()).broadcast();
            Sink<ByteBuffer> stdoutSink = graph.write(stdout.sink());
            tee.to(stdoutSink);
            // What graph.write(fifo) makes of a FIFO (a bridged blocking channel, N14), counted.
            CountingChannel toFifo = new CountingChannel(FileChannel.open(fifo, StandardOpenOption.WRITE));
            Sink<ByteBuffer> fifoSink = graph.write("fifo", toFifo);
            tee.to(fifoSink);
            Plan plan = graph.compile();
            CompletableFuture<Void> done = graph.start();
            FileChannel fifoReader = reader.get(30, TimeUnit.SECONDS);
            stdin.sink().configureBlocking(false);
            stdout.source().configureBlocking(false);
            long offered = 0;
            long toStdout = 0;
            ByteBuffer block = ByteBuffer.allocate(CHUNK);
            ByteBuffer drain = ByteBuffer.allocate(1 << 16);
            // Offer stdin, read stdout eagerly, never read the FIFO, until the tee is stuck for good:
            // the helper is in a write the FIFO cannot take (it tried more than the FIFO holds, and
            // nobody reads), and the sink's other buffer is handed over too, so it is unwritable and
            // no buffer can come back.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(toFifo.attempted > fifoCapacity && Drive.read(catalyst, () -> !((AbstractSink<?>) fifoSink).handleIsAvailable()))) {
                assertThat(System.nanoTime()).as("the FIFO side blocks").isLessThan(deadline);
                offered += stdin.sink().write(block.clear());
                catalyst.runOnce(1);
                toStdout += drain(stdout.source(), drain);
            }
            // Let stdout take what its sink still holds (a partial write into its pipe).
            while (!Drive.read(catalyst, ((AbstractSink<?>) stdoutSink)::handleIsAvailable)) {
                assertThat(System.nanoTime()).as("stdout drains").isLessThan(deadline);
                toStdout += drain(stdout.source(), drain);
                catalyst.runOnce(1);
            }
            toStdout += drain(stdout.source(), drain);
            // N4: the outputs got the same chunks, so stdout got what the FIFO side took: what its
            // helper tried to write, the buffer handed over behind that write, and at most one
            // pending element (N3).
            assertThat(toStdout).as("stdout, against what the FIFO side took").isGreaterThan(toFifo.attempted)
                .isLessThanOrEqualTo(toFifo.attempted + 2L * CHUNK);
            // N1/N5: the FIFO branch throttles; nothing moves to stdout and stdin is not read while it
            // is blocked, however long stdin offers; the catalyst thread is not blocked and runs tasks.
            long stuckAt = toStdout;
            for (int round = 0; round < 3; round++) {
                long accepted;
                while ((accepted = stdin.sink().write(block.clear())) > 0) {
                    offered += accepted;
                }
                CompletableFuture<Thread> task = catalyst.submit(Thread::currentThread);
                catalyst.runOnce(0);
                assertThat(task).as("a task runs in the next round").isCompletedWithValue(Thread.currentThread());
                assertThat(drain(stdout.source(), drain)).as("nothing more reaches stdout").isZero();
                assertThat(stdin.sink().write(ByteBuffer.allocate(1))).as("stdin is not read").isZero();
            }
            assertThat(offered).as("stdin backed up").isGreaterThan(stuckAt);
            assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
            // Now the FIFO is read: everything flows, and both outputs get every byte.
            stdin.sink().close();
            CompletableFuture<Long> fromFifo = CompletableFuture.supplyAsync(() -> count(fifoReader));
            while (!done.isDone()) {
                assertThat(System.nanoTime()).as("the tee ends").isLessThan(deadline);
                catalyst.runOnce(1);
                toStdout += drain(stdout.source(), drain);
            }
            done.get();
            toStdout += drain(stdout.source(), drain);
            assertThat(toStdout).isEqualTo(offered);
            assertThat(fromFifo.get(30, TimeUnit.SECONDS)).isEqualTo(offered);
            assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
        }
    }

    @Test
    void n5_aDroppingBranchIntoABlockedFifoNeverStallsTheMainPath() throws Exception {
        Path fifo = fifo();
        CompletableFuture<FileChannel> reader = openReader(fifo);
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(CHUNK))) {
            Graph graph = Graph.on(catalyst);
            Path input = dir.resolve("input");
            byte[] data = new byte[16 << 20];
            new java.util.Random(3).nextBytes(data);
            Files.write(input, data);
            Feed.Broadcast<ByteBuffer> tee = graph.read(input).broadcast();
            tee.to(graph.write(dir.resolve("copy")));
            tee.dropping().to(graph.write(fifo));
            Plan plan = graph.compile();
            CompletableFuture<Void> done = graph.start();
            reader.get(); // opened, never read
            Drive.until(catalyst, 100_000, () -> Drive.read(catalyst, () -> Core.of(catalyst).handleFiberCount() == 0));
            assertThat(Files.readAllBytes(dir.resolve("copy"))).isEqualTo(data);
            assertThat(Drive.read(catalyst, plan::dropped)).as("the FIFO side dropped what it could not take").isPositive();
            reader.get().close(); // the bridge's last write fails or finishes; either way the main path is done
        }
    }

    private static long count(FileChannel channel) {
        try (InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
