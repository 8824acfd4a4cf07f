package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.ProcSockets;

/**
 * Descriptors under load (DESIGN N13, issue 9 sections 1 and 3): a slot comes back only with its
 * descriptor; a server under a low {@code ulimit -n} takes its budget from it, survives a flood
 * of five times its limit and running out of descriptors altogether, and goes on serving; a
 * slowloris gets 408 while others are served. Real sockets on loopback; the low limit is a child
 * JVM's ({@link DescriptorChild}), started by a shell that lowers it.
 */
@EnabledOnOs(OS.LINUX) // descriptors are counted in /proc, and the limit set with the shell's ulimit
class HttpServerDescriptorsTest {
    private static final int CHILD_LIMIT = 256;
    private static final long WAIT_SECONDS = 60;

    @Test
    void n13_aServerOf16NeverHoldsMoreThan16ConnectionSockets() throws Exception {
        int max = 16;
        int clients = 100;
        long self = ProcessHandle.current().pid();
        List<Integer> held = new CopyOnWriteArrayList<>();
        int[] port = {0};
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("sixteen").withErrors((w, c) -> { }))) {
            HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0),
                // Two workers: a worker closes a connection and gives its slot back to the accepting
                // catalyst, which may accept before the worker's selector has let go of the descriptor.
                HttpServer.Options.defaults().withWorkers(2).withMaxConnections(max)).each((req, res) -> {
                    try {
                        held.add(ProcSockets.accepted(self, port[0])); // on a worker's thread, a connection open
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    HttpServerTest.echo(req, res);
                });
            port[0] = server.address().getPort();
            Thread loop = new Thread(catalyst::loop, "sixteen");
            loop.start();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                replies.add(CompletableFuture.supplyAsync(() -> get(server.address(), "close"), pool));
            }
            for (CompletableFuture<String> reply : replies) {
                assertThat(reply.get(WAIT_SECONDS, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 ").endsWith("Hello, World!");
            }
            pool.shutdown();
            assertThat(held).hasSize(clients);
            assertThat(held).as("connection sockets held at each request, counted in /proc")
                .allSatisfy(count -> assertThat(count).isBetween(1, max));
            assertThat(server.maxConnections()).isEqualTo(max);
            catalyst.close();
            loop.join(10_000);
        }
    }

    @Test
    void aFloodOfFiveTimesTheDescriptorLimitLeavesTheServerServing() throws Exception {
        try (Child child = Child.start()) {
            assertThat(child.maxConnections).as("the budget comes from ulimit -n %d", CHILD_LIMIT)
                .isLessThan(CHILD_LIMIT).isGreaterThan(CHILD_LIMIT / 2);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", child.port);
            assertThat(get(address, "close")).startsWith("HTTP/1.1 200 ");
            int baseline = awaitDescriptorsAtMost(child, Integer.MAX_VALUE);

            List<SocketChannel> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 5 * CHILD_LIMIT; i++) {
                    SocketChannel socket = SocketChannel.open();
                    flood.add(socket);
                    socket.configureBlocking(false);
                    socket.connect(address); // says nothing once connected
                }
                int peak = 0;
                for (int i = 0; i < 3; i++) {
                    assertThat(get(address, "close")).as("a GET during the flood").startsWith("HTTP/1.1 200 ").endsWith("Hello, World!");
                    peak = Math.max(peak, ProcSockets.accepted(child.pid(), child.port));
                    assertThat(ProcSockets.descriptors(child.pid())).isLessThan(CHILD_LIMIT);
                }
                assertThat(peak).as("connection sockets held").isLessThanOrEqualTo(child.maxConnections);
            } finally {
                for (SocketChannel socket : flood) {
                    socket.close();
                }
            }
            awaitDescriptorsAtMost(child, baseline);
            assertThat(get(address, "close")).as("a GET after the flood").startsWith("HTTP/1.1 200 ");
            assertThat(child.process.isAlive()).isTrue();
            child.stop();
            assertThat(child.stderr()).as("nothing thrown, nothing reported").doesNotContain("Exception", "Error", "report:");
        }
    }

    @Test
    void outOfDescriptorsAcceptsPauseOnceReportedAndResumeWithoutSpinning() throws Exception {
        try (Child child = Child.start()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", child.port);
            try (Socket open = new Socket()) { // a connection open before: it goes on meanwhile
                open.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
                open.connect(address);
                // Twice: the second request arrives through readiness, as the one during the pause will.
                // (Classes first used while out of descriptors could not be loaded from the test's
                // class-path directories; from a jar, open already, they could.)
                assertThat(exchange(open, "keep-alive")).startsWith("HTTP/1.1 200 ");
                assertThat(exchange(open, "keep-alive")).startsWith("HTTP/1.1 200 ");
                assertThat(child.command("exhaust")).startsWith("exhausted ");

                CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> get(address, "close"));
                String report = child.awaitReport("paused");
                assertThat(report).contains("accepts on").contains("Too many open files");
                long roundsPaused = child.rounds();
                long pausedAt = System.nanoTime();
                assertThat(exchange(open, "keep-alive")).as("an open connection is served while accepts pause")
                    .startsWith("HTTP/1.1 200 ");
                long rounds = child.rounds() - roundsPaused;
                double seconds = (System.nanoTime() - pausedAt) / 1e9;
                assertThat(rounds).as("rounds while paused for %.3f s: the back-off, not a spin", seconds)
                    .isLessThanOrEqualTo(20 + (long) (20 * seconds));
                assertThat(child.command("release")).isEqualTo("released");

                assertThat(waiting.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("the waiting client, once descriptors are back")
                    .startsWith("HTTP/1.1 200 ").endsWith("Hello, World!");
                assertThat(exchange(open, "close")).startsWith("HTTP/1.1 200 ");
            }
            child.stop();
            assertThat(child.stderr().lines().filter(line -> line.contains("paused")).count())
                .as("the pause reported once").isEqualTo(1);
            assertThat(child.stderr()).doesNotContain("Exception in", "\tat ");
        }
    }

    @Test
    void aSlowlorisUnderLoadGets408WhileOthersAreServed() throws Exception {
        // The server's timers run on a clock the test moves: one header byte a "second".
        CachedNanoClock clock = new CachedNanoClock();
        int slow = 20;
        try (Catalyst timed = Catalyst.open(Catalyst.Config.defaults().withName("slowloris").withErrors((w, c) -> { }).withClock(clock))) {
            HttpServer server = HttpServer.listen(timed, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults()
                .withWorkers(1).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60))).each(HttpServerTest::echo);
            Thread loop = new Thread(timed::loop, "slowloris");
            loop.start();
            List<SocketChannel> lorises = new ArrayList<>();
            try (SocketChannel steady = SocketChannel.open(server.address())) {
                for (int i = 0; i < slow; i++) {
                    SocketChannel loris = SocketChannel.open(server.address());
                    lorises.add(loris);
                    loris.write(ascii("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (server.peakConnections() < slow + 1) { // every head has begun before the clock moves
                    assertThat(System.nanoTime()).as("all connections accepted").isLessThan(deadline);
                    timed.submit(() -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                byte[] body = new byte[64 * 1024];
                new java.util.Random(5).nextBytes(body);
                for (int second = 1; second <= 9; second++) {
                    settle(timed);
                    clock.advance(Duration.ofSeconds(1).toNanos());
                    for (SocketChannel loris : lorises) {
                        loris.write(ascii("a")); // a byte a second does not restart the head's clock
                    }
                    steady.write(ascii("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n"));
                    steady.write(ByteBuffer.wrap(body));
                    byte[] reply = readResponse(steady, body.length);
                    assertThat(java.util.Arrays.copyOfRange(reply, reply.length - body.length, reply.length))
                        .as("second %d: the steady client's echo", second).isEqualTo(body);
                }
                settle(timed);
                clock.advance(Duration.ofMillis(1100).toNanos()); // 10.1 s since the heads began
                timed.submit(() -> null).get(WAIT_SECONDS, TimeUnit.SECONDS); // wakes the loop: its timers are due
                for (SocketChannel loris : lorises) {
                    String reply = new String(readToEnd(loris), StandardCharsets.ISO_8859_1);
                    assertThat(reply).startsWith("HTTP/1.1 408 ").contains("Connection: close");
                }
                steady.write(ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertThat(new String(readResponse(steady, "Hello, World!".length()), StandardCharsets.ISO_8859_1))
                    .as("the steady client, after").startsWith("HTTP/1.1 200 ").endsWith("Hello, World!");
            } finally {
                for (SocketChannel loris : lorises) {
                    loris.close();
                }
            }
            timed.close();
            loop.join(10_000);
        }
    }

    @Test
    void aClientThatStallsMidExchangeIsClosedAfterTheIdleTimeoutButASlowHandlerIsNot() throws Exception {
        // Driven clock, idle timeout 60 s: one client stops sending its body, one stops reading its
        // response, and one waits on a handler that answers after two "minutes".
        CachedNanoClock clock = new CachedNanoClock();
        List<String> reports = new CopyOnWriteArrayList<>();
        CompletableFuture<dev.pushback.catalyst.endpoint.ManualSource<ByteBuffer>> late = new CompletableFuture<>();
        try (Catalyst timed = Catalyst.open(Catalyst.Config.defaults().withName("stalls")
                .withErrors((what, cause) -> reports.add(what + ": " + cause)).withClock(clock))) {
            HttpServer server = HttpServer.listen(timed, new InetSocketAddress("127.0.0.1", 0), HttpServer.Options.defaults()
                .withWorkers(1).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60))).each((req, res) -> {
                    if (req.target().equals("/late")) {
                        var source = new dev.pushback.catalyst.endpoint.ManualSource<ByteBuffer>(timed, "late");
                        req.graph().from(source).to(res);
                        late.complete(source);
                    } else if (req.target().equals("/big")) { // 32 MiB, far more than the sockets hold
                        var big = new dev.pushback.catalyst.endpoint.ManualSource<ByteBuffer>(timed, "big");
                        byte[] chunk = new byte[64 * 1024];
                        for (int i = 0; i < 512; i++) {
                            big.handlePush(ByteBuffer.wrap(chunk));
                        }
                        big.handleFinish();
                        res.header("Content-Length", Long.toString(512L * chunk.length));
                        req.graph().from(big).to(res);
                        timed.execute(() -> big.handleSetReadable(true));
                    } else {
                        HttpServerTest.echo(req, res);
                    }
                });
            Thread loop = new Thread(timed::loop, "stalls");
            loop.start();
            try (SocketChannel uploader = SocketChannel.open(server.address());
                 SocketChannel reader = SocketChannel.open(server.address());
                 SocketChannel waiter = SocketChannel.open(server.address())) {
                uploader.write(ascii("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"));
                String echoed = new String(readUntilText(uploader, "0123456789"), StandardCharsets.ISO_8859_1);
                assertThat(echoed).startsWith("HTTP/1.1 200 ");
                reader.write(ascii("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")); // and never reads
                waiter.write(ascii("GET /late HTTP/1.1\r\nHost: x\r\n\r\n"));
                var source = late.get(WAIT_SECONDS, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (timed.submit(timed::retainedBytes).get(WAIT_SECONDS, TimeUnit.SECONDS) == 0) {
                    assertThat(System.nanoTime()).as("the big response blocked on its reader").isLessThan(deadline);
                }
                settle(timed);
                for (int second = 0; second < 61; second++) { // a minute and a second, a second at a time
                    clock.advance(Duration.ofSeconds(1).toNanos());
                    settle(timed);
                }
                assertThat(readToEnd(uploader)).as("the stalled upload: closed").isEmpty();
                assertThat(drainsToEnd(reader)).as("the stalled reader: reset, its response cut short")
                    .isLessThan(512L * 64 * 1024);
                timed.execute(() -> {
                    source.handlePush(ascii("at last"));
                    source.handleFinish();
                    source.handleSetReadable(true);
                });
                assertThat(new String(readUntilText(waiter, "0\r\n\r\n"), StandardCharsets.ISO_8859_1))
                    .as("a slow handler is not the client's stall").startsWith("HTTP/1.1 200 ").contains("at last");
            }
            assertThat(reports).as("the two stalled exchanges, reported once each")
                .filteredOn(report -> report.contains("for 60 s")).hasSizeBetween(1, 2);
            timed.close();
            loop.join(10_000);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] readUntilText(SocketChannel socket, String until) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (!got.toString(StandardCharsets.ISO_8859_1).contains(until)) {
            assertThat(socket.read(buffer.clear())).as("closed before %s", until).isPositive();
            got.write(buffer.array(), 0, buffer.position());
        }
        return got.toByteArray();
    }

    /** Reads to the end (or a reset); how many bytes came. */
    private static long drainsToEnd(SocketChannel socket) {
        long total = 0;
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            for (int read = socket.read(buffer.clear()); read > 0; read = socket.read(buffer.clear())) {
                total += read;
            }
        } catch (IOException reset) {
            // cut short: what came counts
        }
        return total;
    }

    /** Two rounds: the first selects after this task, so the second sees what was sent before it. */
    private static void settle(Catalyst catalyst) throws Exception {
        catalyst.submit(() -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
        catalyst.submit(() -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static int awaitDescriptorsAtMost(Child child, int most) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            int now = ProcSockets.descriptors(child.pid());
            child.rounds(); // a round trip through the child's catalyst: it has closed what it was closing
            if (now <= most && ProcSockets.descriptors(child.pid()) == now) {
                return now;
            }
            assertThat(System.nanoTime()).as("descriptors back to %d (now %d)", most, now).isLessThan(deadline);
        }
    }

    /** One GET on a new connection, with a bounded wait; the whole response. */
    private static String get(InetSocketAddress address, String connection) {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            socket.connect(address, (int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            return exchange(socket, connection);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A GET on {@code socket}; reads its response (Content-Length framed). */
    private static String exchange(Socket socket, String connection) throws IOException {
        socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\nConnection: " + connection + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
                if (length.find() && got.size() >= end + 4 + Integer.parseInt(length.group(1))) {
                    return text;
                }
            }
            int b = in.read();
            if (b < 0) {
                return text;
            }
            got.write(b);
        }
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads one response whose body has {@code bodyLength} bytes. */
    private static byte[] readResponse(SocketChannel socket, int bodyLength) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        while (true) {
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0 && got.size() >= end + 4 + bodyLength) {
                return got.toByteArray();
            }
            assertThat(socket.read(buffer.clear())).as("closed mid-response").isPositive();
            got.write(buffer.array(), 0, buffer.position());
        }
    }

    private static byte[] readToEnd(SocketChannel socket) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        try {
            while (socket.read(buffer.clear()) > 0) {
                got.write(buffer.array(), 0, buffer.position());
            }
        } catch (IOException reset) {
            // what came before counts
        }
        return got.toByteArray();
    }

    /** {@link DescriptorChild} under {@code ulimit -n 256}, driven through its stdin and stdout. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final int port;
        final int maxConnections;
        private final BufferedReader out;
        private final PrintStream in;
        private final StringBuffer stderr = new StringBuffer();
        private final BlockingQueue<String> stderrLines = new LinkedBlockingQueue<>();
        private final Thread stderrReader;

        private Child(Process process) throws IOException {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            this.stderrReader = new Thread(() -> {
                try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line = err.readLine(); line != null; line = err.readLine()) {
                        stderr.append(line).append('\n');
                        stderrLines.add(line);
                    }
                } catch (IOException ended) {
                    // the child is gone
                }
            }, "child-stderr");
            stderrReader.setDaemon(true);
            stderrReader.start();
            assertThat(readLine()).startsWith("rounds ");
            String[] listening = readLine().split(" ");
            assertThat(listening[0]).isEqualTo("listening");
            this.port = Integer.parseInt(listening[1]);
            this.maxConnections = Integer.parseInt(listening[2]);
        }

        static Child start() throws IOException {
            List<String> command = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + CHILD_LIMIT + " && exec \"$@\"", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), DescriptorChild.class.getName()));
            return new Child(new ProcessBuilder(command).start());
        }

        long pid() {
            return process.pid();
        }

        String command(String line) throws IOException {
            in.println(line);
            return readLine();
        }

        long rounds() throws IOException {
            String reply = command("rounds");
            assertThat(reply).startsWith("rounds ");
            return Long.parseLong(reply.substring("rounds ".length()));
        }

        String awaitReport(String containing) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (true) {
                String line = stderrLines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                assertThat(line).as("a report containing '%s'; stderr so far: %s", containing, stderr).isNotNull();
                if (line.contains(containing)) {
                    return line;
                }
            }
        }

        private String readLine() throws IOException {
            String line = out.readLine();
            assertThat(line).as("the child's output; its stderr: %s", stderr).isNotNull();
            return line;
        }

        /** Ends the child by closing its stdin, and waits for it and its stderr. */
        void stop() throws Exception {
            in.close();
            assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("the child ends").isTrue();
            stderrReader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        }

        String stderr() {
            return stderr.toString();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
