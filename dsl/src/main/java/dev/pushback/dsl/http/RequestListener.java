package dev.pushback.dsl.http;

import java.nio.ByteBuffer;

/**
 * Receives what a {@link RequestParser} finds, in stream order, on the thread that feeds it.
 * For each request: one {@link #onRequest}, then zero or more {@link #onBody}, then one
 * {@link #onRequestEnd}. At most one {@link #onError} ever, after which nothing else comes.
 */
public interface RequestListener {

    /** The head (request line and header fields) is complete and valid. */
    void onRequest(RequestHead head);

    /**
     * Body bytes, already de-chunked. The buffer is a read-only view of the fed buffer, valid only
     * during the call: copy what must outlive it.
     */
    void onBody(ByteBuffer slice);

    /** The body (possibly empty) is complete, and for chunked bodies the trailers were read. */
    void onRequestEnd();

    /** The input is invalid or unsupported; the parser has stopped for good. */
    void onError(HttpError error);
}
