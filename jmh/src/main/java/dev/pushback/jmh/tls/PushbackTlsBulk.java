package dev.pushback.jmh.tls;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.dsl.Connection;
import dev.pushback.dsl.Graph;
import dev.pushback.dsl.Listener;
import dev.pushback.dsl.tls.TlsClientConfig;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * pushback's side of {@code jmh/tls-bulk.sh}, written against the public API as {@code nc --tls}
 * and {@code nc -l --tls-cert F --tls-key K} are, but with the bytes made and dropped in memory
 * as its Netty peer {@link NettyTlsBulk} does, so that neither side pays for a pipe: one TLS
 * connection ({@code graph.connect(address, options, TlsClientConfig)} or
 * {@code Listener.open(..., TlsServerConfig, each)}), a source of zero bytes to its sink and its
 * source to a sink that counts and drops. The side that receives half-closes its output at once
 * (an empty source), as {@code nc < /dev/null} does. The JVM options of the script pin the suite
 * ({@code -Djdk.tls.server.cipherSuites}, {@code -Djdk.tls.client.cipherSuites}); pushback's
 * configs enable TLS 1.3 and 1.2, and with only a TLS 1.3 suite enabled TLS 1.3 is all that can be
 * negotiated. Prints {@code received N bytes in T ms} on stderr, T from the connection (accepted,
 * or asked for) to the end of both directions.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.pushback.jmh.tls.PushbackTlsBulk --listen 127.0.0.1 0 \
 *     --tls-cert cert.pem --tls-key key.pem --receive          # prints "listening on HOST:PORT"
 * java -cp jmh/target/benchmarks.jar dev.pushback.jmh.tls.PushbackTlsBulk --connect 127.0.0.1 PORT \
 *     --cafile cert.pem --send 1073741824
 * </pre>
 */
public final class PushbackTlsBulk {
    private PushbackTlsBulk() {
    }

    public static void main(String[] args) throws Exception {
        boolean listen = false;
        String host = null;
        int port = -1;
        String cert = null;
        String key = null;
        String cafile = null;
        long send = -1;
        boolean receive = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--listen", "--connect" -> {
                    listen = args[i].equals("--listen");
                    host = args[++i];
                    port = Integer.parseInt(args[++i]);
                }
                case "--tls-cert" -> cert = args[++i];
                case "--tls-key" -> key = args[++i];
                case "--cafile" -> cafile = args[++i];
                case "--send" -> send = Long.parseLong(args[++i]);
                case "--receive" -> receive = true;
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (host == null || (send >= 0) == receive || (listen ? cert == null || key == null : cafile == null)) {
            throw new IllegalArgumentException("usage: (--listen HOST PORT --tls-cert F --tls-key K"
                + " | --connect HOST PORT --cafile F) (--send BYTES | --receive)");
        }
        long bytes = Math.max(send, 0);
        try (Catalyst catalyst = Catalyst.open()) {
            if (!listen) {
                Graph graph = Graph.on(catalyst);
                long start = System.nanoTime();
                Connection peer = graph.connect(InetSocketAddress.createUnresolved(host, port), ConnectOptions.defaults(),
                    TlsClientConfig.trusting(Path.of(cafile)));
                Count count = wire(graph, peer, bytes);
                graph.run();
                report(count, start);
                return;
            }
            TlsServerConfig tls = TlsServerConfig.fromPem(Path.of(cert), Path.of(key));
            Listener[] listener = new Listener[1];
            listener[0] = Listener.open(catalyst, new InetSocketAddress(host, port), 1, tls, (graph, peer) -> {
                long start = System.nanoTime();
                listener[0].close(); // one connection, as nc -l takes
                Count count = wire(graph, peer, bytes);
                graph.start().whenComplete((ok, failure) -> {
                    if (failure != null) {
                        System.err.println("failed: " + failure);
                    }
                    report(count, start);
                });
            });
            InetSocketAddress bound = (InetSocketAddress) listener[0].localAddress();
            System.out.println("listening on " + bound.getHostString() + ":" + bound.getPort());
            System.out.flush();
            catalyst.loop();
        }
    }

    /** {@code bytes} zeros to the peer (none: output shut down at once), the peer to a count. */
    private static Count wire(Graph graph, Connection peer, long bytes) {
        Count count = new Count(graph.catalyst());
        graph.from(new Zeros(graph.catalyst(), bytes)).to(peer.sink());
        graph.from(peer.source()).to(count);
        return count;
    }

    private static void report(Count count, long start) {
        System.err.printf("received %d bytes in %.1f ms%n", count.bytes, (System.nanoTime() - start) / 1e6);
    }

    /** Gives {@code remaining} zero bytes in chunks of the catalyst's size, one buffer for all. */
    private static final class Zeros extends AbstractSource<ByteBuffer> {
        private long remaining;
        private ByteBuffer chunk;

        Zeros(Catalyst catalyst, long bytes) {
            super(catalyst, "zeros");
            remaining = bytes;
        }

        @Override
        public ByteBuffer handlePoll() {
            if (remaining == 0) {
                return handleNothing(true);
            }
            if (chunk == null) {
                chunk = ByteBuffer.allocateDirect((int) maxElementBytes());
            }
            int n = (int) Math.min(chunk.capacity(), remaining);
            remaining -= n;
            return chunk.clear().limit(n); // all zeros, so reusing it after a consume is safe
        }
    }

    /** Always writable; counts the bytes offered and drops them. */
    private static final class Count extends AbstractSink<ByteBuffer> {
        long bytes;

        Count(Catalyst catalyst) {
            super(catalyst, "count");
        }

        @Override
        public void handleAccept(ByteBuffer element) {
            bytes += element.remaining();
            element.position(element.limit());
        }

        @Override
        protected boolean handleHasPending() {
            return false;
        }
    }
}
