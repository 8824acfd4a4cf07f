package dev.pushback.dsl.http;

import java.nio.ByteBuffer;

/**
 * Receives what a {@link RequestParser} finds, in stream order, on the thread that feeds it.
 * For each request: one {@link #onRequest}, then zero or more {@link #onBody}, then one
 * {@link #onRequestEnd}. At most one {@link #onError} ever, after which nothing else comes.
 */
interface RequestListener {

    /** The head (request line and header fields) is complete and valid. */
    void onRequest(RequestHead head);

    /**
     * Body bytes, already de-chunked: the bytes between the view's position and limit (the
     * position need not be 0). The view is read-only, shares the fed buffer's content and is
     * reused by the parser: it is valid only during the call, so copy what must outlive it.
     */
    void onBody(ByteBuffer slice);

    /** The body (possibly empty) is complete, and for chunked bodies the trailers were read. */
    void onRequestEnd();

    /** The input is invalid or unsupported; the parser has stopped for good. */
    void onError(HttpError error);
}
