/**
 * TLS key material and trust, from the files openssl and certbot write (DESIGN N18).
 *
 * <ul>
 *   <li>{@link dev.pushback.dsl.tls.TlsServerConfig}: a server's certificate chain and private key
 *       (PEM: PKCS#8, traditional RSA or EC; or PKCS#12), for {@code HttpServer.Options.withTls};
 *   <li>{@link dev.pushback.dsl.tls.TlsClientConfig}: the authorities a client trusts, with SNI and
 *       host name verification on unless turned off by a loudly named option.
 * </ul>
 *
 * <p>Both allow TLS 1.3 and 1.2 only, take an ALPN list, and make {@link javax.net.ssl.SSLContext}s
 * and {@link javax.net.ssl.SSLEngine}s for the rest of the JDK. Every bad file fails when the config
 * is made, with an {@link java.io.IOException} naming the file and what is wrong with it.
 *
 * <pre>{@code
 * TlsServerConfig server = TlsServerConfig.fromPem(Path.of("fullchain.pem"), Path.of("privkey.pem"));
 * TlsClientConfig client = TlsClientConfig.trusting(Path.of("ca.pem"));
 * }</pre>
 */
package dev.pushback.dsl.tls;
