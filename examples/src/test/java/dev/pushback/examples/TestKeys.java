package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key material made by the real {@code openssl} binary, as a user makes it: a CA ({@code ca.pem})
 * and a leaf for {@code localhost} and {@code 127.0.0.1} signed by it ({@code server-chain.pem},
 * leaf then CA, and its PKCS#8 key {@code server.key}).
 */
final class TestKeys {
    private final Path dir;

    private TestKeys(Path dir) {
        this.dir = dir;
    }

    static TestKeys make(Path dir) throws Exception {
        TestKeys keys = new TestKeys(dir);
        keys.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=pushback test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Files.writeString(dir.resolve("leaf.ext"), "basicConstraints=CA:FALSE\n"
            + "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
            + "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        keys.openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost");
        keys.openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "leaf.ext");
        Files.writeString(dir.resolve("server-chain.pem"),
            Files.readString(dir.resolve("server.pem")) + Files.readString(dir.resolve("ca.pem")));
        return keys;
    }

    Path ca() {
        return dir.resolve("ca.pem");
    }

    Path chain() {
        return dir.resolve("server-chain.pem");
    }

    Path key() {
        return dir.resolve("server.key");
    }

    private void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("openssl %s ends", command).isTrue();
        assertThat(process.exitValue()).as("openssl %s: %s", command, output).isZero();
    }
}
