package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;

/** DESIGN section 6: the same data moves intact in every running mode. */
class RunningModesTest {
    private static final int SIZE = 32 << 20;

    /** Writes SIZE pseudo-random bytes into a pipe on its own thread; returns their digest. */
    private static CompletableFuture<String> produce(Pipe pipe) {
        return CompletableFuture.supplyAsync(() -> {
            try (var sink = pipe.sink()) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] block = new byte[1 << 16];
                Random random = new Random(11);
                for (int written = 0; written < SIZE; written += block.length) {
                    random.nextBytes(block);
                    digest.update(block);
                    ByteBuffer buffer = ByteBuffer.wrap(block);
                    while (buffer.hasRemaining()) {
                        sink.write(buffer);
                    }
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** Reads a pipe to its end on its own thread; returns the digest of what came. */
    private static CompletableFuture<String> consume(Pipe pipe) {
        return CompletableFuture.supplyAsync(() -> {
            try (var source = pipe.source()) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
                while (source.read(buffer.clear()) >= 0) {
                    digest.update(buffer.flip());
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private record Copy(CompletableFuture<String> sent, CompletableFuture<String> received, CompletableFuture<Void> done) {}

    private static Copy copy(Catalyst catalyst) throws Exception {
        Pipe in = Pipe.open();
        Pipe out = Pipe.open();
        Graph graph = Graph.on(catalyst);
        graph.read(in.source()).to(graph.write(out.sink()));
        CompletableFuture<Void> done = graph.start();
        return new Copy(produce(in), consume(out), done);
    }

    private static void assertIntact(Copy copy) throws Exception {
        assertThat(copy.done()).isCompleted();
        assertThat(copy.received().get(60, TimeUnit.SECONDS)).isEqualTo(copy.sent().get(60, TimeUnit.SECONDS));
    }

    @Test
    void loopOnItsOwnThread() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            Copy copy = copy(catalyst);
            catalyst.loop();
            assertIntact(copy);
        }
    }

    @Test
    void runOnceFromAHostLoopWithOtherWorkBetween() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            Copy copy = copy(catalyst);
            long hostWork = 0;
            while (!copy.done().isDone()) {
                catalyst.runOnce(5);
                hostWork++; // the host's own work between rounds
            }
            assertIntact(copy);
            assertThat(hostWork).isPositive();
        }
    }

    @Test
    void agentUnderAnAgentRunner() throws Exception {
        Catalyst catalyst = Catalyst.open();
        Copy copy = copy(catalyst);
        try (AgentRunner runner = new AgentRunner(new YieldingIdleStrategy(), Throwable::printStackTrace, null, catalyst)) {
            AgentRunner.startOnThread(runner);
            copy.done().get(60, TimeUnit.SECONDS);
            assertIntact(copy);
        }
        assertThat(catalyst.isClosed()).isTrue();
    }

    @Test
    void closeFromAnotherThreadClosesEveryChannelAndFailsWhatRuns() throws Exception {
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> { }));
        Pipe in = Pipe.open();
        Pipe out = Pipe.open();
        Graph graph = Graph.on(catalyst);
        graph.read(in.source()).to(graph.write(out.sink()));
        CompletableFuture<Void> done = graph.start();
        Thread loop = new Thread(catalyst::loop);
        loop.start();
        in.sink().write(ByteBuffer.wrap(new byte[100])); // data in flight, no end of input
        ByteBuffer first = ByteBuffer.allocate(100);
        while (first.hasRemaining()) {
            out.source().read(first);
        }
        catalyst.close();
        loop.join(30_000);
        assertThat(loop.isAlive()).isFalse();
        assertThat(in.source().isOpen()).isFalse();
        assertThat(out.sink().isOpen()).isFalse();
        assertThat(done).isCompletedExceptionally();
        assertThat(done.handle((ok, failure) -> failure).join()).isInstanceOf(dev.pushback.catalyst.CatalystClosedException.class);
    }

    @Test
    void agentSharingAThreadThroughAnAgentInvoker() throws Exception {
        Catalyst catalyst = Catalyst.open();
        Copy copy = copy(catalyst);
        try (AgentInvoker invoker = new AgentInvoker(Throwable::printStackTrace, null, catalyst)) {
            invoker.start();
            BusySpinIdleStrategy idle = new BusySpinIdleStrategy();
            while (!copy.done().isDone()) {
                idle.idle(invoker.invoke());
            }
            assertIntact(copy);
        }
        assertThat(catalyst.isClosed()).isTrue();
    }
}
