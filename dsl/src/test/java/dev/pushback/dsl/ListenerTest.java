package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;

/** DESIGN N13: a listener accepts only while a connection slot is free. Real sockets on loopback. */
class ListenerTest {
    @Test
    void n13_neverMoreThanMaxConnectionsOpenAndEveryClientServed() throws Exception {
        int max = 4;
        int clients = 40;
        try (Catalyst catalyst = Catalyst.open()) {
            int[] open = {0};
            int[] peak = {0};
            Listener listener = Listener.open(catalyst, new InetSocketAddress("127.0.0.1", 0), max, (graph, socket) -> {
                peak[0] = Math.max(peak[0], ++open[0]);
                graph.from(socket.source()).map(NegotiatedEcho::upper).to(socket.sink())
                    .whenComplete((ok, failure) -> open[0]--);
            });
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String message = "hello " + i;
                replies.add(CompletableFuture.supplyAsync(() -> NegotiatedEcho.exchange(listener.address(), message), pool));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(replies.toArray(new CompletableFuture[0]));
            Drive.until(catalyst, 100_000, all::isDone);
            for (int i = 0; i < clients; i++) {
                assertThat(replies.get(i).join()).isEqualTo("HELLO " + i);
            }
            assertThat(peak[0]).as("server-side connections open at once").isLessThanOrEqualTo(max);
            assertThat(Drive.read(catalyst, listener::peakConnections)).isLessThanOrEqualTo(max);
            listener.close();
            Drive.until(catalyst, 1_000, () -> listener.done().isDone());
            assertThat(listener.done()).isCompleted();
            pool.shutdown();
        }
    }

    @Test
    @org.junit.jupiter.api.condition.EnabledOnOs(org.junit.jupiter.api.condition.OS.LINUX) // counts descriptors in /proc
    void n13_aSlotComesBackOnlyWithItsDescriptor() throws Exception {
        // A selector keeps a closed channel's descriptor until it next selects: a slot freed at
        // close() let a listener of 16 hold 17 sockets. Counted from /proc at every accept.
        int max = 16;
        int clients = 100;
        long self = ProcessHandle.current().pid();
        try (Catalyst catalyst = Catalyst.open()) {
            List<Integer> held = new ArrayList<>();
            int[] port = {0};
            Listener listener = Listener.open(catalyst, new InetSocketAddress("127.0.0.1", 0), max, (graph, socket) -> {
                try {
                    held.add(ProcSockets.accepted(self, port[0]));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                graph.from(socket.source()).map(NegotiatedEcho::upper).to(socket.sink());
            });
            port[0] = listener.address().getPort();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String message = "m" + i;
                replies.add(CompletableFuture.supplyAsync(() -> NegotiatedEcho.exchange(listener.address(), message), pool));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(replies.toArray(new CompletableFuture[0]));
            Drive.until(catalyst, 1_000_000, all::isDone);
            for (int i = 0; i < clients; i++) {
                assertThat(replies.get(i).join()).isEqualTo("M" + i);
            }
            assertThat(held).hasSize(clients);
            assertThat(held).as("accepted sockets the process held at each accept, the new one included")
                .allSatisfy(count -> assertThat(count).isLessThanOrEqualTo(max));
            assertThat(listener.maxConnections()).isEqualTo(max);
            listener.close();
            Drive.until(catalyst, 1_000, () -> listener.done().isDone());
            pool.shutdown();
        }
    }

    /** A blocking client: sends a message, half-closes, reads the reply to the end. */
    static final class NegotiatedEcho {
        static String exchange(InetSocketAddress address, String message) {
            try (SocketChannel client = SocketChannel.open(address)) {
                client.write(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
                client.shutdownOutput();
                ByteArrayOutputStream reply = new ByteArrayOutputStream();
                ByteBuffer buffer = ByteBuffer.allocate(256);
                while (client.read(buffer.clear()) > 0) {
                    reply.write(buffer.array(), 0, buffer.position());
                }
                return reply.toString(StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }

        /** A copy: byte chunks are read-only. */
        static ByteBuffer upper(ByteBuffer chunk) {
            ByteBuffer upper = ByteBuffer.allocate(chunk.remaining());
            for (int i = chunk.position(); i < chunk.limit(); i++) {
                upper.put((byte) Character.toUpperCase(chunk.get(i)));
            }
            return upper.flip();
        }
    }
}
