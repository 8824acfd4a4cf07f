package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code echo-server --tls-cert --tls-key} serves HTTPS to curl, which checks the certificate
 * against the CA that signed it; bad key material is one line of error.
 */
class EchoServerTlsTest {
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
    void servesHttpsToCurl() throws Exception {
        Process server = LauncherProcess.start(dir, "echo-server", "--port", "0",
            "--tls-cert", keys.chain().toString(), "--tls-key=" + keys.key());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).startsWith("listening on 127.0.0.1:");
            String port = line.substring(line.lastIndexOf(':') + 1);
            // By name, so that curl checks the name in the certificate, and by address.
            for (String host : List.of("localhost", "127.0.0.1")) {
                String url = "https://" + host + ":" + port + "/";
                LauncherProcess.Result hello = LauncherProcess.peer(dir, ProcessBuilder.Redirect.PIPE, new byte[0],
                    "curl", "-sS", "--fail", "--max-time", "60", "--cacert", keys.ca().toString(), "--resolve",
                    "localhost:" + port + ":127.0.0.1", url);
                assertThat(hello.stderr()).isEmpty();
                assertThat(hello.exitCode()).isZero();
                assertThat(new String(hello.stdout(), StandardCharsets.UTF_8)).isEqualTo("Hello, World!");
            }
            byte[] body = new byte[3 << 20];
            new Random(18).nextBytes(body);
            Path upload = dir.resolve("upload");
            Files.write(upload, body);
            LauncherProcess.Result echo = LauncherProcess.peer(dir, ProcessBuilder.Redirect.PIPE, new byte[0],
                "curl", "-sS", "--fail", "--max-time", "60", "--cacert", keys.ca().toString(),
                "--data-binary", "@" + upload, "https://127.0.0.1:" + port + "/");
            assertThat(echo.stderr()).isEmpty();
            assertThat(echo.exitCode()).isZero();
            assertThat(echo.stdout()).isEqualTo(body);
            // Without the CA, curl refuses the certificate: it is checked, not merely accepted.
            LauncherProcess.Result untrusted = LauncherProcess.peer(dir, ProcessBuilder.Redirect.PIPE, new byte[0],
                "curl", "-sS", "--max-time", "60", "https://127.0.0.1:" + port + "/");
            assertThat(untrusted.exitCode()).isEqualTo(60); // CURLE_PEER_FAILED_VERIFICATION
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isEqualTo(143);
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void badKeyMaterialIsOneLineAndStatusOne() throws Exception {
        LauncherProcess.Result missing = LauncherProcess.run(dir, new byte[0], "echo-server", "--port", "0",
            "--tls-cert", "nosuch.pem", "--tls-key", keys.key().toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).startsWith("echo-server: ").contains("nosuch.pem").endsWith("\n");
        assertThat(missing.stderr().lines()).hasSize(1);
        // The key where the certificate should be: named, one line.
        LauncherProcess.Result swapped = LauncherProcess.run(dir, new byte[0], "echo-server", "--port", "0",
            "--tls-cert", keys.key().toString(), "--tls-key", keys.chain().toString());
        assertThat(swapped.exitCode()).isEqualTo(1);
        assertThat(swapped.stderr().lines()).hasSize(1);
        assertThat(swapped.stderr()).startsWith("echo-server: ");
        assertThat(missing.stdout()).isEmpty();
    }

    @Test
    void halfAPairIsAUsageError() throws Exception {
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "echo-server", "--tls-cert", keys.chain().toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).startsWith("echo-server: --tls-cert needs --tls-key\nusage: echo-server ");
    }
}
