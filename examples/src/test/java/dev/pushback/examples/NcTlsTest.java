package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nc --tls} and {@code nc -l --tls-cert --tls-key} (DESIGN N18) as a user runs them, against
 * each other and against {@code openssl s_server}: both directions, the certificate checked
 * against {@code --cafile} and the host name, refused without it, accepted with {@code --insecure}.
 */
class NcTlsTest {
    @TempDir
    static Path keysDir;
    private static TestKeys keys;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeKeys() throws Exception {
        keys = TestKeys.make(keysDir);
    }

    @Test
    void ncTlsToNcListeningWithACertificateEachWay() throws Exception {
        Process listener = new ProcessBuilder(LauncherProcess.command("nc", "-l", "-v", "--tls-cert", keys.chain().toString(),
            "--tls-key", keys.key().toString(), "127.0.0.1", "0")).directory(dir.toFile()).start();
        try {
            BufferedReader listenerErr = new BufferedReader(new InputStreamReader(listener.getErrorStream(), StandardCharsets.UTF_8));
            String listening = listenerErr.readLine();
            assertThat(listening).startsWith("nc: listening on 127.0.0.1:");
            String port = listening.substring(listening.lastIndexOf(':') + 1);
            CompletableFuture<byte[]> listenerOut = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(listener.getInputStream()));
            try (OutputStream in = listener.getOutputStream()) {
                in.write("from the listener\n".getBytes(StandardCharsets.UTF_8));
            }
            // By name: the certificate is checked against the CA and "localhost".
            LauncherProcess.Result client = LauncherProcess.run(dir, "from the client\n".getBytes(StandardCharsets.UTF_8),
                "nc", "--tls", "--cafile", keys.ca().toString(), "localhost", port);
            assertThat(client.exitCode()).as(client.stderr()).isZero();
            assertThat(client.stderr()).isEmpty();
            assertThat(new String(client.stdout(), StandardCharsets.UTF_8)).isEqualTo("from the listener\n");
            assertThat(listener.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(listener.exitValue()).isZero();
            assertThat(new String(listenerOut.get(), StandardCharsets.UTF_8)).isEqualTo("from the client\n");
        } finally {
            listener.destroyForcibly();
        }
    }

    /** {@code openssl s_server} for one connection; its stdin is held open until the test closes it. */
    private static final class SServer implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final int port;
        final StringBuilder seen = new StringBuilder();

        SServer(Path dir) throws Exception {
            process = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", keys.chain().toString(),
                "-key", keys.key().toString(), "-naccept", "1").directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.ISO_8859_1));
            String line = readLineContaining("ACCEPT ");
            port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim());
        }

        /** Reads s_server's stdout up to a line that contains {@code text}; fails at its end. */
        String readLineContaining(String text) throws Exception {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                seen.append(line).append('\n');
                if (line.contains(text)) {
                    return line;
                }
            }
            throw new AssertionError("s_server ended without '" + text + "': " + seen);
        }

        void send(String text) throws Exception {
            process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    @Test
    void ncTlsAgainstOpensslSServerEachWay() throws Exception {
        try (SServer server = new SServer(dir)) {
            Process nc = new ProcessBuilder(LauncherProcess.command("nc", "--tls", "--cafile", keys.ca().toString(),
                "127.0.0.1", Integer.toString(server.port))).directory(dir.toFile()).start();
            CompletableFuture<byte[]> ncOut = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(nc.getInputStream()));
            CompletableFuture<byte[]> ncErr = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(nc.getErrorStream()));
            OutputStream ncIn = nc.getOutputStream();
            ncIn.write("from nc\n".getBytes(StandardCharsets.UTF_8));
            ncIn.flush();
            server.readLineContaining("from nc"); // the handshake is done and the bytes came through
            server.send("from openssl\n");
            ncIn.close(); // close_notify: s_server says DONE, closes with its own, and exits (-naccept 1)
            assertThat(nc.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String err = new String(ncErr.get(120, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            assertThat(nc.exitValue()).as("stderr: %s", err).isZero();
            assertThat(new String(ncOut.get(), StandardCharsets.UTF_8)).isEqualTo("from openssl\n");
            server.readLineContaining("DONE");
        }
    }

    @Test
    void aCertificateNobodyTrustsIsOneLineNamingTheAddressAndInsecureTakesIt() throws Exception {
        try (SServer server = new SServer(dir)) {
            // The JDK's own authorities never signed the test CA.
            LauncherProcess.Result untrusted = LauncherProcess.run(dir, "x\n".getBytes(StandardCharsets.UTF_8),
                "nc", "--tls", "localhost", Integer.toString(server.port));
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.stderr()).startsWith("nc: TLS handshake with localhost:" + server.port + " failed: ")
                .endsWith("\n");
            assertThat(untrusted.stderr().lines()).hasSize(1);
        }
        try (SServer server = new SServer(dir)) {
            Process nc = new ProcessBuilder(LauncherProcess.command("nc", "--tls", "--insecure", "127.0.0.1",
                Integer.toString(server.port))).directory(dir.toFile()).start();
            CompletableFuture<byte[]> ncOut = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(nc.getInputStream()));
            CompletableFuture<byte[]> ncErr = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(nc.getErrorStream()));
            nc.getOutputStream().write("insecure\n".getBytes(StandardCharsets.UTF_8));
            nc.getOutputStream().close();
            server.readLineContaining("insecure");
            server.readLineContaining("DONE");
            assertThat(nc.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(nc.exitValue()).as("stderr: %s", new String(ncErr.get(), StandardCharsets.UTF_8)).isZero();
            assertThat(ncOut.get()).isEmpty();
        }
    }

    @Test
    void tlsUsageErrorsExit2() throws Exception {
        List<String[]> wrong = new ArrayList<>(List.of(
            new String[] {"nc", "--cafile", "ca.pem", "127.0.0.1", "1"},
            new String[] {"nc", "--insecure", "127.0.0.1", "1"},
            new String[] {"nc", "--tls-cert", "c.pem", "--tls-key", "k.pem", "127.0.0.1", "1"},
            new String[] {"nc", "-l", "--tls-cert", "c.pem", "0"},
            new String[] {"nc", "-l", "--tls", "0"},
            new String[] {"nc", "-U", "--tls", "x.sock"}));
        for (String[] args : wrong) {
            LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], args);
            assertThat(result.exitCode()).as("%s: %s", List.of(args), result.stderr()).isEqualTo(2);
            assertThat(result.stderr()).startsWith("nc: ").contains("\nusage: nc ");
        }
    }
}
