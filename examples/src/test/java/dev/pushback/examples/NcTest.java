package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nc} (issue 10 section 3) as a user runs it, a separate JVM with real pipes, against real
 * sockets on loopback: 64 MiB to an echo server and back, byte for byte; nc to nc -l; a Unix
 * domain socket; a refused connect and usage errors.
 */
class NcTest {
    @TempDir
    Path dir;

    @Test
    void sixtyFourMebibytesToAnEchoServerAndBackByteForByte() throws Exception {
        Path input = dir.resolve("in.bin");
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(64);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(input)) {
            for (int i = 0; i < 64; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
                sent.update(chunk);
            }
        }
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Long> echoed = CompletableFuture.supplyAsync(() -> echoOnce(server));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Process nc = new ProcessBuilder(LauncherProcess.command("nc", "127.0.0.1", Integer.toString(port)))
                .directory(dir.toFile()).redirectInput(input.toFile()).start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> new String(LauncherProcess.readAll(nc.getErrorStream())));
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long bytes = 0;
            try (InputStream out = nc.getInputStream()) {
                byte[] buffer = new byte[1 << 16];
                for (int n = out.read(buffer); n >= 0; n = out.read(buffer)) {
                    received.update(buffer, 0, n);
                    bytes += n;
                }
            }
            assertThat(nc.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(nc.exitValue()).as("stderr: %s", err.get()).isZero();
            assertThat(bytes).isEqualTo(64L << 20);
            assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(HexFormat.of().formatHex(sent.digest()));
            assertThat(echoed.get(120, TimeUnit.SECONDS)).isEqualTo(64L << 20);
        }
    }

    @Test
    void ncToNcListeningOnOnePortEachWayThenBothEnd() throws Exception {
        Process listener = new ProcessBuilder(LauncherProcess.command("nc", "-l", "-v", "127.0.0.1", "0")).directory(dir.toFile()).start();
        BufferedReader listenerErr = new BufferedReader(new InputStreamReader(listener.getErrorStream(), StandardCharsets.UTF_8));
        String listening = listenerErr.readLine();
        assertThat(listening).startsWith("nc: listening on 127.0.0.1:");
        String port = listening.substring(listening.lastIndexOf(':') + 1);
        CompletableFuture<byte[]> listenerOut = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(listener.getInputStream()));
        try (OutputStream in = listener.getOutputStream()) {
            in.write("from the listener\n".getBytes(StandardCharsets.UTF_8));
        }
        LauncherProcess.Result client = LauncherProcess.run(dir, "from the client\n".getBytes(StandardCharsets.UTF_8),
            "nc", "127.0.0.1", port);
        assertThat(client.exitCode()).as(client.stderr()).isZero();
        assertThat(new String(client.stdout(), StandardCharsets.UTF_8)).isEqualTo("from the listener\n");
        assertThat(listener.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(listener.exitValue()).isZero();
        assertThat(new String(listenerOut.get(), StandardCharsets.UTF_8)).isEqualTo("from the client\n");
    }

    @Test
    void aUnixDomainSocket() throws Exception {
        Path socket = dir.resolve("nc.sock");
        Process listener = new ProcessBuilder(LauncherProcess.command("nc", "-l", "-v", "-U", socket.toString())).directory(dir.toFile()).start();
        BufferedReader listenerErr = new BufferedReader(new InputStreamReader(listener.getErrorStream(), StandardCharsets.UTF_8));
        assertThat(listenerErr.readLine()).startsWith("nc: listening on ").contains("nc.sock");
        CompletableFuture<byte[]> listenerOut = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(listener.getInputStream()));
        listener.getOutputStream().close();
        LauncherProcess.Result client = LauncherProcess.run(dir, "over a socket file\n".getBytes(StandardCharsets.UTF_8),
            "nc", "-U", socket.toString());
        assertThat(client.exitCode()).as(client.stderr()).isZero();
        assertThat(listener.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(listenerOut.get(), StandardCharsets.UTF_8)).isEqualTo("over a socket file\n");
        assertThat(socket).as("the listener removed its socket file").doesNotExist();
    }

    @Test
    void aRefusedConnectIsOneLineAndStatus1() throws Exception {
        int port;
        try (ServerSocketChannel closed = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            port = ((InetSocketAddress) closed.getLocalAddress()).getPort();
        }
        LauncherProcess.Result refused = LauncherProcess.run(dir, new byte[0], "nc", "127.0.0.1", Integer.toString(port));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).isEqualTo("nc: connect to 127.0.0.1:" + port + " refused\n");
    }

    @Test
    void usageErrorsExit2() throws Exception {
        assertThat(LauncherProcess.run(dir, new byte[0], "nc", "127.0.0.1").exitCode()).isEqualTo(2);
        assertThat(LauncherProcess.run(dir, new byte[0], "nc", "127.0.0.1", "http").exitCode()).isEqualTo(2);
        assertThat(LauncherProcess.run(dir, new byte[0], "nc", "-z", "127.0.0.1", "1").exitCode()).isEqualTo(2);
    }

    /** Accepts one connection and echoes it: reads and writes as they come, and ends its output after the client's. */
    private static long echoOnce(ServerSocketChannel server) {
        try (SocketChannel client = server.accept()) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long total = 0;
            while (client.read(buffer.clear()) >= 0) {
                buffer.flip();
                total += buffer.remaining();
                while (buffer.hasRemaining()) {
                    client.write(buffer);
                }
            }
            client.shutdownOutput();
            return total;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
