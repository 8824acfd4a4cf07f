package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.dsl.Graph;

/**
 * The response of an exchange: a byte sink. Its head goes out with the first body bytes (or at
 * the end): with {@code Content-Length} when the handler set one, else chunked. It is writable
 * while the socket is, so whatever feeds it moves at the client's pace (DESIGN N1); what the socket
 * does not take at once is its one pending element.
 */
public final class HttpResponse extends Sink<ByteBuffer> {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /** A chunk's size line and CRLFs, and the last chunk. */
    private static final int CHUNK_FRAMING = 32;

    private final HttpConnection connection;
    private final Graph graph;
    private final boolean headRequest;
    private final boolean keepAlive;
    private final List<String[]> headers = new ArrayList<>();
    private int status = 200;
    private long contentLength = -1;
    private boolean connected;

    private ByteBuffer h_out;
    private long h_accounted; // pending bytes counted in the catalyst's retained bytes
    private boolean h_headWritten;
    private long h_bodyBytes;

    HttpResponse(Catalyst catalyst, HttpConnection connection, Graph graph, boolean headRequest, boolean keepAlive) {
        super(catalyst, "response");
        this.connection = connection;
        this.graph = graph;
        this.headRequest = headRequest;
        this.keepAlive = keepAlive;
    }

    /** Sets the status code (200 by default); before the first body bytes. */
    public HttpResponse status(int code) {
        if (code < 100 || code > 999) {
            throw new IllegalArgumentException("not a status code: " + code);
        }
        status = code;
        return this;
    }

    /** Adds a header; {@code Content-Length} makes the body go out unframed, not chunked. */
    public HttpResponse header(String name, String value) {
        if (name.equalsIgnoreCase("Content-Length")) {
            contentLength = Long.parseLong(value.trim());
            return this;
        }
        if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Connection")) {
            return this; // the server frames the body and decides about the connection
        }
        headers.add(new String[] {name, value});
        return this;
    }

    /** Sends {@code body} (UTF-8) as the whole response body, with its length. */
    public void send(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        header("Content-Length", Integer.toString(bytes.length));
        ManualSource<ByteBuffer> source = new ManualSource<>(catalyst, "body");
        catalyst.execute(() -> {
            source.handlePush(ByteBuffer.wrap(bytes));
            source.handleFinish();
            source.handleSetReadable(true);
        });
        graph.from(source).to(this);
        connected = true;
    }

    boolean connected() {
        return connected;
    }

    boolean handleHeadWritten() {
        return h_headWritten;
    }

    @Override
    protected void handleOpen() {
        h_out = connection.handleOutputBuffer();
    }

    @Override
    public void handleAccept(ByteBuffer chunk) throws IOException {
        int length = chunk.remaining();
        h_bodyBytes += length;
        if (contentLength >= 0 && h_bodyBytes > contentLength) {
            throw new IOException("response body longer than its Content-Length " + contentLength);
        }
        handleEnsureRoom(length + 512);
        if (!h_headWritten) {
            handleWriteHead();
        }
        if (!headRequest && length > 0) {
            if (contentLength < 0) {
                h_out.put(Long.toHexString(length).getBytes(StandardCharsets.ISO_8859_1)).put(CRLF);
                h_out.put(chunk).put(CRLF);
            } else {
                h_out.put(chunk);
            }
        } else {
            chunk.position(chunk.limit());
        }
        handleFlush();
    }

    @Override
    protected void handleInputEnded() throws IOException {
        handleEnsureRoom(LAST_CHUNK.length + 512);
        if (!h_headWritten) {
            if (contentLength < 0) {
                contentLength = 0; // nothing was sent: an empty body, not a chunked one
            }
            handleWriteHead();
        } else if (contentLength < 0 && !headRequest) {
            h_out.put(LAST_CHUNK);
        }
        if (contentLength >= 0 && h_bodyBytes < contentLength && !headRequest) {
            throw new IOException("response body shorter than its Content-Length " + contentLength);
        }
        handleFlush();
    }

    private void handleWriteHead() {
        StringBuilder head = new StringBuilder(128).append("HTTP/1.1 ").append(status).append(' ')
            .append(Reasons.of(status)).append("\r\n");
        for (String[] header : headers) {
            head.append(header[0]).append(": ").append(header[1]).append("\r\n");
        }
        if (contentLength >= 0) {
            head.append("Content-Length: ").append(contentLength).append("\r\n");
        } else {
            head.append("Transfer-Encoding: chunked\r\n");
        }
        if (!keepAlive) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        handleEnsureRoom(head.length());
        h_out.put(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        h_headWritten = true;
    }

    private void handleEnsureRoom(int bytes) {
        if (h_out.remaining() < bytes) {
            h_out = connection.handleGrowOutput(h_out.position() + bytes);
        }
    }

    /**
     * The most bytes pending at once: one element framed, with the head and a chunk's framing
     * beside it (DESIGN N3).
     */
    @Override
    public long retainedBound(long elementBytes) {
        long head = 128; // status line, Content-Length or Transfer-Encoding, Connection, blank line
        for (String[] header : headers) {
            head += header[0].length() + header[1].length() + 4;
        }
        return elementBytes + head + CHUNK_FRAMING;
    }

    @Override
    public long retainedBound() {
        return retainedBound(catalyst.pool().chunkSize());
    }

    @Override
    public long handlePendingBytes() {
        return h_accounted;
    }

    /** Writes what is framed; what the socket does not take stays pending and the bit clears. */
    private void handleFlush() throws IOException {
        h_out.flip();
        connection.handleWrite(h_out);
        h_out.compact();
        catalyst.handleRetain(h_out.position() - h_accounted);
        h_accounted = h_out.position();
        if (h_out.position() > 0) {
            handleClearAvailable();
            connection.handleWantWrite();
        }
    }

    /** The socket can take bytes again. */
    void handleWritable() {
        if (handleIsClosed()) {
            return;
        }
        try {
            handleFlush();
        } catch (IOException e) {
            handleClose(e);
            return;
        }
        if (h_out.position() == 0) {
            handleSetAvailable();
            handleFinishIfDrained();
        }
    }

    @Override
    protected boolean handleHasPending() {
        return h_out != null && h_out.position() > 0;
    }

    @Override
    protected void handleRelease() {
        catalyst.handleRetain(-h_accounted);
        h_accounted = 0;
        h_out = null; // the connection's: it outlives the exchange
    }
}
