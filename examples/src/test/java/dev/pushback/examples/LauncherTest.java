package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's commands as a user runs them: real processes, real pipes, real files. */
class LauncherTest {
    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void noArgumentsPrintsUsage() throws Exception {
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0]);
        assertThat(result.exitCode()).isZero();
        assertThat(result.stderr()).contains("usage:", "tee", "cat", "interleave", "pv");
    }

    @Test
    void aCommandsHelpPrintsItsUsageAndRunsNothing() throws Exception {
        LauncherProcess.Result tee = LauncherProcess.run(dir, "never read".getBytes(StandardCharsets.UTF_8), "tee", "--help", "f");
        assertThat(tee.exitCode()).isZero();
        assertThat(tee.stderr()).isEqualTo("usage: tee [-a] [FILE...]      stdin to stdout and to each FILE (-a appends)\n");
        assertThat(tee.stdout()).isEmpty();
        assertThat(dir.resolve("f")).doesNotExist();
        LauncherProcess.Result echo = LauncherProcess.run(dir, new byte[0], "echo-server", "-h");
        assertThat(echo.exitCode()).isZero();
        assertThat(echo.stderr()).startsWith("usage: echo-server ").contains("gives open exchanges 5 s to finish");
    }

    @Test
    void unknownCommandIsAUsageError() throws Exception {
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "frobnicate");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("unknown command 'frobnicate'");
    }

    @Test
    void teeCopiesStdinToStdoutAndEveryFileByteForByte() throws Exception {
        byte[] input = random(20 << 20, 1);
        LauncherProcess.Result result = LauncherProcess.run(dir, input, "tee", "a.out", "b.out");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo(input);
        assertThat(Files.readAllBytes(dir.resolve("a.out"))).isEqualTo(input);
        assertThat(Files.readAllBytes(dir.resolve("b.out"))).isEqualTo(input);
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void teeAppendsWithA() throws Exception {
        Files.writeString(dir.resolve("log"), "before\n");
        LauncherProcess.Result result = LauncherProcess.run(dir, "after\n".getBytes(StandardCharsets.UTF_8), "tee", "-a", "log");
        assertThat(result.exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("log"))).isEqualTo("before\nafter\n");
    }

    @Test
    void teeExplainPrintsThePlanWithItsMask() throws Exception {
        LauncherProcess.Result result = LauncherProcess.run(dir, "x".getBytes(StandardCharsets.UTF_8), "tee", "--explain", "f");
        assertThat(result.exitCode()).isZero();
        assertThat(result.stderr()).contains("plan: 1 fiber", "mask {stdin readable", "stdout writable", "f writable",
            "broadcast", "retained bound");
    }

    @Test
    void teeIntoAClosedPipeExitsQuietlyWith141() throws Exception {
        Process process = LauncherProcess.start(dir, "tee");
        process.getInputStream().close(); // nobody reads stdout: the next write gets EPIPE
        try (OutputStream in = process.getOutputStream()) {
            byte[] chunk = new byte[1 << 16];
            for (int i = 0; i < 1024 && process.isAlive(); i++) {
                in.write(chunk);
            }
        } catch (IOException expected) {
            // tee exited and closed its stdin
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(LauncherProcess.readAll(process.getErrorStream()), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("as a shell shows a process that SIGPIPE killed").isEqualTo(141);
        assertThat(stderr).as("nothing said, as GNU tee").isEmpty();
    }

    @Test
    void catConcatenatesFilesAndStdinInOrder() throws Exception {
        Files.write(dir.resolve("one"), random(300_000, 2));
        Files.writeString(dir.resolve("two"), "two\n");
        byte[] stdin = "from stdin\n".getBytes(StandardCharsets.UTF_8);
        LauncherProcess.Result result = LauncherProcess.run(dir, stdin, "cat", "one", "-", "two");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        byte[] one = Files.readAllBytes(dir.resolve("one"));
        byte[] expected = new byte[one.length + stdin.length + 4];
        System.arraycopy(one, 0, expected, 0, one.length);
        System.arraycopy(stdin, 0, expected, one.length, stdin.length);
        System.arraycopy("two\n".getBytes(StandardCharsets.UTF_8), 0, expected, one.length + stdin.length, 4);
        assertThat(result.stdout()).isEqualTo(expected);
    }

    @Test
    void catWithoutFilesReadsStdin() throws Exception {
        byte[] input = random(1 << 20, 3);
        LauncherProcess.Result result = LauncherProcess.run(dir, input, "cat");
        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).isEqualTo(input);
    }

    @Test
    void catReportsAMissingFileInOneLineAndGoesOn() throws Exception {
        Files.writeString(dir.resolve("present"), "here\n");
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "cat", "missing", "present");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr()).isEqualTo("cat: missing: No such file or directory\n");
        assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("here\n");
    }

    @Test
    void interleaveNeverSplitsALineAndKeepsEachInputsOrder() throws Exception {
        Random random = new Random(4);
        Map<String, List<String>> inputs = new HashMap<>();
        for (String name : List.of("x", "y", "z")) {
            List<String> lines = new ArrayList<>();
            StringBuilder file = new StringBuilder();
            for (int i = 0; i < 5_000; i++) {
                // long lines cross 64 KiB chunk boundaries
                String line = name + i + ":" + "#".repeat(random.nextInt(i % 97 == 0 ? 150_000 : 40));
                lines.add(line);
                file.append(line).append('\n');
            }
            inputs.put(name, lines);
            Files.writeString(dir.resolve(name), file);
        }
        Files.writeString(dir.resolve("last"), "no newline at the end");
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "interleave", "x", "y", "z", "last");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String out = new String(result.stdout(), StandardCharsets.UTF_8);
        assertThat(out.endsWith("\n")).as("the output ends as its last line did").isEqualTo(!out.endsWith("no newline at the end"));
        Map<String, List<String>> seen = new HashMap<>();
        for (String line : out.split("\n")) {
            String key = line.startsWith("no newline") ? "last" : line.substring(0, 1);
            seen.computeIfAbsent(key, k -> new ArrayList<>()).add(line);
        }
        for (String name : List.of("x", "y", "z")) {
            assertThat(seen.get(name)).as("lines of %s, in order, whole", name).isEqualTo(inputs.get(name));
        }
        assertThat(seen.get("last")).containsExactly("no newline at the end");
    }

    @Test
    void interleaveReadsStdinLinesAcrossBridgeChunks() throws Exception {
        StringBuilder numbers = new StringBuilder();
        for (int i = 1; i <= 300_000; i++) {
            numbers.append(i).append('\n'); // ~2 MB: more than one 1 MiB bridge chunk
        }
        Files.writeString(dir.resolve("abc"), "a\nb\nc");
        LauncherProcess.Result result = LauncherProcess.run(dir, numbers.toString().getBytes(StandardCharsets.UTF_8),
            "interleave", "-", "abc");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        List<String> lines = List.of(new String(result.stdout(), StandardCharsets.UTF_8).split("\n"));
        assertThat(lines).hasSize(300_003);
        assertThat(lines.stream().filter(l -> !l.matches("[abc]")).map(Integer::parseInt).toList())
            .as("stdin's lines whole and in order").isEqualTo(java.util.stream.IntStream.rangeClosed(1, 300_000).boxed().toList());
        assertThat(lines.stream().filter(l -> l.matches("[abc]"))).containsExactly("a", "b", "c");
    }

    @Test
    void interleaveWithoutOperandsIsAUsageError() throws Exception {
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "interleave");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).startsWith("interleave: missing FILE operand\nusage: interleave");
    }

    @Test
    void pvPassesDataUnchangedAndReportsProgressOnStderr() throws Exception {
        byte[] input = random(8 << 20, 5);
        LauncherProcess.Result result = LauncherProcess.run(dir, input, "pv");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo(input);
        assertThat(result.stderr()).contains("\r8.0 MiB 0:00:").endsWith("/s]\n");
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void pvProgressLinesTickWhileDataFlows() throws Exception {
        // The feeder holds stdin open until pv has printed a tick, proving the interval fires mid-stream.
        Process process = LauncherProcess.start(dir, "pv");
        var stdout = java.util.concurrent.CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(process.getInputStream()));
        InputStream err = process.getErrorStream();
        try (OutputStream in = process.getOutputStream()) {
            in.write(new byte[1000]);
            in.flush();
            int c;
            while ((c = err.read()) != -1 && c != ']') {
                // wait for the first progress line, which ends with ']'
            }
            assertThat(c).isEqualTo(']');
            in.write(new byte[24]);
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(stdout.get()).hasSize(1024);
    }

    @Test
    void echoServerServesRealClientsAndStopsOnSigterm() throws Exception {
        Process server = LauncherProcess.start(dir, "echo-server", "--port", "0", "--max-connections", "16");
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).startsWith("listening on 127.0.0.1:");
            java.net.URI uri = java.net.URI.create("http://" + line.substring("listening on ".length()) + "/");
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            var hello = client.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("Hello, World!");
            byte[] body = random(2 << 20, 9);
            var echo = client.send(java.net.http.HttpRequest.newBuilder(uri)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(echo.body()).isEqualTo(body);
            server.destroy(); // SIGTERM: stop accepting, finish, exit
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void echoServerGivesOpenExchangesTheGracePeriodAfterSigterm() throws Exception {
        Process server = LauncherProcess.start(dir, "echo-server", "--port", "0");
        try (SocketChannel finishing = SocketChannel.open(); SocketChannel stuck = SocketChannel.open()) {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).startsWith("listening on 127.0.0.1:");
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(line.substring(line.lastIndexOf(':') + 1)));
            // Two exchanges in flight: each has sent half of its body and got that half echoed.
            for (SocketChannel client : List.of(finishing, stuck)) {
                client.connect(address);
                client.write(ByteBuffer.wrap("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"
                    .getBytes(StandardCharsets.ISO_8859_1)));
                assertThat(readUntil(client, "hello")).startsWith("HTTP/1.1 200 OK\r\n");
            }
            long signalled = System.nanoTime();
            server.destroy(); // SIGTERM
            long deadline = signalled + TimeUnit.SECONDS.toNanos(30);
            while (accepts(address)) { // the shutdown has begun once connections are refused
                assertThat(System.nanoTime()).as("stops accepting").isLessThan(deadline);
                Thread.onSpinWait();
            }
            // An open exchange still finishes...
            finishing.write(ByteBuffer.wrap("world".getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(readUntil(finishing, "world")).isEqualTo("world");
            // ...and one that never does holds the server for the grace period, then is closed.
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(System.nanoTime() - signalled).as("the server waited for the stuck exchange")
                .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(5));
            assertThat(server.exitValue()).isEqualTo(143);
            try {
                assertThat(stuck.read(ByteBuffer.allocate(64))).as("the stuck exchange was closed").isEqualTo(-1);
            } catch (IOException reset) {
                // closed with its request unread: a reset is a close too
            }
        } finally {
            server.destroyForcibly();
        }
    }

    /** Whether a connection to {@code address} is accepted now (closed at once if so). */
    private static boolean accepts(InetSocketAddress address) {
        try (SocketChannel probe = SocketChannel.open(address)) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** Reads from a blocking socket until {@code text} has arrived; returns what was read. */
    private static String readUntil(SocketChannel client, String text) throws IOException {
        StringBuilder received = new StringBuilder();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (received.indexOf(text) < 0) {
            int n = client.read(buffer.clear());
            assertThat(n).as("closed before " + text + " arrived; got: " + received).isPositive();
            received.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
        }
        return received.toString();
    }

    @Test
    void explainIsAUsageErrorForCommandsWithoutAPlan() throws Exception {
        for (String command : List.of("echo-server", "embed")) {
            LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], command, "--explain");
            assertThat(result.exitCode()).as(command).isEqualTo(2);
            assertThat(result.stderr()).startsWith(command + ": --explain: " + command
                + " has no plan to print; --explain is for cat, grep, interleave, pv, tee\nusage: " + command + " ");
            assertThat(result.stdout()).as("%s did not run", command).isEmpty();
        }
    }

    @Test
    void embedRunsThePipelineIntactInEveryModeWhileTheHostTicks() throws Exception {
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "embed", "--mib", "16");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String[] lines = new String(result.stdout(), StandardCharsets.UTF_8).split("\n");
        assertThat(lines).extracting(line -> line.split(" +")[0])
            .containsExactly("loop", "run-once", "agent", "composite", "invoker", "hosted");
        assertThat(lines).allSatisfy(line -> assertThat(line).contains("16 MiB").endsWith("intact"));
    }

    @Test
    void embedRejectsAnUnknownMode() throws Exception {
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "embed", "--mode", "fork");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).startsWith("embed: unknown mode 'fork'; modes: loop, run-once");
    }

    static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }
}
