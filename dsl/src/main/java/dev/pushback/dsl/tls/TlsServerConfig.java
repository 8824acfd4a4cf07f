package dev.pushback.dsl.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * A TLS server's key and certificate chain, and how its handshakes go: TLS 1.3 and 1.2 only, the
 * ALPN protocols it offers, and how long a client has to finish its handshake. Immutable and safe
 * to share between threads; {@code with*} methods return a changed copy.
 *
 * <p>The key material comes from the files openssl and certbot write: a PEM certificate chain
 * (the server's own certificate first, then the intermediates) and a PEM private key in PKCS#8 or
 * the traditional RSA (PKCS#1) or EC (SEC1) forms; or a PKCS#12 file and its password. The key is
 * checked against the first certificate when the config is made. Every bad file fails here with
 * an {@link IOException} that names the file and what is wrong with it; an encrypted PEM key is
 * refused with the openssl command that decrypts it.
 *
 * <p>Renegotiation is refused: TLS 1.3 has none, and a TLS 1.2 client that asks for it has its
 * connection closed by the server's TLS endpoint (see {@code HttpServer.Options.withTls}).
 *
 * <pre>{@code
 * TlsServerConfig tls = TlsServerConfig.fromPem(
 *     Path.of("/etc/letsencrypt/live/example.org/fullchain.pem"),
 *     Path.of("/etc/letsencrypt/live/example.org/privkey.pem"));
 * HttpServer.listen(catalyst, new InetSocketAddress(8443), HttpServer.Options.defaults().withTls(tls))
 *     .each((request, response) -> response.send("hello over TLS"));
 * }</pre>
 */
public final class TlsServerConfig {
    /** How long a client has to finish its handshake unless {@link #withHandshakeTimeout} says otherwise. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final List<X509Certificate> chain;
    private final SSLContext context;
    private final List<String> alpn;
    private final Duration handshakeTimeout;

    private TlsServerConfig(List<X509Certificate> chain, SSLContext context, List<String> alpn, Duration handshakeTimeout) {
        this.chain = chain;
        this.context = context;
        this.alpn = alpn;
        this.handshakeTimeout = handshakeTimeout;
    }

    private static TlsServerConfig of(PrivateKey key, List<X509Certificate> chain) {
        KeyManager[] keys = {new SingleKeyManager(key, chain.toArray(X509Certificate[]::new))};
        return new TlsServerConfig(List.copyOf(chain), TlsEngines.context(keys, null), List.of(), DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /**
     * A config from PEM files: {@code certificateChain} holds one or more {@code BEGIN CERTIFICATE}
     * blocks, the server's own first (certbot's {@code fullchain.pem}); {@code privateKey} holds its
     * key as {@code BEGIN PRIVATE KEY} (PKCS#8, what {@code openssl genpkey} and certbot write),
     * {@code BEGIN RSA PRIVATE KEY} or {@code BEGIN EC PRIVATE KEY} (the traditional forms of
     * {@code openssl genrsa -traditional}, {@code openssl rsa -traditional}, {@code openssl ec}).
     * Both may be the same file.
     *
     * @throws IOException naming the file and what is wrong: missing, not PEM, no certificate or
     *     key in it, encrypted, malformed, or a key that does not belong to the first certificate
     */
    public static TlsServerConfig fromPem(Path certificateChain, Path privateKey) throws IOException {
        List<X509Certificate> chain = Certificates.read(certificateChain, "certificate chain");
        PrivateKey key = PrivateKeys.read(privateKey);
        Certificates.checkKeyMatches(key, chain.get(0),
            Pem.where(privateKey, "private key") + " and certificate chain " + certificateChain);
        return of(key, chain);
    }

    /**
     * A config from a PKCS#12 file, as {@code openssl pkcs12 -export} or {@code keytool} write it,
     * opened with {@code password}; it must hold exactly one private key (or see
     * {@link #fromPkcs12(Path, char[], String)}), with its certificate chain.
     *
     * @throws IOException naming the file and what is wrong: missing, not PKCS#12, the wrong
     *     password, no key or several keys in it, or a key that does not belong to its certificate
     */
    public static TlsServerConfig fromPkcs12(Path file, char[] password) throws IOException {
        return fromPkcs12(file, password, null);
    }

    /** The same, taking the key stored under {@code alias} (as {@code openssl pkcs12 -name} set it). */
    public static TlsServerConfig fromPkcs12(Path file, char[] password, String alias) throws IOException {
        Objects.requireNonNull(password, "password (an empty one is new char[0])");
        String where = Pem.where(file, "PKCS#12 file");
        KeyStore store = loadPkcs12(file, password, where);
        try {
            List<String> keys = new ArrayList<>();
            for (String name : Collections.list(store.aliases())) {
                if (store.isKeyEntry(name)) {
                    keys.add(name);
                }
            }
            if (keys.isEmpty()) {
                throw new IOException(where + ": holds no private key, only certificates; export one with"
                    + " openssl pkcs12 -export -inkey KEY -in CHAIN -out " + file);
            }
            String chosen;
            if (alias != null) {
                if (!keys.contains(alias)) {
                    throw new IOException(where + ": holds no private key named \"" + alias + "\"; it holds " + keys);
                }
                chosen = alias;
            } else if (keys.size() > 1) {
                throw new IOException(where + ": holds several private keys " + keys + "; name the one to use");
            } else {
                chosen = keys.get(0);
            }
            Key key;
            try {
                key = store.getKey(chosen, password);
            } catch (UnrecoverableKeyException e) {
                throw new IOException(where + ": the key \"" + chosen + "\" has a password other than the file's,"
                    + " which is not supported; export it again with one password", e);
            }
            if (!(key instanceof PrivateKey privateKey)) {
                throw new IOException(where + ": the entry \"" + chosen + "\" is not a private key");
            }
            Certificate[] certificates = store.getCertificateChain(chosen);
            if (certificates == null || certificates.length == 0) {
                throw new IOException(where + ": the key \"" + chosen + "\" has no certificate with it; export it with"
                    + " openssl pkcs12 -export -inkey KEY -in CHAIN");
            }
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : certificates) {
                if (!(certificate instanceof X509Certificate x509)) {
                    throw new IOException(where + ": the chain of \"" + chosen + "\" holds a certificate that is not X.509");
                }
                chain.add(x509);
            }
            Certificates.checkKeyMatches(privateKey, chain.get(0), where);
            return of(privateKey, chain);
        } catch (GeneralSecurityException e) {
            throw new IOException(where + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static KeyStore loadPkcs12(Path file, char[] password, String where) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException(where + ": no such file", e);
        } catch (IOException e) {
            throw new IOException(where + ": cannot be read: " + e, e);
        }
        if (bytes.length == 0 || bytes[0] != 0x30) { // a DER SEQUENCE
            boolean pem = new String(bytes, 0, Math.min(bytes.length, 4096), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("-----BEGIN ");
            throw new IOException(where + ": not a PKCS#12 file" + (pem ? " but PEM: use TlsServerConfig.fromPem" : ""));
        }
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            return store;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IOException(where + ": the password is wrong", e);
            }
            throw new IOException(where + ": not a PKCS#12 file this JDK can read (" + e.getMessage() + ")", e);
        } catch (GeneralSecurityException e) {
            throw new IOException(where + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Offers {@code protocols} by ALPN (RFC 7301), in order of preference, such as {@code "h2",
     * "http/1.1"}; none by default. The HTTP server offers {@code http/1.1} whatever this says.
     */
    public TlsServerConfig withAlpn(String... protocols) {
        return new TlsServerConfig(chain, context, TlsEngines.alpn(protocols), handshakeTimeout);
    }

    /** Gives a client {@code timeout} to finish its handshake; then its connection is closed. */
    public TlsServerConfig withHandshakeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the handshake timeout must be positive: " + timeout);
        }
        return new TlsServerConfig(chain, context, alpn, timeout);
    }

    /** The ALPN protocols offered, in order of preference; empty for none. */
    public List<String> alpn() {
        return alpn;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** The certificate chain the server presents, its own certificate first. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /**
     * The JDK context holding the key, for APIs that take one ({@code SSLServerSocket}); its
     * engines are not restricted to TLS 1.3 and 1.2 unless given {@link #sslParameters()}.
     */
    public SSLContext sslContext() {
        return context;
    }

    /** TLS 1.3 and 1.2 only, and the ALPN list: what {@link #newEngine()} sets. */
    public SSLParameters sslParameters() {
        return TlsEngines.restrict(context.getDefaultSSLParameters(), context.getSupportedSSLParameters().getProtocols(), alpn);
    }

    /** A new server-side engine for one connection. Safe from any thread. */
    public SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        return TlsEngines.apply(engine, TlsEngines.restrict(engine.getSSLParameters(), engine.getSupportedProtocols(), alpn));
    }

    /** Names the certificate, never the key. */
    @Override
    public String toString() {
        return "TlsServerConfig[" + chain.get(0).getSubjectX500Principal().getName() + ", alpn=" + alpn
            + ", handshakeTimeout=" + handshakeTimeout + "]";
    }
}
