package dev.pushback.dsl.http;

import java.nio.ByteBuffer;

/**
 * Receives what a {@link ResponseParser} finds, in stream order, on the thread that feeds it.
 * For each response: zero or more {@link #onInterim}, then one {@link #onResponse}, zero or more
 * {@link #onBody}, and one {@link #onResponseEnd}. At most one {@link #onError} ever, after which
 * nothing else comes.
 */
interface ResponseListener {

    /**
     * A complete and valid interim response: a 1xx other than 101 (100 Continue, 103 Early
     * Hints, ...). The final response to the same request follows.
     */
    void onInterim(ResponseHead head);

    /** The final response's head (status line and header fields) is complete and valid. */
    void onResponse(ResponseHead head);

    /**
     * Body bytes, already de-chunked: the bytes between the view's position and limit (the
     * position need not be 0). The view is read-only, shares the fed buffer's content and is
     * reused by the parser: it is valid only during the call, so copy what must outlive it.
     */
    void onBody(ByteBuffer slice);

    /** The body (possibly empty) is complete; for chunked bodies the trailers were read and dropped. */
    void onResponseEnd();

    /** The input is malformed or unsupported; the parser has stopped for good. */
    void onError(HttpError error);
}
