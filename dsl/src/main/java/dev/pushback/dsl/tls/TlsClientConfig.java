package dev.pushback.dsl.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * How a TLS client checks the servers it connects to: the certificate authorities it trusts (the
 * JDK's by default, or those of a PEM file), with the server's name sent by SNI and checked
 * against its certificate — both on unless {@link #insecureTrustAnyCertificateAndHostname()}
 * turns every check off. TLS 1.3 and 1.2 only; ALPN protocols as set. Immutable and safe to share
 * between threads; {@code with*} methods return a changed copy.
 *
 * <pre>{@code
 * TlsClientConfig tls = TlsClientConfig.trusting(Path.of("ca.pem")).withAlpn("http/1.1");
 * SSLEngine engine = tls.newEngine("example.org", 443);        // SNI example.org, name checked
 * HttpClient client = HttpClient.newBuilder()                  // or for the JDK's own client
 *     .sslContext(tls.sslContext()).sslParameters(tls.sslParameters("example.org")).build();
 * }</pre>
 */
public final class TlsClientConfig {
    /** A literal IPv4 address; an IPv6 one has a colon. SNI may carry only a host name (RFC 6066 section 3). */
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final SSLContext context;
    private final boolean verifies;
    private final List<String> alpn;
    private final Duration handshakeTimeout;

    private TlsClientConfig(SSLContext context, boolean verifies, List<String> alpn, Duration handshakeTimeout) {
        this.context = context;
        this.verifies = verifies;
        this.alpn = alpn;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** Trusts the JDK's certificate authorities (its {@code cacerts}); checks the host name. */
    public static TlsClientConfig defaults() {
        return new TlsClientConfig(TlsEngines.context(null, null), true, List.of(), TlsServerConfig.DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /**
     * Trusts the certificates of {@code caCertificates} (one or more {@code BEGIN CERTIFICATE}
     * blocks: a private CA, or a self-signed server's own certificate) and no others; checks the
     * host name.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    public static TlsClientConfig trusting(Path caCertificates) throws IOException {
        List<X509Certificate> anchors = Certificates.read(caCertificates, "CA certificates");
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate anchor : anchors) {
                store.setCertificateEntry("ca-" + i++, anchor);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return new TlsClientConfig(TlsEngines.context(null, factory.getTrustManagers()), true, List.of(),
                TlsServerConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException(Pem.where(caCertificates, "CA certificates") + ": cannot be trusted: " + e.getMessage(), e);
        }
    }

    /**
     * Trusts <em>any</em> certificate from <em>any</em> host: encrypted, but not authenticated, so
     * open to anyone on the path. For tests and for servers reached by address that present a
     * throwaway certificate; never the default.
     */
    public TlsClientConfig insecureTrustAnyCertificateAndHostname() {
        return new TlsClientConfig(TlsEngines.context(null, new TrustManager[] {TrustAnything.INSTANCE}), false, alpn,
            handshakeTimeout);
    }

    /** Offers {@code protocols} by ALPN (RFC 7301), in order of preference; none by default. */
    public TlsClientConfig withAlpn(String... protocols) {
        return new TlsClientConfig(context, verifies, TlsEngines.alpn(protocols), handshakeTimeout);
    }

    /** Gives the handshake {@code timeout}; then the connection fails. */
    public TlsClientConfig withHandshakeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the handshake timeout must be positive: " + timeout);
        }
        return new TlsClientConfig(context, verifies, alpn, timeout);
    }

    /** Whether the server's certificate and host name are checked: false only after {@link #insecureTrustAnyCertificateAndHostname()}. */
    public boolean verifiesServer() {
        return verifies;
    }

    public List<String> alpn() {
        return alpn;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** The JDK context holding the trust, for APIs that take one (with {@link #sslParameters(String)}). */
    public SSLContext sslContext() {
        return context;
    }

    /**
     * For a connection to {@code host}: TLS 1.3 and 1.2 only, the ALPN list, SNI with {@code host}
     * (unless it is an IP address, which SNI cannot carry) and, unless insecure, the host name
     * checked against the certificate (RFC 2818, as HTTPS does).
     */
    public SSLParameters sslParameters(String host) {
        SSLParameters parameters = TlsEngines.restrict(context.getDefaultSSLParameters(),
            context.getSupportedSSLParameters().getProtocols(), alpn);
        if (verifies) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (host != null && host.indexOf(':') < 0 && !IPV4.matcher(host).matches()) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        return parameters;
    }

    /** A new client-side engine for a connection to {@code host} and {@code port}. Safe from any thread. */
    public SSLEngine newEngine(String host, int port) {
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        return TlsEngines.apply(engine, sslParameters(host));
    }

    @Override
    public String toString() {
        return "TlsClientConfig[" + (verifies ? "verifying" : "INSECURE: trusting any certificate and host name")
            + ", alpn=" + alpn + ", handshakeTimeout=" + handshakeTimeout + "]";
    }
}
