package dev.pushback.dsl.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * A client and a server engine joined in memory: each one's records are the other's input. A
 * finished handshake proves that the server's key signs for its certificate and that the client
 * trusts it; a message each way proves the keys they agreed on.
 */
final class EnginePair {
    private final SSLEngine client;
    private final SSLEngine server;
    private final ByteBuffer toServer = ByteBuffer.allocate(1 << 17); // write mode
    private final ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer clientPlain = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer serverPlain = ByteBuffer.allocate(1 << 17);

    EnginePair(SSLEngine client, SSLEngine server) {
        this.client = client;
        this.server = server;
    }

    /** Runs the handshake to its end; throws what either side failed with. */
    EnginePair handshake() throws SSLException {
        client.beginHandshake();
        server.beginHandshake();
        for (int i = 0; i < 100; i++) {
            boolean moved = step(client, toClient, toServer, clientPlain) | step(server, toServer, toClient, serverPlain);
            if (!moved && done(client) && done(server)) {
                return this;
            }
        }
        throw new AssertionError("the handshake did not end: client " + client.getHandshakeStatus()
            + ", server " + server.getHandshakeStatus());
    }

    /** Sends {@code text} from client to server and back; returns what the client got back. */
    String echo(String text) throws SSLException {
        ByteBuffer plain = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        client.wrap(plain, toServer);
        step(server, toServer, toClient, serverPlain);
        serverPlain.flip();
        server.wrap(serverPlain, toClient);
        serverPlain.compact();
        step(client, toClient, toServer, clientPlain);
        clientPlain.flip();
        String got = StandardCharsets.UTF_8.decode(clientPlain).toString();
        clientPlain.clear();
        return got;
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
    }

    /** One engine does what it can: runs tasks, wraps into {@code out}, unwraps what {@code in} holds. */
    private static boolean step(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer plain) throws SSLException {
        boolean moved = false;
        while (true) {
            HandshakeStatus status = engine.getHandshakeStatus();
            if (status == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
                moved = true;
            } else if (status == HandshakeStatus.NEED_WRAP) {
                int before = out.position();
                engine.wrap(ByteBuffer.allocate(0), out);
                moved |= out.position() != before;
                if (out.position() == before && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    return moved;
                }
            } else if (in.position() > 0) {
                in.flip();
                var result = engine.unwrap(in, plain);
                in.compact();
                if (result.bytesConsumed() == 0) {
                    return moved;
                }
                moved = true;
            } else {
                return moved;
            }
        }
    }

    static void assertOpen(SSLEngine engine) {
        assertThat(engine.isInboundDone()).isFalse();
        assertThat(engine.isOutboundDone()).isFalse();
    }
}
