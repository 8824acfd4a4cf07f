package dev.pushback.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.HostedPolling;
import dev.pushback.dsl.Graph;

/**
 * {@code embed}: a host application with scheduled work of its own (a tick every 10 ms) runs a
 * pushback pipeline in each running mode of DESIGN section 6. The pipeline copies data from a
 * producer thread through a socket pair, the catalyst, and a second socket pair to a consumer
 * thread; each mode reports whether the bytes arrived intact and how many host ticks ran meanwhile.
 */
final class Embed implements Launcher.Command {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** One running mode: runs a copy of {@code bytes} to its end, ticking the host; true if intact. */
    @FunctionalInterface
    private interface Mode {
        boolean run(Catalyst.Config config, Host host, long bytes) throws Exception;
    }

    /** The host's own work: a tick every 10 ms, counted. */
    private static final class Host implements Agent {
        private long nextTick = System.nanoTime() + TICK_NANOS;
        volatile long ticks;

        /** Runs the tick if it is due; returns nanoseconds until the next one. */
        long tickIfDue() {
            long now = System.nanoTime();
            if (now >= nextTick) {
                ticks++;
                nextTick = now + TICK_NANOS;
            }
            return nextTick - now;
        }

        @Override
        public int doWork() {
            long before = ticks;
            tickIfDue();
            return (int) (ticks - before);
        }

        @Override
        public String roleName() {
            return "host";
        }
    }

    private final Map<String, Mode> modes = new LinkedHashMap<>();

    Embed() {
        modes.put("loop", Embed::ownThread);
        modes.put("run-once", Embed::hostLoop);
        modes.put("agent", Embed::agentRunner);
        modes.put("composite", Embed::compositeAgent);
        modes.put("invoker", Embed::agentInvoker);
        modes.put("hosted", Embed::hostedPolling);
    }

    @Override
    public int run(Cli cli, String[] operands) throws Exception {
        cli.noOperands();
        String only = cli.value("--mode") != null ? cli.value("--mode") : "all";
        long mib = cli.value("--mib") != null ? parsePositive(cli.value("--mib")) : 64;
        if (!only.equals("all") && !modes.containsKey(only)) {
            throw new Cli.UsageException("unknown mode '" + only + "'; modes: " + String.join(", ", modes.keySet()));
        }
        boolean intact = true;
        for (Map.Entry<String, Mode> mode : modes.entrySet()) {
            if (!only.equals("all") && !only.equals(mode.getKey())) {
                continue;
            }
            Host host = new Host();
            long start = System.nanoTime();
            Catalyst.Config config = Catalyst.Config.defaults().withName("embed-" + mode.getKey());
            boolean ok = mode.getValue().run(config, host, mib << 20);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            cli.out(String.format("%-10s %d MiB in %d ms, host ticks meanwhile: %d, %s%n", mode.getKey(), mib, millis,
                host.ticks, ok ? "intact" : "CORRUPT"));
            intact &= ok;
        }
        return intact ? 0 : 1;
    }

    // ---------------------------------------------------------------- the modes

    /** {@code loop()} on a thread of its own; the host ticks on its scheduler and builds the graph from there. */
    private static boolean ownThread(Catalyst.Config config, Host host, long bytes) throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (Catalyst catalyst = Catalyst.open(config)) {
            scheduler.scheduleAtFixedRate(host::tickIfDue, 0, 10, TimeUnit.MILLISECONDS);
            Runnable release = catalyst.keepLooping(); // loop() runs until the host lets it go
            Thread loop = new Thread(catalyst::loop, config.name());
            loop.start();
            Copy copy = scheduler.submit(() -> Copy.start(catalyst, bytes)).get(); // built off the catalyst thread
            boolean intact = copy.intact();
            release.run();
            loop.join();
            return intact;
        } finally {
            scheduler.shutdownNow();
        }
    }

    /** {@code runOnce(timeout)} from the host's loop, never blocking past the host's next tick. */
    private static boolean hostLoop(Catalyst.Config config, Host host, long bytes) throws Exception {
        try (Catalyst catalyst = Catalyst.open(config)) {
            Copy copy = Copy.start(catalyst, bytes);
            while (!copy.done().isDone()) {
                long untilTick = host.tickIfDue();
                catalyst.runOnce(Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilTick)));
            }
            return copy.intact();
        }
    }

    /** An Agrona {@code Agent} under an {@code AgentRunner} thread; the host ticks on its scheduler. */
    private static boolean agentRunner(Catalyst.Config config, Host host, long bytes) throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        Catalyst catalyst = Catalyst.open(config);
        try (AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, catalyst)) {
            scheduler.scheduleAtFixedRate(host::tickIfDue, 0, 10, TimeUnit.MILLISECONDS);
            Copy copy = Copy.start(catalyst, bytes);
            AgentRunner.startOnThread(runner);
            return copy.intact();
        } finally {
            scheduler.shutdownNow();
        }
    }

    /** The host's agent and the catalyst share one runner thread through a {@code CompositeAgent}. */
    private static boolean compositeAgent(Catalyst.Config config, Host host, long bytes) throws Exception {
        Catalyst catalyst = Catalyst.open(config);
        Copy copy = Copy.start(catalyst, bytes);
        try (AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null,
            new CompositeAgent(host, catalyst))) {
            AgentRunner.startOnThread(runner);
            return copy.intact();
        }
    }

    /** The host's own thread drives both agents through an {@code AgentInvoker}, with its own idle policy. */
    private static boolean agentInvoker(Catalyst.Config config, Host host, long bytes) throws Exception {
        Catalyst catalyst = Catalyst.open(config);
        Copy copy = Copy.start(catalyst, bytes);
        BackoffIdleStrategy idle = new BackoffIdleStrategy();
        try (AgentInvoker invoker = new AgentInvoker(Throwable::printStackTrace, null, new CompositeAgent(host, catalyst))) {
            invoker.start();
            while (!copy.done().isDone()) {
                idle.idle(invoker.invoke());
            }
            return copy.intact();
        }
    }

    /** The host owns the poll loop: it reads the catalyst's frontier, selects, and writes back readiness. */
    private static boolean hostedPolling(Catalyst.Config config, Host host, long bytes) throws Exception {
        try (Selector selector = Selector.open()) {
            HostedPolling hosted = HostedPolling.open(config, selector::wakeup);
            try (Catalyst catalyst = hosted.catalyst()) {
                Copy copy = Copy.start(catalyst, bytes);
                while (!copy.done().isDone()) {
                    long catalystNanos = hosted.readFrontier((channel, ops) -> {
                        SelectionKey key = channel.keyFor(selector);
                        if (key == null) {
                            channel.register(selector, ops, hosted);
                        } else {
                            key.interestOps(ops);
                        }
                    });
                    long nanos = Math.min(catalystNanos, host.tickIfDue());
                    if (nanos == 0) {
                        selector.selectNow();
                    } else {
                        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        hosted.ready(key.channel(), key.readyOps());
                    }
                    selector.selectedKeys().clear();
                    hosted.run();
                }
                return copy.intact();
            }
        }
    }

    // ---------------------------------------------------------------- the pipeline

    /** Producer → socket pair → the catalyst → socket pair → consumer, compared by CRC-32C. */
    private record Copy(CompletableFuture<Long> sent, CompletableFuture<Long> received, CompletableFuture<Void> done) {
        static Copy start(Catalyst catalyst, long bytes) throws IOException {
            SocketChannel[] in = socketPair();
            SocketChannel[] out = socketPair();
            Graph graph = Graph.on(catalyst);
            CompletableFuture<Void> done = graph.read(in[1]).to(graph.write(out[0]));
            graph.start();
            return new Copy(CompletableFuture.supplyAsync(() -> produce(in[0], bytes)),
                CompletableFuture.supplyAsync(() -> consume(out[1], bytes)), done);
        }

        boolean intact() throws Exception {
            done.get();
            return sent.get().equals(received.get());
        }
    }

    private static SocketChannel[] socketPair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel left = SocketChannel.open(server.getLocalAddress());
            return new SocketChannel[] {left, server.accept()};
        }
    }

    private static long produce(SocketChannel out, long bytes) {
        byte[] block = new byte[1 << 16];
        new Random(1).nextBytes(block);
        CRC32C crc = new CRC32C();
        try (out) {
            for (long written = 0; written < bytes; ) {
                ByteBuffer buffer = ByteBuffer.wrap(block, 0, (int) Math.min(block.length, bytes - written));
                crc.update(buffer.duplicate());
                written += buffer.remaining();
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return crc.getValue();
    }

    /** The checksum of what arrived, or -1 if not exactly {@code bytes} arrived. */
    private static long consume(SocketChannel in, long bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
        CRC32C crc = new CRC32C();
        long total = 0;
        try (in) {
            int n;
            while ((n = in.read(buffer.clear())) >= 0) {
                total += n;
                crc.update(buffer.flip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total == bytes ? crc.getValue() : -1;
    }

    // ---------------------------------------------------------------- arguments

    private static long parsePositive(String text) throws Cli.UsageException {
        try {
            long value = Long.parseLong(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Cli.UsageException("not a positive number: '" + text + "'");
    }

    @Override
    public Cli.Options options() {
        return Cli.Options.NONE.valued("--mode").valued("--mib");
    }

    /** Each mode starts a pipeline of its own: there is no one plan to print. */
    @Override
    public boolean explains() {
        return false;
    }

    @Override
    public String usage() {
        return "embed [--mode M] [--mib N] a host app running a pipeline in each mode: loop, run-once, agent, composite, invoker, hosted";
    }
}
