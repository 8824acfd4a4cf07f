package dev.pushback.dsl.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key material as openssl writes it, loaded by the configs and proved by a handshake between a
 * client and a server engine: RSA 2048 and EC P-256 leaves signed by a CA, keys in PKCS#8, PKCS#1
 * and SEC1, PKCS#12; and every bad file refused with its name and what is wrong with it.
 */
class TlsFilesTest {
    @TempDir
    static Path dir;
    private static OpenSsl openssl;
    private static Path rsaChain;
    private static Path ecChain;

    @BeforeAll
    static void makeKeys() throws Exception {
        assumeTrue(OpenSsl.available(), "no openssl binary");
        openssl = OpenSsl.ca(dir);
        rsaChain = openssl.rsaLeaf("rsa");
        ecChain = openssl.ecLeaf("ec");
    }

    private static TlsClientConfig trustingTheCa() throws IOException {
        return TlsClientConfig.trusting(openssl.file("ca.pem"));
    }

    /** A handshake with a client that trusts the CA and checks the name localhost; returns the server engine. */
    private static SSLEngine handshake(TlsServerConfig server) throws Exception {
        SSLEngine serverEngine = server.newEngine();
        EnginePair pair = new EnginePair(trustingTheCa().newEngine("localhost", 8443), serverEngine).handshake();
        assertThat(pair.echo("ping")).isEqualTo("ping");
        return serverEngine;
    }

    // ---------------------------------------------------------------- good files

    @Test
    void anRsaKeyInPkcs8WithItsChainHandshakes() throws Exception {
        assertThat(Files.readString(openssl.file("rsa.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        TlsServerConfig config = TlsServerConfig.fromPem(rsaChain, openssl.file("rsa.key"));
        assertThat(config.certificateChain()).hasSize(2);
        assertThat(config.certificateChain().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        SSLEngine server = handshake(config);
        assertThat(server.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(server.getSession().getLocalCertificates()).hasSize(2); // the intermediate goes out too
    }

    @Test
    void anEcP256KeyInPkcs8WithItsChainHandshakes() throws Exception {
        TlsServerConfig config = TlsServerConfig.fromPem(ecChain, openssl.file("ec.key"));
        assertThat(handshake(config).getSession().getCipherSuite()).startsWith("TLS_");
    }

    @Test
    void aTraditionalRsaKeyIsWrappedIntoPkcs8() throws Exception {
        openssl.run("rsa", "-in", "rsa.key", "-traditional", "-out", "rsa-traditional.key");
        assertThat(Files.readString(openssl.file("rsa-traditional.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        handshake(TlsServerConfig.fromPem(rsaChain, openssl.file("rsa-traditional.key")));
    }

    @Test
    void aKeyFromGenrsaTraditionalWithASelfSignedCertificateHandshakes() throws Exception {
        openssl.run("genrsa", "-traditional", "-out", "genrsa.key", "2048");
        openssl.run("req", "-x509", "-key", "genrsa.key", "-out", "genrsa.pem", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost");
        TlsServerConfig config = TlsServerConfig.fromPem(openssl.file("genrsa.pem"), openssl.file("genrsa.key"));
        TlsClientConfig client = TlsClientConfig.trusting(openssl.file("genrsa.pem")); // a self-signed server trusted as itself
        new EnginePair(client.newEngine("localhost", 443), config.newEngine()).handshake();
    }

    @Test
    void aTraditionalEcKeyTakesItsCurveFromItsParameters() throws Exception {
        openssl.run("ec", "-in", "ec.key", "-out", "ec-traditional.key");
        assertThat(Files.readString(openssl.file("ec-traditional.key"))).startsWith("-----BEGIN EC PRIVATE KEY-----");
        handshake(TlsServerConfig.fromPem(ecChain, openssl.file("ec-traditional.key")));
    }

    @Test
    void anEcKeyFromEcparamWithItsParametersBlockFirstIsRead() throws Exception {
        openssl.run("ecparam", "-name", "prime256v1", "-genkey", "-out", "ecparam.key");
        assertThat(Files.readString(openssl.file("ecparam.key"))).startsWith("-----BEGIN EC PARAMETERS-----")
            .contains("-----BEGIN EC PRIVATE KEY-----");
        openssl.run("req", "-x509", "-key", "ecparam.key", "-out", "ecparam.pem", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost");
        TlsServerConfig config = TlsServerConfig.fromPem(openssl.file("ecparam.pem"), openssl.file("ecparam.key"));
        new EnginePair(TlsClientConfig.trusting(openssl.file("ecparam.pem")).newEngine("localhost", 443), config.newEngine())
            .handshake();
    }

    @Test
    void anEcKeyWithoutItsCurveTakesItFromAnEcParametersBlockOrIsRefused() throws Exception {
        openssl.run("ec", "-in", "ec.key", "-out", "ec-sec1.key");
        byte[] sec1 = pemBody(openssl.file("ec-sec1.key"));
        // The same ECPrivateKey without its [0] parameters: version, key and [1] public key only.
        Der.Reader fields = new Der.Reader(sec1).next(Der.SEQUENCE, "key").children();
        byte[] version = copy(fields, Der.INTEGER);
        byte[] key = copy(fields, Der.OCTET_STRING);
        fields.next(Der.CONTEXT_0, "parameters");
        byte[] publicKey = copy(fields, 0xA1);
        String bare = pem("EC PRIVATE KEY", Der.sequence(version, key, publicKey));
        openssl.run("ecparam", "-name", "prime256v1", "-out", "curve.pem");
        Path withCurve = Files.writeString(dir.resolve("ec-curve-apart.key"), Files.readString(openssl.file("curve.pem")) + bare);
        handshake(TlsServerConfig.fromPem(ecChain, withCurve));
        Path noCurve = Files.writeString(dir.resolve("ec-no-curve.key"), bare);
        assertRefused(() -> TlsServerConfig.fromPem(ecChain, noCurve), noCurve, "names no curve");
    }

    private static byte[] copy(Der.Reader reader, int tag) throws Der.DerException {
        int start = reader.position();
        return reader.next(tag, "field").encoded(start);
    }

    private static byte[] pemBody(Path file) throws IOException {
        String text = Files.readString(file);
        return java.util.Base64.getMimeDecoder().decode(text.substring(text.indexOf('\n') + 1, text.indexOf("-----END")));
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + label + "-----\n";
    }

    @Test
    void keyAndChainInOneFileAreRead() throws Exception {
        Path both = openssl.file("both.pem");
        Files.writeString(both, Files.readString(openssl.file("rsa.key")) + Files.readString(rsaChain));
        handshake(TlsServerConfig.fromPem(both, both));
    }

    @Test
    void crlfLineEndsAndTextBeforeTheBlocksAreRead() throws Exception {
        Path chain = openssl.file("crlf-chain.pem");
        String text = openssl.run("x509", "-in", "rsa.pem", "-text") + Files.readString(openssl.file("ca.pem"));
        Files.writeString(chain, text.replace("\n", "\r\n"));
        Path key = openssl.file("crlf.key");
        Files.writeString(key, Files.readString(openssl.file("rsa.key")).replace("\n", "\r\n"));
        assertThat(TlsServerConfig.fromPem(chain, key).certificateChain()).hasSize(2);
    }

    @Test
    void aPkcs12FileFromOpensslExportHandshakes() throws Exception {
        openssl.run("pkcs12", "-export", "-inkey", "rsa.key", "-in", "rsa.pem", "-certfile", "ca.pem", "-name", "server",
            "-passout", "pass:secret", "-out", "rsa.p12");
        TlsServerConfig config = TlsServerConfig.fromPkcs12(openssl.file("rsa.p12"), "secret".toCharArray());
        assertThat(config.certificateChain()).hasSize(2);
        handshake(config);
        handshake(TlsServerConfig.fromPkcs12(openssl.file("rsa.p12"), "secret".toCharArray(), "server"));
    }

    @Test
    void anEcPkcs12FileHandshakes() throws Exception {
        openssl.run("pkcs12", "-export", "-inkey", "ec.key", "-in", "ec-chain.pem", "-passout", "pass:", "-out", "ec.p12");
        handshake(TlsServerConfig.fromPkcs12(openssl.file("ec.p12"), new char[0]));
    }

    // ---------------------------------------------------------------- what a config sets

    @Test
    void enginesAllowTls13And12OnlyAndTls12Handshakes() throws Exception {
        TlsServerConfig config = TlsServerConfig.fromPem(rsaChain, openssl.file("rsa.key"));
        assertThat(config.newEngine().getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(trustingTheCa().newEngine("localhost", 1).getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        SSLEngine client = trustingTheCa().newEngine("localhost", 1);
        client.setEnabledProtocols(new String[] {"TLSv1.2"});
        SSLEngine server = config.newEngine();
        new EnginePair(client, server).handshake();
        assertThat(server.getSession().getProtocol()).isEqualTo("TLSv1.2");
        SSLEngine old = trustingTheCa().insecureTrustAnyCertificateAndHostname().newEngine("localhost", 1);
        old.setEnabledProtocols(new String[] {"TLSv1.1"});
        assertThatThrownBy(() -> new EnginePair(old, config.newEngine()).handshake()).isInstanceOf(javax.net.ssl.SSLException.class);
    }

    @Test
    void alpnIsNegotiated() throws Exception {
        TlsServerConfig config = TlsServerConfig.fromPem(rsaChain, openssl.file("rsa.key")).withAlpn("http/1.1");
        SSLEngine client = trustingTheCa().withAlpn("h2", "http/1.1").newEngine("localhost", 1);
        SSLEngine server = config.newEngine();
        new EnginePair(client, server).handshake();
        assertThat(client.getApplicationProtocol()).isEqualTo("http/1.1");
        assertThat(server.getApplicationProtocol()).isEqualTo("http/1.1");
        assertThat(config.alpn()).containsExactly("http/1.1");
        assertThatThrownBy(() -> config.withAlpn("h2", "h2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theClientSendsSniAndChecksTheHostName() throws Exception {
        TlsServerConfig config = TlsServerConfig.fromPem(rsaChain, openssl.file("rsa.key"));
        SSLEngine server = config.newEngine();
        new EnginePair(trustingTheCa().newEngine("localhost", 1), server).handshake();
        assertThat(((ExtendedSSLSession) server.getSession()).getRequestedServerNames()).containsExactly(new SNIHostName("localhost"));
        // By address: no SNI (RFC 6066 allows none), and the certificate's IP address is checked.
        SSLEngine byAddress = config.newEngine();
        new EnginePair(trustingTheCa().newEngine("127.0.0.1", 1), byAddress).handshake();
        assertThat(((ExtendedSSLSession) byAddress.getSession()).getRequestedServerNames()).isEmpty();

        assertThatThrownBy(() -> new EnginePair(trustingTheCa().newEngine("other.example", 1), config.newEngine()).handshake())
            .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("other.example");
        SSLParameters parameters = trustingTheCa().sslParameters("localhost");
        assertThat(parameters.getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(parameters.getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
    }

    @Test
    void theJdkAuthoritiesDoNotTrustAPrivateCaButTheInsecureOptionTrustsAnything() throws Exception {
        TlsServerConfig config = TlsServerConfig.fromPem(rsaChain, openssl.file("rsa.key"));
        assertThat(TlsClientConfig.defaults().verifiesServer()).isTrue();
        assertThatThrownBy(() -> new EnginePair(TlsClientConfig.defaults().newEngine("localhost", 1), config.newEngine()).handshake())
            .isInstanceOf(SSLHandshakeException.class);
        TlsClientConfig insecure = TlsClientConfig.defaults().insecureTrustAnyCertificateAndHostname();
        assertThat(insecure.verifiesServer()).isFalse();
        assertThat(insecure.toString()).contains("INSECURE");
        new EnginePair(insecure.newEngine("other.example", 1), config.newEngine()).handshake();
    }

    // ---------------------------------------------------------------- bad files

    private static void assertRefused(ThrowingLoad load, Path named, String... what) {
        assertThatThrownBy(load::load).isInstanceOf(IOException.class).hasMessageContaining(named.toString())
            .hasMessageContainingAll(what);
    }

    @FunctionalInterface
    private interface ThrowingLoad {
        void load() throws Exception;
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("missing.pem");
        assertRefused(() -> TlsServerConfig.fromPem(missing, openssl.file("rsa.key")), missing, "certificate chain", "no such file");
        assertRefused(() -> TlsServerConfig.fromPem(rsaChain, missing), missing, "private key", "no such file");
        assertRefused(() -> TlsServerConfig.fromPkcs12(missing, new char[0]), missing, "PKCS#12", "no such file");
        assertRefused(() -> TlsClientConfig.trusting(missing), missing, "CA certificates", "no such file");
    }

    @Test
    void filesWithTheWrongBlocksSayWhatTheyHold() throws Exception {
        Path key = openssl.file("rsa.key");
        assertRefused(() -> TlsServerConfig.fromPem(key, key), key, "no certificate (BEGIN CERTIFICATE)", "only PRIVATE KEY");
        assertRefused(() -> TlsServerConfig.fromPem(rsaChain, rsaChain), rsaChain, "no private key", "only CERTIFICATE, CERTIFICATE");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertRefused(() -> TlsServerConfig.fromPem(empty, key), empty, "no PEM block at all");
        Path der = openssl.file("rsa.der");
        openssl.run("x509", "-in", "rsa.pem", "-outform", "DER", "-out", "rsa.der");
        assertRefused(() -> TlsServerConfig.fromPem(der, key), der, "no PEM block at all (is it DER");
    }

    @Test
    void encryptedKeysAreRefusedWithTheCommandThatDecryptsThem() throws Exception {
        openssl.run("pkey", "-in", "rsa.key", "-aes256", "-passout", "pass:secret", "-out", "encrypted.key");
        Path pkcs8 = openssl.file("encrypted.key");
        assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        assertRefused(() -> TlsServerConfig.fromPem(rsaChain, pkcs8), pkcs8, "encrypted", "openssl pkey -in " + pkcs8);
        openssl.run("rsa", "-in", "rsa.key", "-traditional", "-aes256", "-passout", "pass:secret", "-out", "encrypted-rsa.key");
        Path traditional = openssl.file("encrypted-rsa.key");
        assertThat(Files.readString(traditional)).contains("Proc-Type: 4,ENCRYPTED");
        assertRefused(() -> TlsServerConfig.fromPem(rsaChain, traditional), traditional, "encrypted", "openssl pkey -in");
        openssl.run("ec", "-in", "ec.key", "-aes256", "-passout", "pass:secret", "-out", "encrypted-ec.key");
        Path ec = openssl.file("encrypted-ec.key");
        assertRefused(() -> TlsServerConfig.fromPem(ecChain, ec), ec, "encrypted", "openssl pkey -in");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        openssl.rsaLeaf("other");
        Path otherKey = openssl.file("other.key");
        assertRefused(() -> TlsServerConfig.fromPem(rsaChain, otherKey), otherKey, "does not belong to the first certificate",
            "CN=localhost");
        assertRefused(() -> TlsServerConfig.fromPem(rsaChain, openssl.file("ec.key")), rsaChain, "EC", "RSA", "not a pair");
        openssl.ecLeaf("otherec");
        Path otherEc = openssl.file("otherec.key");
        assertRefused(() -> TlsServerConfig.fromPem(ecChain, otherEc), otherEc, "does not belong");
        Path reversed = openssl.file("reversed.pem");
        Files.writeString(reversed, Files.readString(openssl.file("ca.pem")) + Files.readString(openssl.file("rsa.pem")));
        assertRefused(() -> TlsServerConfig.fromPem(reversed, openssl.file("rsa.key")), reversed,
            "CN=pushback test CA", "the server's own certificate must come first");
    }

    @Test
    void malformedPemIsRefusedWithItsLine() throws Exception {
        String chain = Files.readString(rsaChain);
        Path cut = Files.writeString(dir.resolve("cut.pem"), chain.substring(0, chain.length() / 3));
        assertRefused(() -> TlsServerConfig.fromPem(cut, openssl.file("rsa.key")), cut, "begun on line 1", "has no -----END CERTIFICATE-----");
        Path garbled = Files.writeString(dir.resolve("garbled.pem"), chain.replaceFirst("\n[A-Za-z0-9+/]{10}", "\n!!!!!!!!!!"));
        assertRefused(() -> TlsServerConfig.fromPem(garbled, openssl.file("rsa.key")), garbled, "line 1", "not valid base64");
        Path notACertificate = Files.writeString(dir.resolve("not-a-cert.pem"),
            "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n");
        assertRefused(() -> TlsServerConfig.fromPem(notACertificate, openssl.file("rsa.key")), notACertificate,
            "line 1", "not a valid X.509 certificate");
        Path badKey = Files.writeString(dir.resolve("bad.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END RSA PRIVATE KEY-----\n");
        assertRefused(() -> TlsServerConfig.fromPem(rsaChain, badKey), badKey, "RSA PRIVATE KEY block on line 1", "not a valid RSA key");
        Path badEc = Files.writeString(dir.resolve("bad-ec.key"), "-----BEGIN EC PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END EC PRIVATE KEY-----\n");
        assertRefused(() -> TlsServerConfig.fromPem(ecChain, badEc), badEc, "not a SEC1 ECPrivateKey");
        Path mismatched = Files.writeString(dir.resolve("mismatched.pem"),
            "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n");
        assertRefused(() -> TlsServerConfig.fromPem(mismatched, openssl.file("rsa.key")), mismatched,
            "line 3", "should close the block begun on line 1");
    }

    @Test
    void badPkcs12FilesAreRefused() throws Exception {
        openssl.run("pkcs12", "-export", "-inkey", "rsa.key", "-in", "rsa.pem", "-passout", "pass:secret", "-out", "bad.p12");
        Path p12 = openssl.file("bad.p12");
        assertRefused(() -> TlsServerConfig.fromPkcs12(p12, "wrong".toCharArray()), p12, "the password is wrong");
        assertRefused(() -> TlsServerConfig.fromPkcs12(p12, "secret".toCharArray(), "nobody"), p12, "no private key named \"nobody\"");
        assertRefused(() -> TlsServerConfig.fromPkcs12(rsaChain, "secret".toCharArray()), rsaChain, "not a PKCS#12 file but PEM");
        openssl.run("pkcs12", "-export", "-nokeys", "-in", "ca.pem", "-passout", "pass:secret", "-out", "certs.p12");
        Path certs = openssl.file("certs.p12");
        assertRefused(() -> TlsServerConfig.fromPkcs12(certs, "secret".toCharArray()), certs, "holds no private key");
    }

    @Test
    void theConfigNamesItsCertificateNotItsKey() throws Exception {
        TlsServerConfig config = TlsServerConfig.fromPem(rsaChain, openssl.file("rsa.key"));
        assertThat(config.toString()).contains("CN=localhost").doesNotContain("PRIVATE");
        assertThat(config.handshakeTimeout()).isEqualTo(TlsServerConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        assertThat(config.withHandshakeTimeout(java.time.Duration.ofSeconds(3)).handshakeTimeout()).hasSeconds(3);
        assertThatThrownBy(() -> config.withHandshakeTimeout(java.time.Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThat(config.sslParameters().getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(List.of(config.sslContext().getSupportedSSLParameters().getProtocols())).contains("TLSv1.3");
    }
}
