package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.compiler.Plan;

/**
 * tee's throttling on real endpoints (DESIGN N1, N4, N5): a FIFO nobody reads stalls stdout too,
 * without blocking the catalyst; a dropping branch into it never stalls the main path.
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

    @Test
    void n1_aBlockedFifoStallsStdoutTooAndTheCatalystStaysResponsive() throws Exception {
        Path fifo = fifo();
        CompletableFuture<FileChannel> reader = openReader(fifo);
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withChunkSize(CHUNK))) {
            Graph graph = Graph.on(catalyst);
            Pipe stdin = Pipe.open();
            Pipe stdout = Pipe.open();
            Feed.Broadcast<ByteBuffer> tee = graph.read(stdin.source()).broadcast();
            tee.to(graph.write(stdout.sink()));
            AbstractSink<ByteBuffer> fifoSink = (AbstractSink<ByteBuffer>) graph.write(fifo);
            tee.to(fifoSink);
            Plan plan = graph.compile();
            CompletableFuture<Void> done = graph.start();
            FileChannel fifoReader = reader.get();
            stdin.sink().configureBlocking(false);
            stdout.source().configureBlocking(false);
            // Offer far more than every buffer on the way can hold; read stdout eagerly, the FIFO never.
            long offered = 0;
            long toStdout = 0;
            ByteBuffer block = ByteBuffer.allocate(CHUNK);
            ByteBuffer drain = ByteBuffer.allocate(1 << 16);
            boolean stalled = false;
            for (int round = 0; round < 10_000 && !stalled; round++) {
                int written = stdin.sink().write(block.clear());
                offered += written;
                catalyst.runOnce(1);
                toStdout += Math.max(0, stdout.source().read(drain.clear()));
                stalled = written == 0 && !Drive.read(catalyst, fifoSink::handleIsAvailable);
            }
            assertThat(stalled).as("stdin backed up behind the FIFO").isTrue();
            for (int i = 0; i < 50; i++) { // more rounds: nothing moves while the FIFO is blocked
                offered += stdin.sink().write(block.clear());
                catalyst.runOnce(1);
                toStdout += Math.max(0, stdout.source().read(drain.clear()));
            }
            assertThat(Drive.read(catalyst, () -> catalyst.submit(() -> "responsive"))).isNotNull();
            // stdout got only what the FIFO side took: its kernel buffer and the bridge's two chunks.
            long fifoKernelBuffer = 1 << 20; // Linux pipes hold at most this much
            assertThat(toStdout).isLessThanOrEqualTo(fifoKernelBuffer + 3L * CHUNK);
            assertThat(offered).as("stdin backs up").isGreaterThan(toStdout);
            assertThat(catalyst.peakRetainedBytes()).isLessThanOrEqualTo(plan.retainedBound());
            // Now the FIFO is read: everything flows, and both outputs get every byte.
            stdin.sink().close();
            CompletableFuture<Long> fromFifo = CompletableFuture.supplyAsync(() -> count(fifoReader));
            while (!done.isDone()) {
                catalyst.runOnce(1);
                toStdout += Math.max(0, stdout.source().read(drain.clear()));
            }
            int n;
            while ((n = stdout.source().read(drain.clear())) > 0) {
                toStdout += n;
            }
            assertThat(toStdout).isEqualTo(offered);
            assertThat(fromFifo.get()).isEqualTo(offered);
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
