package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy --upstream URL} as a user runs it: a child process in front of {@code echo-server}
 * (another child), curl through it; an upstream nobody listens on gets curl a 502; a command line
 * without {@code --upstream} is a usage error.
 */
@Timeout(180)
class ProxyTest {
    @TempDir
    Path dir;

    @Test
    void curlThroughTheProxyToAnEchoServerAndStopOnSigterm() throws Exception {
        Process upstream = LauncherProcess.start(dir, "echo-server", "--port", "0");
        Process proxy = null;
        try {
            String upstreamAddress = listeningOn(upstream);
            proxy = LauncherProcess.start(dir, "proxy", "--upstream", "http://" + upstreamAddress, "--port", "0", "--workers", "1");
            String proxyAddress = listeningOn(proxy);
            String url = "http://" + proxyAddress + "/hello";

            LauncherProcess.Result hello = curl("-D", "-", url);
            assertThat(hello.stderr()).isEmpty();
            assertThat(hello.exitCode()).isZero();
            String reply = new String(hello.stdout(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("\r\nVia: 1.1 pushback\r\n")
                .endsWith("\r\n\r\nHello, World!");

            byte[] body = new byte[8 << 20];
            new Random(21).nextBytes(body);
            Path upload = Files.write(dir.resolve("upload"), body);
            for (String framing : new String[] {"Content-Length", "Transfer-Encoding: chunked"}) {
                LauncherProcess.Result echo = framing.startsWith("Transfer")
                    ? curl("--data-binary", "@" + upload, "-H", framing, url)
                    : curl("--data-binary", "@" + upload, url);
                assertThat(echo.stderr()).isEmpty();
                assertThat(echo.exitCode()).isZero();
                assertThat(echo.stdout()).as("echoed through the proxy with %s", framing).isEqualTo(body);
            }

            proxy.destroy(); // SIGTERM: stops accepting, finishes, exits
            assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(proxy.exitValue()).isEqualTo(143);
        } finally {
            if (proxy != null) {
                proxy.destroyForcibly();
            }
            upstream.destroyForcibly();
        }
    }

    @Test
    void anUpstreamNobodyListensOnGets502() throws Exception {
        int port;
        try (ServerSocket nobody = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = nobody.getLocalPort(); // closed again: nobody listens there
        }
        Process proxy = LauncherProcess.start(dir, "proxy", "--upstream", "http://127.0.0.1:" + port, "--port", "0");
        java.util.concurrent.CompletableFuture<byte[]> errors =
            java.util.concurrent.CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(proxy.getErrorStream()));
        try {
            String url = "http://" + listeningOn(proxy) + "/";
            for (int i = 0; i < 2; i++) { // and the proxy goes on serving
                LauncherProcess.Result down = curl("-o", "/dev/null", "-w", "%{http_code}", url);
                assertThat(down.exitCode()).as(down.stderr()).isZero();
                assertThat(new String(down.stdout(), StandardCharsets.ISO_8859_1)).isEqualTo("502");
            }
            proxy.destroy();
            assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String stderr = new String(errors.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            assertThat(stderr.lines()).as("each failure one line: " + stderr).hasSize(2)
                .allSatisfy(line -> assertThat(line).startsWith("proxy: ").contains("127.0.0.1:" + port));
        } finally {
            proxy.destroyForcibly();
        }
    }

    @Test
    void withoutAnUpstreamOrWithABadOneItIsAUsageError() throws Exception {
        LauncherProcess.Result missing = LauncherProcess.run(dir, new byte[0], "proxy", "--port", "0");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).startsWith("proxy: --upstream URL is required\nusage: proxy --upstream URL ");
        assertThat(missing.stdout()).isEmpty();
        LauncherProcess.Result bad = LauncherProcess.run(dir, new byte[0], "proxy", "--upstream", "ftp://127.0.0.1/", "--port", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).startsWith("proxy: --upstream takes an http or https URL, not 'ftp://127.0.0.1/'\nusage: proxy ");
    }

    /** The {@code HOST:PORT} of a server's first line, {@code listening on HOST:PORT}. */
    private static String listeningOn(Process server) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).startsWith("listening on 127.0.0.1:");
        return line.substring("listening on ".length());
    }

    private LauncherProcess.Result curl(String... args) throws Exception {
        String[] command = new String[args.length + 4];
        command[0] = "curl";
        command[1] = "-sS";
        command[2] = "--max-time";
        command[3] = "60";
        System.arraycopy(args, 0, command, 4, args.length);
        return LauncherProcess.peer(dir, ProcessBuilder.Redirect.PIPE, new byte[0], command);
    }
}
