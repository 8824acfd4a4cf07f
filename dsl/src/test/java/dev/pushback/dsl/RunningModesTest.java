package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.catalyst.HostedPolling;

/**
 * DESIGN section 6 (issue 4): the same 256 MiB move intact through a socket pair in every running
 * mode, a producer thread writing one end and a consumer thread reading the other.
 */
class RunningModesTest {
    static final long SIZE = 256L << 20;
    private static final byte[] DATA = new byte[1 << 22];

    static {
        new Random(11).nextBytes(DATA);
    }

    /** Two connected sockets on loopback. */
    record SocketPair(SocketChannel left, SocketChannel right) {
        static SocketPair open() throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel left = SocketChannel.open(server.getLocalAddress());
                return new SocketPair(left, server.accept());
            }
        }
    }

    /** Writes SIZE bytes in writes of varying length; returns their checksum. */
    static CompletableFuture<Long> produce(SocketChannel out) {
        return CompletableFuture.supplyAsync(() -> {
            try (out) {
                CRC32C crc = new CRC32C();
                Random sizes = new Random(7);
                long written = 0;
                while (written < SIZE) {
                    int offset = (int) (written % DATA.length);
                    int length = (int) Math.min(SIZE - written, Math.min(DATA.length - offset, 1 + sizes.nextInt(1 << 18)));
                    ByteBuffer slice = ByteBuffer.wrap(DATA, offset, length);
                    crc.update(slice.duplicate());
                    while (slice.hasRemaining()) {
                        out.write(slice);
                    }
                    written += length;
                }
                return crc.getValue();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** Reads to the end; returns the checksum, or -1 if the length is not SIZE. */
    static CompletableFuture<Long> consume(SocketChannel in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                CRC32C crc = new CRC32C();
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
                long total = 0;
                int n;
                while ((n = in.read(buffer.clear())) >= 0) {
                    total += n;
                    crc.update(buffer.flip());
                }
                return total == SIZE ? crc.getValue() : -1;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    record Copy(CompletableFuture<Long> sent, CompletableFuture<Long> received, CompletableFuture<Void> done) {
        void assertIntact() throws Exception {
            done.get(120, TimeUnit.SECONDS);
            assertThat(received.get(120, TimeUnit.SECONDS)).isEqualTo(sent.get(120, TimeUnit.SECONDS));
        }
    }

    /** Producer → socket pair → the catalyst → socket pair → consumer. Safe from any thread. */
    static Copy copy(Catalyst catalyst) throws IOException {
        SocketPair in = SocketPair.open();
        SocketPair out = SocketPair.open();
        Graph graph = Graph.on(catalyst);
        graph.read(in.right()).to(graph.write(out.left()));
        CompletableFuture<Void> done = graph.start();
        return new Copy(produce(in.left()), consume(out.right()), done);
    }

    @Test
    void loopOnItsOwnThread() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            Copy copy = copy(catalyst);
            catalyst.loop(); // returns once nothing is open
            copy.assertIntact();
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
            copy.assertIntact();
            assertThat(hostWork).isPositive();
        }
    }

    @Test
    void agentUnderAnAgentRunnerWithABackoffIdleStrategy() throws Exception {
        Catalyst catalyst = Catalyst.open();
        Copy copy = copy(catalyst);
        try (AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, catalyst)) {
            AgentRunner.startOnThread(runner);
            copy.assertIntact();
        }
        assertThat(catalyst.isClosed()).isTrue(); // the runner closing closes the catalyst
    }

    /** Counts its duty cycles: the host's own agent, sharing the thread. */
    static final class HostAgent implements Agent {
        final AtomicLong cycles = new AtomicLong();

        @Override
        public int doWork() {
            cycles.incrementAndGet();
            return 0;
        }

        @Override
        public String roleName() {
            return "host";
        }
    }

    @Test
    void agentSharingARunnerThreadThroughACompositeAgent() throws Exception {
        Catalyst catalyst = Catalyst.open();
        HostAgent host = new HostAgent();
        Copy copy = copy(catalyst);
        try (AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null,
            new CompositeAgent(host, catalyst))) {
            AgentRunner.startOnThread(runner);
            copy.assertIntact();
        }
        assertThat(host.cycles.get()).isPositive();
        assertThat(catalyst.isClosed()).isTrue();
    }

    @Test
    void agentOnTheHostThreadThroughAnAgentInvoker() throws Exception {
        Catalyst catalyst = Catalyst.open();
        HostAgent host = new HostAgent();
        Copy copy = copy(catalyst);
        try (AgentInvoker invoker = new AgentInvoker(Throwable::printStackTrace, null, new CompositeAgent(host, catalyst))) {
            invoker.start();
            BusySpinIdleStrategy idle = new BusySpinIdleStrategy();
            while (!copy.done().isDone()) {
                idle.idle(invoker.invoke());
            }
            copy.assertIntact();
        }
        assertThat(host.cycles.get()).isPositive();
        assertThat(catalyst.isClosed()).isTrue();
    }

    @Test
    void hostOwnedPollingWithTheHostsOwnSelector() throws Exception {
        try (Selector mine = Selector.open()) {
            HostedPolling hosted = HostedPolling.open(Catalyst.Config.defaults().withName("hosted"), mine::wakeup);
            Catalyst catalyst = hosted.catalyst();
            // The host's own channel: a socket pair it serves itself, between the catalyst's rounds.
            SocketPair own = SocketPair.open();
            own.right().configureBlocking(false).register(mine, SelectionKey.OP_READ, "own");
            own.left().write(ByteBuffer.wrap(new byte[] {42}));
            Copy copy = copy(catalyst);
            long ownReads = 0;
            long frontierEntries = 0;
            while (!copy.done().isDone()) {
                long[] entries = {0};
                long nanos = hosted.readFrontier((channel, ops) -> {
                    entries[0]++;
                    SelectionKey key = channel.keyFor(mine);
                    if (key == null) {
                        channel.register(mine, ops, hosted);
                    } else {
                        key.interestOps(ops);
                    }
                });
                frontierEntries += entries[0];
                long millis = nanos == Long.MAX_VALUE ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos);
                if (nanos == 0) {
                    mine.selectNow();
                } else {
                    mine.select(millis == 0 ? (nanos == Long.MAX_VALUE ? 0 : 1) : millis);
                }
                for (SelectionKey key : mine.selectedKeys()) {
                    if (key.attachment() == hosted) {
                        hosted.ready(key.channel(), key.readyOps());
                    } else if (own.right().read(ByteBuffer.allocate(16)) > 0) {
                        ownReads++;
                    }
                }
                mine.selectedKeys().clear();
                hosted.run();
            }
            copy.assertIntact();
            assertThat(ownReads).isEqualTo(1);
            assertThat(frontierEntries).isPositive(); // the copy waited on its sockets through the host's selector
            catalyst.close();
            own.left().close();
            own.right().close();
        }
    }

    @Test
    void aHostedCatalystReportsItsNextTimerSoTheHostWakesForIt() throws Exception {
        try (Selector mine = Selector.open()) {
            HostedPolling hosted = HostedPolling.open(Catalyst.Config.defaults().withName("hosted-timer"), mine::wakeup);
            Catalyst catalyst = hosted.catalyst();
            assertThat(hosted.readFrontier((channel, ops) -> { })).as("nothing to wait for").isEqualTo(Long.MAX_VALUE);
            hosted.run();
            CompletableFuture<Void> enough = new CompletableFuture<>();
            Graph graph = Graph.on(catalyst);
            CompletableFuture<java.util.List<Long>> ticks = graph.interval(java.time.Duration.ofMillis(20), enough)
                .map(tick -> {
                    if (tick == 5) {
                        enough.complete(null);
                    }
                    return tick;
                })
                .collect(java.util.stream.Collectors.toList());
            graph.start();
            long longestWait = 0;
            int rounds = 0;
            while (!ticks.isDone() && rounds++ < 10_000) {
                long nanos = hosted.readFrontier((channel, ops) -> { });
                if (nanos != 0) {
                    assertThat(nanos).as("a timer is due: the host may not block forever").isLessThan(Long.MAX_VALUE);
                    longestWait = Math.max(longestWait, nanos);
                    mine.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos))); // no channel: only the timer wakes it
                }
                hosted.run();
            }
            assertThat(ticks.get(30, TimeUnit.SECONDS)).startsWith(1L, 2L, 3L, 4L, 5L);
            assertThat(longestWait).isPositive().isLessThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
            catalyst.close();
        }
    }

    @Test
    void aHostedCatalystClosedFromAnotherThreadWakesItsHostAndClosesEverything() throws Exception {
        try (Selector mine = Selector.open()) {
            HostedPolling hosted = HostedPolling.open(Catalyst.Config.defaults().withName("hosted-close")
                .withErrors((what, cause) -> { }), mine::wakeup);
            Catalyst catalyst = hosted.catalyst();
            Idle idle = Idle.copy(catalyst); // open, waiting on a socket nobody writes to
            CompletableFuture<Void> hostLoop = CompletableFuture.runAsync(() -> {
                try {
                    while (!catalyst.isClosed()) {
                        long nanos = hosted.readFrontier((channel, ops) -> {
                            SelectionKey key = channel.keyFor(mine);
                            if (key == null) {
                                channel.register(mine, ops, hosted);
                            } else {
                                key.interestOps(ops);
                            }
                        });
                        if (nanos == 0) {
                            mine.selectNow();
                        } else {
                            mine.select(); // blocks until readiness or the catalyst's wakeup
                        }
                        for (SelectionKey key : mine.selectedKeys()) {
                            hosted.ready(key.channel(), key.readyOps());
                        }
                        mine.selectedKeys().clear();
                        hosted.run();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // The host blocks in its own select once the copy waits; closing from here must not hang.
            while (catalyst.submit(() -> idle.in().right().keyFor(mine) != null).get(30, TimeUnit.SECONDS) == Boolean.FALSE) {
                Thread.onSpinWait();
            }
            catalyst.close();
            hostLoop.get(30, TimeUnit.SECONDS);
            assertThat(idle.done()).isCompletedExceptionally();
            assertThat(idle.in().right().isOpen()).isFalse();
            assertThat(idle.out().left().isOpen()).isFalse();
            idle.close();
        }
    }

    @Test
    void crossThreadGraphsAndSubmitWhileTheCatalystLoops() throws Exception {
        Catalyst catalyst = Catalyst.open();
        CompletableFuture<Void> hold = catalyst.submit(() -> {
            Core.of(catalyst).handleRetainLoop(); // keeps loop() running while the graph is built elsewhere
            return null;
        });
        Thread loop = new Thread(catalyst::loop, "catalyst");
        loop.start();
        hold.get(30, TimeUnit.SECONDS);
        Copy copy = CompletableFuture.supplyAsync(() -> { // built and started on a pool thread
            try {
                return copy(catalyst);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).get(30, TimeUnit.SECONDS);
        copy.assertIntact();
        assertThat(catalyst.submit(catalyst::inCatalyst).get(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Object> failing = catalyst.submit(() -> {
            throw new IllegalStateException("the caller sees this");
        });
        assertThat(failing).failsWithin(30, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
            .withCauseInstanceOf(IllegalStateException.class);
        var callers = java.util.concurrent.Executors.newSingleThreadExecutor(task -> new Thread(task, "caller"));
        try {
            String chainedOn = catalyst.submit(Core.of(catalyst)::handleRounds, callers)
                .thenApply(rounds -> Thread.currentThread().getName()).get(30, TimeUnit.SECONDS);
            // On "caller", or on this thread if the future was complete before the stage was chained.
            assertThat(chainedOn).isIn("caller", Thread.currentThread().getName()); // never on the catalyst
        } finally {
            callers.shutdown();
        }
        catalyst.execute(Core.of(catalyst)::handleReleaseLoop);
        loop.join(30_000);
        assertThat(loop.isAlive()).isFalse(); // nothing open: loop() returned by itself
        catalyst.close();
    }

    /** A copy from a socket nobody writes to: a graph that is open and has nothing to do. */
    record Idle(SocketPair in, SocketPair out, CompletableFuture<Void> done) implements AutoCloseable {
        static Idle copy(Catalyst catalyst) throws IOException {
            SocketPair in = SocketPair.open();
            SocketPair out = SocketPair.open();
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> done = graph.read(in.right()).to(graph.write(out.left()));
            graph.start();
            return new Idle(in, out, done);
        }

        @Override
        public void close() throws IOException {
            in.left().close();
            out.right().close();
        }
    }

    @Test
    void runOnceWithNothingReadyBlocksForItsTimeoutWithoutSpinning() throws Exception {
        try (Catalyst catalyst = Catalyst.open(); Idle idle = Idle.copy(catalyst)) {
            catalyst.runOnce(0); // starts the graph; the read finds nothing and arms OP_READ
            var threads = ManagementFactory.getThreadMXBean();
            long cpuBefore = threads.getCurrentThreadCpuTime();
            long before = System.nanoTime();
            catalyst.runOnce(300);
            long elapsed = System.nanoTime() - before;
            long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
            assertThat(TimeUnit.NANOSECONDS.toMillis(elapsed)).isBetween(150L, 300L + 5_000L); // generous for a loaded machine
            assertThat(cpu).isLessThan(elapsed / 2); // blocked in select, not spinning
            assertThat(idle.done()).isNotDone();
        }
    }

    @Test
    void runOnceZeroWithNothingToDoMakesNoSystemCallButItsSelectNow() throws Exception {
        try (Catalyst catalyst = Catalyst.open(); Idle idle = Idle.copy(catalyst)) {
            for (int i = 0; i < 10_000; i++) {
                catalyst.runOnce(0); // starts the graph and warms up
            }
            int rounds = 10_000;
            SyscallTrace trace = SyscallTrace.ofCurrentThread();
            trace.mark();
            for (int i = 0; i < rounds; i++) {
                catalyst.runOnce(0);
            }
            trace.mark();
            var calls = trace.stopAndCountBetweenMarks();
            // The JVM itself may take a lock (futex) at a safepoint; everything else is the select.
            calls.keySet().removeAll(SyscallTrace.JVM_HOUSEKEEPING);
            assertThat(calls).containsOnlyKeys("epoll_wait");
            assertThat(calls.get("epoll_wait")).isEqualTo(rounds);
        }
    }

    @Test
    void closeFromAnotherThreadClosesEveryChannelAndFailsWhatRuns() throws Exception {
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("closing").withErrors((what, cause) -> { }));
        SocketPair in = SocketPair.open();
        SocketPair out = SocketPair.open();
        var blocking = new java.io.PipedOutputStream();
        var blockingIn = new java.io.PipedInputStream(blocking);
        Graph graph = Graph.on(catalyst);
        CompletableFuture<Void> copying = graph.read(in.right()).to(graph.write(out.left()));
        CompletableFuture<Long> counting = graph.read("blocking", blockingIn).count(); // a bridge thread (N14)
        CompletableFuture<Void> started = graph.start();
        Thread loop = new Thread(catalyst::loop, "closing-loop");
        loop.start();
        in.left().write(ByteBuffer.wrap(new byte[100])); // data in flight, no end of input
        ByteBuffer first = ByteBuffer.allocate(100);
        while (first.hasRemaining()) {
            out.right().read(first);
        }
        catalyst.close();
        loop.join(30_000);
        assertThat(loop.isAlive()).isFalse();
        assertThat(in.right().isOpen()).isFalse();
        assertThat(out.left().isOpen()).isFalse();
        for (CompletableFuture<?> future : java.util.List.of(copying, counting, started)) {
            assertThat(future).isCompletedExceptionally();
            assertThat(future.handle((ok, failure) -> failure).join()).isInstanceOf(CatalystClosedException.class);
        }
        assertThat(catalyst.terminated()).isCompleted();
        // The bridge's reader thread was blocked in read(); closing its stream ends it.
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("closing")) {
                thread.join(30_000);
                assertThat(thread.isAlive()).as(thread.getName()).isFalse();
            }
        }
        in.left().close();
        out.right().close();
        blocking.close();
    }
}
