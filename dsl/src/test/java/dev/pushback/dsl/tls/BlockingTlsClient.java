package dev.pushback.dsl.tls;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * A TLS client over a plain blocking socket (with a read timeout, so a test cannot hang), driving
 * its own engine: a test sees exactly what the server sent — whether close_notify came before the
 * connection ended — and can drop the connection without sending one.
 */
public final class BlockingTlsClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private final ByteBuffer netIn = ByteBuffer.allocate(1 << 17); // write mode
    private final ByteBuffer plain = ByteBuffer.allocate(1 << 17);
    private final byte[] readBuffer = new byte[1 << 16];
    private final ByteArrayOutputStream received = new ByteArrayOutputStream(); // plaintext read and not yet taken
    private boolean closeNotify;
    private boolean ended;

    private BlockingTlsClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = engine;
    }

    /** Connects to {@code address} and runs the handshake. */
    public static BlockingTlsClient connect(InetSocketAddress address, SSLEngine engine) throws IOException {
        BlockingTlsClient client = open(address, engine);
        client.handshake();
        return client;
    }

    /** Connects without a handshake yet. */
    public static BlockingTlsClient open(InetSocketAddress address, SSLEngine engine) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 30_000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        return new BlockingTlsClient(socket, engine);
    }

    public SSLEngine engine() {
        return engine;
    }

    /** The plain socket under the engine, for a test that writes bytes of its own. */
    public Socket socket() {
        return socket;
    }

    public void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            HandshakeStatus status = engine.getHandshakeStatus();
            switch (status) {
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case NEED_WRAP -> wrapAndSend(ByteBuffer.allocate(0));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapOnce()) {
                        throw new EOFException("the server closed the connection during the handshake");
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** Sends {@code bytes} as TLS records. */
    public void write(byte[] bytes) throws IOException {
        ByteBuffer source = ByteBuffer.wrap(bytes);
        while (source.hasRemaining()) {
            wrapAndSend(source);
        }
    }

    public void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads plaintext until {@code text} has come; returns it and what came before it, keeping the rest for the next read. */
    public String readUntil(String text) throws IOException {
        while (true) {
            String got = received.toString(StandardCharsets.ISO_8859_1);
            int at = got.indexOf(text);
            if (at >= 0) {
                return take(at + text.length());
            }
            if (!readSome()) {
                throw new EOFException("the connection ended before " + text + "; got " + got);
            }
        }
    }

    /** Reads exactly {@code length} bytes of plaintext. */
    public byte[] read(int length) throws IOException {
        while (received.size() < length) {
            if (!readSome()) {
                throw new EOFException("the connection ended after " + received.size() + " of " + length + " bytes");
            }
        }
        return take(length).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Reads plaintext until the connection ends: with close_notify ({@link #closeNotifyReceived()}) or without. */
    public byte[] readToEnd() throws IOException {
        while (readSome()) {
            // on to the end
        }
        return take(received.size()).getBytes(StandardCharsets.ISO_8859_1);
    }

    private String take(int length) {
        byte[] all = received.toByteArray();
        received.reset();
        received.write(all, length, all.length - length);
        return new String(all, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** Whether the server sent close_notify. */
    public boolean closeNotifyReceived() {
        return closeNotify;
    }

    /** Sends close_notify, as a polite client does when it is done. */
    public void closeNotify() throws IOException {
        engine.closeOutbound();
        while (!engine.isOutboundDone()) {
            wrapAndSend(ByteBuffer.allocate(0));
        }
    }

    /** Drops the TCP connection without close_notify. */
    public void abort() throws IOException {
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private boolean readSome() throws IOException {
        if (ended) {
            return false;
        }
        if (!unwrapOnce()) {
            ended = true;
            return false;
        }
        plain.flip();
        received.write(plain.array(), plain.position(), plain.remaining());
        plain.clear();
        return true;
    }

    /** Unwraps one record, reading the socket as needed; false at the end (close_notify, or the socket ended). */
    private boolean unwrapOnce() throws IOException {
        while (true) {
            netIn.flip();
            SSLEngineResult result = engine.unwrap(netIn, plain);
            netIn.compact();
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                closeNotify = true;
                return false;
            }
            if (result.getStatus() == SSLEngineResult.Status.OK && (result.bytesConsumed() > 0 || result.bytesProduced() > 0)) {
                return true;
            }
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new IOException("plaintext buffer full");
            }
            int n = in.read(readBuffer, 0, Math.min(readBuffer.length, netIn.remaining()));
            if (n < 0) {
                return false;
            }
            netIn.put(readBuffer, 0, n);
        }
    }

    private void wrapAndSend(ByteBuffer source) throws IOException {
        ByteBuffer records = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2);
        engine.wrap(source, records);
        records.flip();
        out.write(records.array(), 0, records.limit());
        out.flush();
    }
}
