package dev.pushback.dsl.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key material made by the real {@code openssl} binary, as a user would make it: a CA, leaf
 * certificates for {@code localhost} and {@code 127.0.0.1} signed by it (RSA 2048 and EC P-256),
 * and their keys in every form the configs read.
 */
public final class OpenSsl {
    private final Path dir;

    private OpenSsl(Path dir) {
        this.dir = dir;
    }

    /** Whether an {@code openssl} binary runs here. */
    public static boolean available() {
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Makes a CA in {@code dir} ({@code ca.pem}, {@code ca.key}); leaves come from {@link #leaf}. */
    public static OpenSsl ca(Path dir) throws Exception {
        OpenSsl openssl = new OpenSsl(dir);
        openssl.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=pushback test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Files.writeString(dir.resolve("leaf.ext"), "basicConstraints=CA:FALSE\n"
            + "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
            + "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        return openssl;
    }

    /**
     * A leaf for localhost signed by the CA: {@code NAME.key} (PKCS#8, as openssl 3 writes by
     * default), {@code NAME.pem} (the leaf alone) and {@code NAME-chain.pem} (leaf then CA, as
     * certbot's fullchain.pem). {@code keySpec} is openssl's: {@code rsa:2048}, {@code ec}.
     */
    public Path leaf(String name, String... newKey) throws Exception {
        List<String> request = new ArrayList<>(List.of("req", "-new", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", "/CN=localhost"));
        request.addAll(List.of(newKey));
        run(request.toArray(String[]::new));
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".pem", "-days", "2", "-extfile", "leaf.ext");
        Files.writeString(dir.resolve(name + "-chain.pem"),
            Files.readString(dir.resolve(name + ".pem")) + Files.readString(dir.resolve("ca.pem")));
        return dir.resolve(name + "-chain.pem");
    }

    /** An RSA 2048 leaf. */
    public Path rsaLeaf(String name) throws Exception {
        return leaf(name, "-newkey", "rsa:2048");
    }

    /** An RSA 2048 leaf for localhost signed by the CA that expired yesterday, as a certificate nobody renewed. */
    public Path expiredLeaf(String name) throws Exception {
        Instant now = Instant.now();
        return datedLeaf(name, now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)));
    }

    /**
     * An RSA 2048 leaf for localhost signed by the CA, valid from {@code notBefore} to {@code
     * notAfter} (to the second), with its chain as {@link #leaf}'s. {@code openssl x509 -req} can
     * only date a certificate from now, so it is {@code openssl ca}'s, with a minimal config of its own.
     */
    public Path datedLeaf(String name, Instant notBefore, Instant notAfter) throws Exception {
        run("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=localhost");
        Path database = Files.createDirectories(dir.resolve(name + "-ca"));
        Files.writeString(database.resolve("index.txt"), "");
        Files.writeString(database.resolve("serial"), "1000\n");
        Files.writeString(database.resolve("ca.cnf"), "[ca]\ndefault_ca = test\n[test]\n"
            + "database = " + database.resolve("index.txt") + "\nnew_certs_dir = " + database + "\n"
            + "serial = " + database.resolve("serial") + "\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
            + "[any]\ncommonName = supplied\n");
        DateTimeFormatter asn1 = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        run("ca", "-batch", "-config", database.resolve("ca.cnf").toString(), "-cert", "ca.pem", "-keyfile", "ca.key",
            "-in", name + ".csr", "-out", name + ".pem", "-notext", "-extfile", "leaf.ext",
            "-startdate", asn1.format(notBefore), "-enddate", asn1.format(notAfter));
        Files.writeString(dir.resolve(name + "-chain.pem"),
            Files.readString(dir.resolve(name + ".pem")) + Files.readString(dir.resolve("ca.pem")));
        return dir.resolve(name + "-chain.pem");
    }

    /** An EC P-256 leaf. */
    public Path ecLeaf(String name) throws Exception {
        return leaf(name, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
    }

    /** A file in the directory. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Runs {@code openssl args...} in the directory; fails the test with its output if it fails. */
    public String run(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("openssl %s ends", command).isTrue();
        assertThat(process.exitValue()).as("openssl %s: %s", command, output).isZero();
        return output;
    }
}
