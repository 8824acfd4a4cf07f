package dev.pushback.catalyst.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;

/**
 * DESIGN N17 for a protocol stage that drives its socket itself ({@link SocketEndpoints#handleConnect}):
 * the future completes once the socket is connected, or fails with the address named; and the
 * pieces of a connect: how it names addresses and timeouts.
 */
@Timeout(60)
class SocketConnectTest {
    private final List<Throwable> reported = new CopyOnWriteArrayList<>();

    private Catalyst open() {
        return Catalyst.open(Catalyst.Config.defaults().withName("owner").withErrors((what, cause) -> reported.add(cause)));
    }

    private static void until(Catalyst catalyst, BooleanSupplier done) {
        for (int i = 0; i < 5_000 && !done.getAsBoolean(); i++) {
            catalyst.runOnce(10);
        }
        assertThat(done.getAsBoolean()).as("done within 5,000 rounds").isTrue();
    }

    @Test
    void anOwnerGetsBothSidesOnceConnectedAndWritesThroughTheSink() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(); Catalyst catalyst = open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<CompletableFuture<SocketEndpoints>> connecting = catalyst.submit(() ->
                SocketEndpoints.handleConnect(catalyst, InetSocketAddress.createUnresolved("127.0.0.1",
                    ((InetSocketAddress) server.getLocalAddress()).getPort()), ConnectOptions.defaults(), ops -> { }));
            catalyst.runOnce(0);
            CompletableFuture<SocketEndpoints> connected = connecting.join();
            until(catalyst, connected::isDone); // the kernel completes the handshake; accepting comes after
            try (SocketChannel peer = server.accept()) {
                SocketEndpoints socket = connected.join();
                catalyst.submit(() -> {
                    socket.sink().handleAcceptGathered(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
                    socket.sink().handleClose(null); // the first side closed: a FIN
                    return null;
                });
                catalyst.runOnce(0);
                ByteBuffer got = ByteBuffer.allocate(16);
                while (peer.read(got) >= 0) {
                    // to the end of the stream: the sink's close shut down output
                }
                assertThat(StandardCharsets.US_ASCII.decode(got.flip()).toString()).isEqualTo("ping");
                catalyst.submit(() -> {
                    socket.source().handleClose(null);
                    return null;
                });
                catalyst.runOnce(0);
            }
        }
        assertThat(reported).isEmpty();
    }

    @Test
    void aRefusedConnectFailsTheFutureWithTheAddressAndReportsNothing() throws Exception {
        int port;
        try (ServerSocketChannel gone = ServerSocketChannel.open()) {
            gone.bind(new InetSocketAddress("127.0.0.1", 0));
            port = ((InetSocketAddress) gone.getLocalAddress()).getPort();
        }
        try (Catalyst catalyst = open()) {
            CompletableFuture<CompletableFuture<SocketEndpoints>> connecting = catalyst.submit(() ->
                SocketEndpoints.handleConnect(catalyst, new InetSocketAddress("127.0.0.1", port), ConnectOptions.defaults(), ops -> { }));
            catalyst.runOnce(0);
            CompletableFuture<SocketEndpoints> connected = connecting.join();
            until(catalyst, connected::isDone);
            Throwable failure = connected.handle((ok, f) -> f).join();
            assertThat(failure).isInstanceOf(ConnectException.class).hasMessage("connect to 127.0.0.1:" + port + " refused");
        }
        assertThat(reported).as("the owner reports it, with what it knows").isEmpty();
    }

    @Test
    void addressesAndTimeoutsAreNamedAsTheyWereGiven() {
        assertThat(SocketConnect.describe(new InetSocketAddress("127.0.0.1", 1))).isEqualTo("127.0.0.1:1");
        assertThat(SocketConnect.describe(InetSocketAddress.createUnresolved("example.com", 80))).isEqualTo("example.com:80");
        assertThat(SocketConnect.describe(new InetSocketAddress("::1", 8080))).isEqualTo("[0:0:0:0:0:0:0:1]:8080");
        assertThat(SocketConnect.describe(java.net.UnixDomainSocketAddress.of("/run/app.sock"))).isEqualTo("/run/app.sock");
        assertThat(SocketConnect.text(Duration.ofSeconds(2))).isEqualTo("2 s");
        assertThat(SocketConnect.text(Duration.ofMillis(1500))).isEqualTo("1500 ms");
    }
}
