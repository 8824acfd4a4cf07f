package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;


/**
 * A client connection's incoming side, as {@link RequestReader} is a server's: reads the socket
 * through its {@link WireInput} and feeds the {@link ResponseParser}, paused after every event, so that
 * the connection takes one event at a time — an interim response, a head, a body slice, the end
 * of a response, an error — and the bytes after it wait in the buffer until it asks for more.
 */
final class ResponseReader implements ResponseListener {
    /** {@link #handlePump()}: the parser reported an event. */
    static final int EVENT = 1;
    /** {@link #handlePump()}: the socket has no bytes now. */
    static final int NOTHING_NOW = 0;
    /** {@link #handlePump()}: the server closed its side between responses. */
    static final int END_OF_INPUT = -1;

    private final WireInput input;
    private final ResponseParser parser;
    private boolean h_ended; // the server's end of stream was given to the parser
    private long h_bytes; // bytes read for the current response
    // What the parser reported.
    private boolean h_event;
    private ResponseHead h_interim;
    private ResponseHead h_head;
    private ByteBuffer h_slice;
    private boolean h_responseEnded;
    private HttpError h_error;

    ResponseReader(Wire wire, HttpLimits limits) {
        this.input = new WireInput(wire);
        this.parser = new ResponseParser(this, limits);
    }

    @Override
    public void onInterim(ResponseHead head) {
        h_interim = head;
        h_event = true;
        parser.pause();
    }

    @Override
    public void onResponse(ResponseHead head) {
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
    public void onResponseEnd() {
        h_responseEnded = true;
        h_event = true;
        parser.pause();
    }

    @Override
    public void onError(HttpError error) {
        h_error = error;
        h_event = true;
    }

    /** The next response is for a request of {@code method}. */
    void handleExpect(String method) {
        h_head = null;
        h_interim = null;
        h_slice = null;
        h_responseEnded = false;
        h_bytes = 0;
        parser.expect(method);
    }

    /**
     * Feeds the parser what is buffered, reading more when nothing is, until it reports an event
     * ({@link #EVENT}) or the socket has no bytes now ({@link #NOTHING_NOW}) or the server closed
     * with nothing of a response under way ({@link #END_OF_INPUT}); a close in the middle of a
     * response is the parser's event (its end, for a body that the close ends, else an error).
     * The last slice is valid until the next pump.
     */
    int handlePump() throws IOException {
        h_slice = null;
        h_interim = null;
        h_event = h_error != null; // failed for good: it reports nothing more
        while (!h_event) {
            if (input.handleHasRemaining()) {
                parser.feed(input.handleBuffer());
            } else if (h_ended) {
                return END_OF_INPUT;
            } else {
                int read = input.handleFill();
                if (read == WireInput.NOTHING_NOW) {
                    return NOTHING_NOW;
                }
                h_bytes += Math.max(read, 0);
                if (read < 0) {
                    h_ended = true;
                    parser.endOfInput();
                    if (!h_event) {
                        return END_OF_INPUT;
                    }
                }
            }
        }
        return EVENT;
    }

    void handleWantRead() {
        input.handleWantRead();
    }

    /** The interim response the last pump gave, or null. */
    ResponseHead handleInterim() {
        return h_interim;
    }

    /** The final response's head, once it is in. */
    ResponseHead handleHead() {
        return h_head;
    }

    ByteBuffer handleSlice() {
        return h_slice;
    }

    boolean handleResponseEnded() {
        return h_responseEnded;
    }

    HttpError handleError() {
        return h_error;
    }

    /** Whether any byte of the current response has been read. */
    boolean handleReadAny() {
        return h_bytes > 0 || input.handleHasRemaining();
    }

    /** Whether the parser is between responses with nothing of a next one read and none buffered. */
    boolean handleIdle() {
        return parser.isIdle() && !input.handleHasRemaining();
    }

    void handleClose() {
        input.handleClose();
        h_slice = null;
    }
}
