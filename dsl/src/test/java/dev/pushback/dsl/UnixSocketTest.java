package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.http.HttpServer;

/** Unix domain sockets: a listener and an HTTP server bound to a socket file, and connects to one. */
@Timeout(120)
class UnixSocketTest {
    @TempDir
    Path dir;

    private final List<Throwable> reported = new CopyOnWriteArrayList<>();

    private Catalyst open() {
        return Catalyst.open(Catalyst.Config.defaults().withName("unix").withErrors((what, cause) -> reported.add(cause)));
    }

    @Test
    void aListenerOnASocketFileEchoesWhatAConnectSendsByteIdenticalAndRemovesTheFileWhenClosed() throws Exception {
        byte[] bytes = new byte[3 << 20];
        new Random(11).nextBytes(bytes);
        Path in = Files.write(dir.resolve("in"), bytes);
        Path out = dir.resolve("out");
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("echo.sock"));
        try (Catalyst catalyst = open()) {
            Listener listener = Listener.open(catalyst, address, 16,
                (graph, connection) -> graph.from(connection.source()).to(connection.sink()));
            assertThat(listener.localAddress()).isEqualTo(address);
            assertThatThrownBy(listener::address).isInstanceOf(IllegalStateException.class).hasMessageContaining("localAddress()");
            assertThat(address.getPath()).as("the bind made the socket file").exists();

            Graph graph = Graph.on(catalyst);
            Connection server = graph.connect(address);
            graph.read(in).to(server.sink());
            graph.from(server.source()).to(graph.write(out));
            CompletableFuture<Void> done = graph.start();
            Drive.until(catalyst, 200_000, done::isDone);
            assertThat(done).isCompleted();
            assertThat(Files.mismatch(in, out)).isEqualTo(-1L);

            listener.close();
            Drive.until(catalyst, 1_000, () -> listener.done().isDone());
            assertThat(address.getPath()).as("close removes the file the listener made").doesNotExist();
        }
        assertThat(reported).isEmpty();
    }

    @Test
    void aBindToASocketFileThatExistsFailsAndLeavesTheFile() throws Exception {
        Path stale = Files.createFile(dir.resolve("stale.sock"));
        try (Catalyst catalyst = open()) {
            assertThatThrownBy(() -> Listener.open(catalyst, UnixDomainSocketAddress.of(stale), 16,
                (graph, connection) -> graph.from(connection.source()).to(connection.sink())))
                .isInstanceOf(IOException.class);
            assertThat(stale).as("a stale file is the caller's business").exists();
        }
    }

    @Test
    void aConnectToASocketFileNobodyListensOnFailsNamingThePath() throws Exception {
        Path missing = dir.resolve("nobody.sock");
        try (Catalyst catalyst = open()) {
            Graph graph = Graph.on(catalyst);
            Connection nobody = graph.connect(UnixDomainSocketAddress.of(missing));
            graph.from(nobody.source()).count();
            CompletableFuture<Void> done = graph.start();
            Drive.until(catalyst, 1_000, done::isDone);
            Throwable failure = done.handle((ok, f) -> f).join();
            assertThat(failure).isInstanceOf(ConnectException.class).hasMessageStartingWith("connect to " + missing + " ");
            assertThat(reported).containsExactly(failure);
        }
    }

    @Test
    void anHttpServerServesOnASocketFile() throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("http.sock"));
        try (Catalyst catalyst = open()) {
            HttpServer server = HttpServer.listen(catalyst, address, HttpServer.Options.defaults().withWorkers(1))
                .each((request, response) -> response.send("hello over " + request.target()));
            assertThat(server.localAddress()).isEqualTo(address);
            CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    client.connect(address);
                    client.write(ByteBuffer.wrap("GET /unix HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)));
                    ByteBuffer buffer = ByteBuffer.allocate(4096);
                    StringBuilder text = new StringBuilder();
                    while (client.read(buffer.clear()) >= 0) {
                        text.append(StandardCharsets.US_ASCII.decode(buffer.flip()));
                    }
                    return text.toString();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Drive.until(catalyst, 10_000, reply::isDone);
            assertThat(reply.join()).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nhello over /unix");
            server.close();
            Drive.until(catalyst, 1_000, () -> server.done().isDone());
            assertThat(address.getPath()).doesNotExist();
        }
        assertThat(reported).isEmpty();
    }
}
