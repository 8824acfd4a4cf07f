package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;


/**
 * A connection's incoming side: reads the socket through its {@link Wire} (one pooled
 * buffer, decrypted first when the connection is TLS) and feeds the {@link RequestParser}, which it pauses after every event, so that the
 * connection takes one event at a time — a head, a body slice, the end of a request, an error —
 * and the bytes after it wait in the buffer until it asks for more. The parser keeps a head's
 * bytes itself, so a buffer is read again only once the parser has taken all of it.
 */
final class RequestReader implements RequestListener {
    /** {@link #handlePump()}: the parser reported an event. */
    static final int EVENT = 1;
    /** {@link #handlePump()}: the socket has no bytes now. */
    static final int NOTHING_NOW = 0;
    /** {@link #handlePump()}: the client has sent everything (it may still read). */
    static final int END_OF_INPUT = -1;

    private final WireInput input;
    private final RequestParser parser;
    // What the parser reported.
    private boolean h_event;
    private RequestHead h_head;
    private ByteBuffer h_slice;
    private boolean h_requestEnded;
    private HttpError h_error;

    RequestReader(Wire wire, HttpLimits limits) {
        this.input = new WireInput(wire);
        this.parser = new RequestParser(this, limits).declineUpgrades(); // clients offering h2c still get HTTP/1.1
    }

    @Override
    public void onRequest(RequestHead head) {
        h_head = head;
        h_event = true;
        parser.pause();
    }

    @Override
    public void onBody(ByteBuffer slice) {
        h_slice = slice;
        h_event = true;
        parser.pause();
    }

    @Override
    public void onRequestEnd() {
        h_requestEnded = true;
        h_event = true;
        parser.pause();
    }

    @Override
    public void onError(HttpError error) {
        h_error = error;
        h_event = true;
    }

    /**
     * Feeds the parser what is buffered, reading more when nothing is, until it reports an event
     * ({@link #EVENT}: see {@link #handleHead()}, {@link #handleSlice()}, {@link #handleRequestEnded()},
     * {@link #handleError()}) or the socket has no bytes now ({@link #NOTHING_NOW}) or no more
     * ({@link #END_OF_INPUT}). The last slice is valid until the next pump.
     */
    int handlePump() throws IOException {
        h_slice = null;
        h_event = h_error != null; // failed for good: it reports nothing more
        while (!h_event) {
            if (input.handleHasRemaining()) {
                parser.feed(input.handleBuffer());
            } else {
                int read = input.handleFill();
                if (read <= 0) {
                    return read;
                }
            }
        }
        return EVENT;
    }

    /** The socket is to say when it is readable (the connection's {@code ReadyHandler} hears it). */
    void handleWantRead() {
        input.handleWantRead();
    }

    /** The head of the request now, or null between requests. */
    RequestHead handleHead() {
        return h_head;
    }

    /** The body slice the last pump gave, or null. */
    ByteBuffer handleSlice() {
        return h_slice;
    }

    /** Whether the current request is read to its end, its body included. */
    boolean handleRequestEnded() {
        return h_requestEnded;
    }

    /** Why the parser refused the input, or null. */
    HttpError handleError() {
        return h_error;
    }

    /** Whether nothing of a next request has been read. */
    boolean handleBetweenRequests() {
        return parser.isIdle();
    }

    /** The current request is done with: the parser goes on with the next. */
    void handleNextRequest() {
        h_head = null;
        h_slice = null;
        h_requestEnded = false;
    }

    /** The connection closed: the source's buffer is no longer read. */
    void handleClose() {
        input.handleClose();
        h_slice = null;
    }
}
