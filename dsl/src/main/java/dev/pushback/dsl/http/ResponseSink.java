package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;

/**
 * The sink behind an {@link HttpResponse}. Its head goes out with the first body bytes (or at
 * the end): with {@code Content-Length} when the handler set one, else chunked. It is writable
 * while the socket is, so whatever feeds it moves at the client's pace (DESIGN N1). Bytes are
 * framed into the connection's output, which writes them once per round, so pipelined responses
 * share a write.
 */
final class ResponseSink extends AbstractSink<ByteBuffer> {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /** A chunk's size line and CRLFs, and the last chunk. */
    private static final int CHUNK_FRAMING = 32;
    private static final byte[] NO_BODY = {};

    private final ResponseOutput output;
    private final boolean headRequest;
    private final boolean keepAlive;
    private final List<String[]> headers = new ArrayList<>();
    private int status = 200;
    private long contentLength = -1;

    private byte[] whole;
    private boolean h_headWritten;
    private long h_bodyBytes;

    private final HttpResponse facade = new HttpResponse(this);

    ResponseSink(Catalyst catalyst, ResponseOutput output, boolean headRequest, boolean keepAlive) {
        super(catalyst, "response");
        this.output = output;
        this.headRequest = headRequest;
        this.keepAlive = keepAlive;
    }

    /** What the handler holds. */
    HttpResponse facade() {
        return facade;
    }

    void status(int code) {
        if (code < 100 || code > 999) {
            throw new IllegalArgumentException("not a status code: " + code);
        }
        status = code;
    }

    void header(String name, String value) {
        if (name.equalsIgnoreCase("Content-Length")) {
            contentLength = Long.parseLong(value.trim());
            return;
        }
        if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Connection")) {
            return; // the server frames the body and decides about the connection
        }
        headers.add(new String[] {name, value});
    }

    void send(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        header("Content-Length", Integer.toString(bytes.length));
        whole = bytes;
    }

    /** Whether {@link #send} gave the body. */
    boolean sent() {
        return whole != null;
    }

    /** Frames the head and the body given by {@link #send} (or none) into the connection's output, with no graph. */
    void handleFrameWhole() throws IOException {
        byte[] body = whole != null ? whole : NO_BODY;
        if (contentLength < 0) {
            contentLength = body.length;
        } else if (contentLength != body.length && !headRequest) {
            // Checked before the head is framed, so that the exchange can still answer 500.
            throw new IllegalStateException("response body of " + body.length + " bytes, but Content-Length " + contentLength);
        }
        h_bodyBytes = body.length;
        handleWriteHead(body.length);
        if (!headRequest) {
            output.handleRoom(body.length).put(body);
        }
        output.handleFramed();
    }

    boolean handleHeadWritten() {
        return h_headWritten;
    }

    @Override
    public void handleAccept(ByteBuffer chunk) throws IOException {
        int length = chunk.remaining();
        h_bodyBytes += length;
        if (contentLength >= 0 && h_bodyBytes > contentLength) {
            throw new IOException("response body longer than its Content-Length " + contentLength);
        }
        if (!h_headWritten) {
            handleWriteHead(length);
        }
        if (!headRequest && length > 0) {
            if (contentLength < 0) {
                output.handleRoom(length + CHUNK_FRAMING)
                    .put(Long.toHexString(length).getBytes(StandardCharsets.ISO_8859_1)).put(CRLF).put(chunk).put(CRLF);
            } else {
                output.handleRoom(length).put(chunk);
            }
        } else {
            chunk.position(chunk.limit());
        }
        if (!output.handleFramed()) {
            handleClearAvailable(); // the socket takes no more: wait until it does (DESIGN N1)
        }
    }

    @Override
    protected void handleInputEnded() throws IOException {
        if (!h_headWritten) {
            if (contentLength < 0) {
                contentLength = 0; // nothing was sent: an empty body, not a chunked one
            }
            handleWriteHead(0);
        } else if (contentLength < 0 && !headRequest) {
            output.handleRoom(LAST_CHUNK.length).put(LAST_CHUNK);
        }
        if (contentLength >= 0 && h_bodyBytes < contentLength && !headRequest) {
            throw new IOException("response body shorter than its Content-Length " + contentLength);
        }
        output.handleFramed();
    }

    /** Frames the head, with room for {@code bodyBytes} after it. */
    private void handleWriteHead(int bodyBytes) {
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
        byte[] bytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        output.handleRoom(bytes.length + bodyBytes + CHUNK_FRAMING).put(bytes);
        h_headWritten = true;
    }

    /**
     * The most bytes held at once: earlier responses framed and not yet written, then one element
     * framed, with the head and a chunk's framing beside it (DESIGN N3).
     */
    @Override
    public long retainedBound(long elementBytes) {
        long head = 128; // status line, Content-Length or Transfer-Encoding, Connection, blank line
        for (String[] header : headers) {
            head += header[0].length() + header[1].length() + 4;
        }
        return ResponseOutput.COALESCE_BYTES + elementBytes + head + CHUNK_FRAMING;
    }

    @Override
    public long retainedBound() {
        return retainedBound(reactor.pool().chunkSize());
    }

    /** The socket can take bytes again, and took what was framed. */
    void handleWritable() {
        if (handleIsClosed()) {
            return;
        }
        handleSetAvailable();
        handleFinishIfDrained();
    }

    /** Pending: the socket refused framed bytes; the exchange is done only once they are out. */
    @Override
    protected boolean handleHasPending() {
        return output.handleBlocked();
    }

    /** The exchange reports it, with its request line (see {@code Exchange}). */
    @Override
    protected void handleReportFinishing(Exception e) {}
}
