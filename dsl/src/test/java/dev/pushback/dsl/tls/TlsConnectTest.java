package dev.pushback.dsl.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.dsl.Connection;
import dev.pushback.dsl.Graph;

/**
 * A TLS connection out ({@code graph.connect(address, options, tls)}, DESIGN N17 and N18) against
 * the JDK's {@link SSLServerSocket} on a thread of the test: a file through an echo and back, byte
 * for byte; and each way it goes wrong — a host name the certificate is not for, a certificate
 * nobody trusts, one out of date, a refused connect, a server that never answers the hello —
 * failing both sides once with a message naming the address.
 */
@Timeout(120)
class TlsConnectTest {
    @TempDir
    static Path keys;
    private static TlsServerConfig server;
    private static TlsServerConfig expired;
    private static TlsServerConfig early;
    private static X509Certificate expiredCertificate;
    private static X509Certificate earlyCertificate;
    private static TlsClientConfig trusting;

    @TempDir
    Path dir;

    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final List<Throwable> causes = new CopyOnWriteArrayList<>();
    private Catalyst catalyst;
    private Thread loop;

    @BeforeAll
    static void makeKeys() throws Exception {
        assumeTrue(OpenSsl.available(), "no openssl binary");
        OpenSsl openssl = OpenSsl.ca(keys);
        server = TlsServerConfig.fromPem(openssl.rsaLeaf("server"), openssl.file("server.key"));
        expired = TlsServerConfig.fromPem(openssl.expiredLeaf("expired"), openssl.file("expired.key"));
        expiredCertificate = certificate(openssl.file("expired.pem"));
        Instant now = Instant.now();
        early = TlsServerConfig.fromPem(openssl.datedLeaf("early", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(3))),
            openssl.file("early.key"));
        earlyCertificate = certificate(openssl.file("early.pem"));
        trusting = TlsClientConfig.trusting(openssl.file("ca.pem"));
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private Catalyst open(Catalyst.Config config) {
        catalyst = Catalyst.open(config.withName("tls-connect").withErrors((what, cause) -> {
            reports.add(what + ": " + cause);
            causes.add(cause);
        }));
        // The loop runs until the catalyst closes, with nothing open or not.
        catalyst.execute(dev.pushback.catalyst.spi.Reactor.of(catalyst)::handleRetainLoop);
        loop = new Thread(catalyst::loop, "tls-connect");
        loop.start();
        return catalyst;
    }

    @AfterEach
    void close() throws InterruptedException {
        if (catalyst != null) {
            catalyst.close();
            loop.join(10_000);
        }
    }

    /** The JDK's TLS server on loopback: each byte it reads it writes back; at the client's close_notify, it closes. */
    private static final class EchoPeer implements AutoCloseable {
        final SSLServerSocket listening;
        final CompletableFuture<Long> echoed = new CompletableFuture<>();

        EchoPeer() throws IOException {
            this(server);
        }

        /** Presenting the certificate of {@code config}. */
        EchoPeer(TlsServerConfig config) throws IOException {
            listening = (SSLServerSocket) config.sslContext().getServerSocketFactory()
                .createServerSocket(0, 4, InetAddress.getLoopbackAddress());
            listening.setSSLParameters(config.sslParameters());
            Thread thread = new Thread(this::serve, "jdk-tls-echo");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return listening.getLocalPort();
        }

        private void serve() {
            try (Socket socket = listening.accept(); InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                byte[] buffer = new byte[32 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    total += n;
                }
                out.flush();
                echoed.complete(total);
            } catch (IOException | RuntimeException e) {
                echoed.completeExceptionally(e);
            }
        }

        @Override
        public void close() throws IOException {
            listening.close();
        }
    }

    private Path random(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    /** {@code in} to the connection and what comes back to {@code out}, as a graph on the catalyst: its future. */
    private CompletableFuture<Void> copyThrough(InetSocketAddress address, TlsClientConfig tls, Path in, Path out)
            throws Exception {
        return catalyst.submit(() -> {
            Graph graph = Graph.on(catalyst);
            Connection connection = graph.connect(address, ConnectOptions.defaults(), tls);
            graph.read(in).to(connection.sink());
            graph.from(connection.source()).to(graph.write(out));
            return graph.start();
        }).get(30, TimeUnit.SECONDS);
    }

    /** The catalyst reported {@code failure} (by its message: a fiber may report the cause of its own), once. */
    private void assertReportedOnce(Throwable failure) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (causes.isEmpty()) {
            assertThat(System.nanoTime()).as("reported").isLessThan(deadline);
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 3; i++) {
            catalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // a second report would come in these rounds
        }
        assertThat(causes).as("reported once: %s", reports).hasSize(1);
        assertThat(causes.get(0)).hasMessage(failure.getMessage());
    }

    private static Throwable failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(60, TimeUnit.SECONDS);
            throw new AssertionError("did not fail");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** An address for loopback under a name the certificate does not carry; nothing is looked up. */
    private static InetSocketAddress misnamed(int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByAddress("wrong.example", new byte[] {127, 0, 0, 1}), port);
    }

    @Test
    void aFileThroughTheJdkServersEchoComesBackByteIdenticalByNameAndByAddress() throws Exception {
        open(Catalyst.Config.defaults());
        for (String host : List.of("localhost", "127.0.0.1")) {
            Path in = random("in-" + host, 3 << 20, host.length());
            Path out = dir.resolve("out-" + host);
            try (EchoPeer peer = new EchoPeer()) {
                // Unresolved: the name is looked up off the catalyst thread, and it is the name checked.
                CompletableFuture<Void> done = copyThrough(InetSocketAddress.createUnresolved(host, peer.port()), trusting, in, out);
                done.get(60, TimeUnit.SECONDS);
                assertThat(peer.echoed.get(60, TimeUnit.SECONDS)).isEqualTo(3L << 20);
            }
            assertThat(Files.mismatch(in, out)).as("byte-identical through %s", host).isEqualTo(-1L);
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void aSinkWhoseInputEndsBeforeTheHandshakeSendsCloseNotifyOnceItIsDone() throws Exception {
        open(Catalyst.Config.defaults());
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        Path out = dir.resolve("out");
        try (EchoPeer peer = new EchoPeer()) {
            copyThrough(new InetSocketAddress("127.0.0.1", peer.port()), trusting, empty, out).get(60, TimeUnit.SECONDS);
            assertThat(peer.echoed.get(60, TimeUnit.SECONDS)).as("the server read close_notify").isZero();
        }
        assertThat(Files.size(out)).isZero();
        assertThat(reports).isEmpty();
    }

    @Test
    void aHostNameTheCertificateIsNotForFailsBothSidesOnceNamingTheAddress() throws Exception {
        open(Catalyst.Config.defaults());
        try (EchoPeer peer = new EchoPeer()) {
            Throwable mismatch = failure(copyThrough(misnamed(peer.port()), trusting, random("in", 64 * 1024, 1), dir.resolve("out")));
            assertThat(mismatch).isInstanceOf(SSLHandshakeException.class)
                .hasMessageStartingWith("TLS handshake with wrong.example:" + peer.port() + " failed: ")
                .hasMessageContaining("wrong.example");
            assertReportedOnce(mismatch);
            assertThat(peer.echoed).as("the server's side fails too").failsWithin(Duration.ofSeconds(60));
        }
    }

    @Test
    void aCertificateNobodyTrustsFailsNamingTheAddress() throws Exception {
        open(Catalyst.Config.defaults());
        try (EchoPeer peer = new EchoPeer()) {
            // The JDK's own authorities: they never signed the test CA.
            Throwable untrusted = failure(copyThrough(new InetSocketAddress("localhost", peer.port()), TlsClientConfig.defaults(),
                random("in", 1024, 2), dir.resolve("out")));
            assertThat(untrusted).isInstanceOf(SSLHandshakeException.class)
                .hasMessageStartingWith("TLS handshake with localhost:" + peer.port() + " failed: ")
                .hasMessageContaining("certification path");
            assertReportedOnce(untrusted);
        }
    }

    @Test
    void anExpiredCertificateFailsNamingTheAddressAndTheDateItExpired() throws Exception {
        assertOutOfDate(expired, "(the certificate has expired: NotAfter: " + expiredCertificate.getNotAfter() + ")",
            CertificateExpiredException.class);
    }

    @Test
    void aCertificateNotValidYetFailsNamingTheAddressAndTheDateItStarts() throws Exception {
        assertOutOfDate(early, "(the certificate is not valid yet: NotBefore: " + earlyCertificate.getNotBefore() + ")",
            CertificateNotYetValidException.class);
    }

    /**
     * A certificate signed by the CA the client trusts, for the name it asks for, whose dates do not
     * cover now: the handshake fails naming the address and the date (the JDK's own message says
     * only "validity check failed"), reported once, and the server's side fails too.
     */
    private void assertOutOfDate(TlsServerConfig config, String ending, Class<? extends Throwable> rootCause) throws Exception {
        open(Catalyst.Config.defaults());
        try (EchoPeer peer = new EchoPeer(config)) {
            Throwable late = failure(copyThrough(new InetSocketAddress("localhost", peer.port()), trusting,
                random("in", 1024, 6), dir.resolve("out")));
            assertThat(late).isInstanceOf(SSLHandshakeException.class)
                .hasMessageStartingWith("TLS handshake with localhost:" + peer.port() + " failed: ")
                .hasMessageEndingWith("validity check failed " + ending)
                .hasRootCauseInstanceOf(rootCause);
            assertReportedOnce(late);
            assertThat(peer.echoed).as("the server's side fails too").failsWithin(Duration.ofSeconds(60));
        }
    }

    @Test
    void insecureTrustsAnyCertificateAndName() throws Exception {
        open(Catalyst.Config.defaults());
        Path in = random("in", 256 * 1024, 3);
        Path out = dir.resolve("out");
        try (EchoPeer peer = new EchoPeer()) {
            copyThrough(misnamed(peer.port()), TlsClientConfig.defaults().insecureTrustAnyCertificateAndHostname(), in, out)
                .get(60, TimeUnit.SECONDS);
        }
        assertThat(Files.mismatch(in, out)).isEqualTo(-1L);
        assertThat(reports).isEmpty();
    }

    @Test
    void aRefusedConnectFailsAsAPlainOneDoes() throws Exception {
        open(Catalyst.Config.defaults());
        int port;
        try (ServerSocketChannel closed = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            port = ((InetSocketAddress) closed.getLocalAddress()).getPort();
        }
        Throwable refused = failure(copyThrough(new InetSocketAddress("127.0.0.1", port), trusting, random("in", 1024, 4),
            dir.resolve("out")));
        assertThat(refused).isInstanceOf(ConnectException.class).hasMessage("connect to 127.0.0.1:" + port + " refused");
        assertReportedOnce(refused);
    }

    @Test
    void aServerThatNeverAnswersTheHelloFailsAtTheHandshakeDeadlineOnTheCatalystsClock() throws Exception {
        CachedNanoClock clock = new CachedNanoClock();
        open(Catalyst.Config.defaults().withClock(clock));
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> done = copyThrough(new InetSocketAddress("127.0.0.1", silent.getLocalPort()),
                trusting.withHandshakeTimeout(Duration.ofMillis(200)), random("in", 1024, 5), dir.resolve("out"));
            try (Socket accepted = silent.accept()) {
                // The client hello has come: the deadline runs from the connect, which is over.
                assertThat(accepted.getInputStream().read()).isEqualTo(0x16);
                clock.advance(Duration.ofMillis(150).toNanos());
                catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
                catalyst.submit(() -> null).get(30, TimeUnit.SECONDS);
                assertThat(done).as("not before the deadline").isNotDone();
                clock.advance(Duration.ofMillis(160).toNanos()); // past 200 ms and the wheel's tick
                catalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // wakes the loop: the timer is due
                Throwable late = failure(done);
                assertThat(late).isInstanceOf(SSLHandshakeException.class)
                    .hasMessage("TLS handshake with 127.0.0.1:" + silent.getLocalPort() + " not complete within 200 ms");
                assertReportedOnce(late);
            }
        }
    }
}
