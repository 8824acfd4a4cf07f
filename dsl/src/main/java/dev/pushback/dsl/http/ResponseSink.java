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
 * the end): with {@code Content-Length} when the handler set one, else chunked — or, to an
 * HTTP/1.0 client, which knows no transfer coding (RFC 9112 §6.1), delimited by the close of the
 * connection. It is writable while the socket is, so whatever feeds it moves at the client's pace
 * (DESIGN N1). Bytes are framed into the connection's output, which writes them once per round,
 * so pipelined responses share a write.
 *
 * <p>What RFC 9110 and RFC 9112 ask of a response head is kept here, whatever the handler does:
 * a {@code Date} (RFC 9110 §6.6.1), one framing only (RFC 9112 §6.2), no content for HEAD, 204,
 * 205 and 304, and neither {@code Content-Length} nor {@code Transfer-Encoding} on a 204 (RFC
 * 9110 §6.4.1, §8.6, §15.3.5, §15.3.6, §15.4.5), and header fields that match their grammar, so
 * that no value can end the head early (response splitting, RFC 9112 §11.1).
 */
final class ResponseSink extends AbstractSink<ByteBuffer> {
    private static final byte[] NO_BODY = {};
    /**
     * The most a head takes besides the handler's fields: the status line (46 bytes), the Date
     * (37), Content-Length (37) or Transfer-Encoding, Connection (24) and the blank line.
     */
    private static final int HEAD_BYTES = 160;

    private final ConnectionOutput output;
    private final boolean headRequest;
    private final boolean http10;
    private final boolean keepAlive;
    private final List<String[]> headers = new ArrayList<>();
    private int status = 200;
    private long contentLength = -1;
    private boolean dated;

    private byte[] whole;
    private boolean h_headWritten;
    private boolean h_closeDelimited;
    private long h_bodyBytes;

    private final HttpResponse facade = new HttpResponse(this);

    /**
     * @param headRequest whether the request was a HEAD: the same head, no content
     * @param http10 whether the request was HTTP/1.0: no chunked body, a keep-alive said so
     * @param keepAlive whether the request lets the connection stay open
     */
    ResponseSink(Catalyst catalyst, ConnectionOutput output, boolean headRequest, boolean http10, boolean keepAlive) {
        super(catalyst, "response");
        this.output = output;
        this.headRequest = headRequest;
        this.http10 = http10;
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
        if (code < 200) {
            // RFC 9110 §15.2: a 1xx is interim, a final response must follow it, and an HTTP/1.0
            // client must never get one; the server sends the one it supports (100) itself
            throw new IllegalArgumentException("not a final status code: " + code);
        }
        status = code;
    }

    void header(String name, String value) {
        HttpChars.checkField(name, value);
        if (name.equalsIgnoreCase("Content-Length")) {
            contentLength = contentLength(value.strip());
            return;
        }
        if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Connection")) {
            return; // the server frames the body and decides about the connection
        }
        dated |= name.equalsIgnoreCase("Date"); // the handler's own, then not the server's as well
        headers.add(new String[] {name, value});
    }

    /** {@code Content-Length = 1*DIGIT} (RFC 9110 §8.6): no sign, no list. */
    private static long contentLength(String value) {
        boolean digits = !value.isEmpty();
        for (int i = 0; i < value.length() && digits; i++) { // a loop, not a stream: once per response
            digits = value.charAt(i) >= '0' && value.charAt(i) <= '9';
        }
        if (!digits) {
            throw new IllegalArgumentException("Content-Length is not a decimal number: " + value);
        }
        return Long.parseLong(value);
    }

    /**
     * Whether the response carries no content, whatever it was given: a response to HEAD, and
     * 204, 205 and 304 (RFC 9110 §6.4.1, §15.3.6).
     */
    private boolean bodyless() {
        return headRequest || status == 204 || status == 205 || status == 304;
    }

    /** Whether the response's end is the connection's close (no length, to HTTP/1.0): it must close after it. */
    boolean handleCloseDelimited() {
        return h_closeDelimited;
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
        } else if (contentLength != body.length && !bodyless()) {
            // Checked before the head is framed, so that the exchange can still answer 500.
            throw new IllegalStateException("response body of " + body.length + " bytes, but Content-Length " + contentLength);
        }
        h_bodyBytes = body.length;
        handleWriteHead(body.length);
        if (!bodyless()) {
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
        if (!bodyless() && length > 0) {
            if (contentLength < 0 && !h_closeDelimited) {
                output.handleFrameChunk(chunk);
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
        } else if (contentLength < 0 && !bodyless() && !h_closeDelimited) {
            output.handleFrameLastChunk();
        }
        if (contentLength >= 0 && h_bodyBytes < contentLength && !bodyless()) {
            throw new IOException("response body shorter than its Content-Length " + contentLength);
        }
        output.handleFramed();
    }

    /**
     * The field that says where the body ends, or null for none: a 204 has no framing field and
     * a 304 only the length of the 200 it stands for, if the handler gave it (RFC 9110 §8.6, RFC
     * 9112 §6.1); a 205 has no content (RFC 9110 §15.3.6); a body of unknown length is chunked,
     * except to HTTP/1.0, which knows no transfer coding (RFC 9112 §6.1): there the close of the
     * connection ends it. A HEAD gets what its GET would have got.
     */
    private String handleFraming() {
        if (status == 205) {
            return "Content-Length: 0\r\n";
        } else if (status == 204 || (status == 304 && contentLength < 0)) {
            return null;
        } else if (contentLength >= 0) {
            return "Content-Length: " + contentLength + "\r\n";
        } else if (!http10) {
            return "Transfer-Encoding: chunked\r\n";
        }
        h_closeDelimited = !headRequest;
        return null;
    }

    /** Frames the head, with room for {@code bodyBytes} after it. */
    private void handleWriteHead(int bodyBytes) {
        StringBuilder head = new StringBuilder(handleHeadBytes()).append("HTTP/1.1 ").append(status).append(' ')
            .append(Reasons.of(status)).append("\r\n");
        if (!dated) {
            head.append(HttpDate.line());
        }
        for (String[] header : headers) {
            head.append(header[0]).append(": ").append(header[1]).append("\r\n");
        }
        String framing = handleFraming();
        if (framing != null) {
            head.append(framing);
        }
        if (!keepAlive || h_closeDelimited) {
            head.append("Connection: close\r\n");
        } else if (http10) {
            head.append("Connection: keep-alive\r\n"); // an HTTP/1.0 client assumes the close unless told
        }
        head.append("\r\n");
        byte[] bytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        output.handleRoom(bytes.length + bodyBytes + ConnectionOutput.CHUNK_FRAMING).put(bytes);
        h_headWritten = true;
    }

    /**
     * The most bytes held at once: earlier responses framed and not yet written, then one element
     * framed, with the head and a chunk's framing beside it (DESIGN N3).
     */
    @Override
    public long retainedBound(long elementBytes) {
        return ConnectionOutput.COALESCE_BYTES + elementBytes + handleHeadBytes() + ConnectionOutput.CHUNK_FRAMING;
    }

    /** The most bytes the head takes: the server's own lines and the handler's fields (sized once, no regrowth). */
    private int handleHeadBytes() {
        int head = HEAD_BYTES;
        for (String[] header : headers) {
            head += header[0].length() + header[1].length() + 4;
        }
        return head;
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
