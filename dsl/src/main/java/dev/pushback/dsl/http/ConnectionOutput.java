package dev.pushback.dsl.http;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.spi.BufferPool;
import dev.pushback.catalyst.spi.Reactor;

/**
 * A connection's outgoing bytes: responses (of a server's connection) or requests (of a client's)
 * are framed into one buffer and written through the socket's sink (its own, or TLS over it: see
 * {@link Wire}) once per round, so pipelined responses, or a request's head and its first body
 * bytes, share a write — or at once when {@link #COALESCE_BYTES} have gathered. A connection that is still busy at the end of a
 * round (an exchange framing, or ending and starting the next pipelined one) holds its bytes a
 * round more, at most {@link #MAX_HELD_ROUNDS} rounds; one that waits writes at once. What the
 * socket refuses is the sink's one pending element (DESIGN N3): nothing more is written until it
 * has drained, and the connection parses no further head meanwhile (N1).
 *
 * <p>Framed bytes are counted in the catalyst's retained bytes until they are handed to the sink,
 * which counts what it keeps pending.
 */
final class ConnectionOutput {
    /** The connection that frames into the output and hears when it has been written. */
    interface Owner {
        /** Whether an exchange is under way that may frame more this round. */
        boolean handleBusy();

        /** Writes what is framed, then resumes what waited for the socket. */
        void handleFlushAndResume();
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    /** A chunk's size line and CRLFs, and the last chunk (RFC 9112 §7.1). */
    static final int CHUNK_FRAMING = 32;

    /** Framed bytes gathered before a write: beyond this, they are written at once rather than at the end of the round. */
    static final int COALESCE_BYTES = 32 * 1024;
    /** Rounds a busy exchange may hold framed bytes back, gathering the next responses to them. */
    private static final int MAX_HELD_ROUNDS = 16;

    private final Reactor reactor;
    private final AbstractByteSink socket;
    private final Owner connection;
    private final Runnable h_flushAtRoundEnd = this::handleRoundEnd;
    private final BufferPool buffers;
    private ByteBuffer h_out = NONE; // write mode; NONE while nothing is framed, else lent by buffers (or larger, its own)
    private long h_accounted; // framed bytes counted in the catalyst's retained bytes
    private boolean h_blocked; // the socket refused bytes: they are pending in the sink until OP_WRITE drains them
    private boolean h_flushQueued;
    private long h_activeRound; // the last round in which the connection framed or started an exchange
    private int h_heldRounds;

    ConnectionOutput(Reactor reactor, AbstractByteSink socket, Owner connection) {
        this.reactor = reactor;
        this.socket = socket;
        this.connection = connection;
        this.buffers = OUTPUT_BUFFERS.computeIfAbsent(reactor.catalyst(), catalyst -> {
            BufferPool pool = BufferPool.create(reactor.pool().chunkSize() + 8192); // a chunk, its framing and a head
            catalyst.terminated().thenRun(() -> OUTPUT_BUFFERS.remove(catalyst));
            return pool;
        });
    }

    /**
     * Output buffers per catalyst, lent while bytes are framed and given back once they are
     * written: a connection holds one only between framing and the write, so ten thousand idle
     * keep-alive connections hold none, and a server that opens and closes connections at a high
     * rate reuses the same few instead of leaving a direct buffer per connection to the GC.
     */
    private static final java.util.Map<dev.pushback.catalyst.Catalyst, BufferPool> OUTPUT_BUFFERS =
        new java.util.concurrent.ConcurrentHashMap<>();
    private static final ByteBuffer NONE = ByteBuffer.allocateDirect(0);

    /** Output buffers lent now on {@code catalyst}'s connections: for tests. Catalyst thread only. */
    static int handleLentBuffers(dev.pushback.catalyst.Catalyst catalyst) {
        BufferPool pool = OUTPUT_BUFFERS.get(catalyst);
        return pool == null ? 0 : pool.handleLent();
    }

    /** The output buffer, in write mode, with room for {@code bytes} more. */
    ByteBuffer handleRoom(int bytes) {
        if (h_out == NONE) {
            h_out = bytes <= buffers.chunkSize() ? buffers.handleAcquire() : ByteBuffer.allocateDirect(bytes + 4096);
        } else if (h_out.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocateDirect(h_out.position() + bytes + 4096);
            h_out.flip();
            larger.put(h_out);
            handleGiveBack();
            h_out = larger;
        }
        return h_out;
    }

    /** The output buffer goes back to the pool (a larger one of its own, to the GC). */
    private void handleGiveBack() {
        if (h_out.capacity() == buffers.chunkSize()) {
            buffers.handleRelease(h_out);
        }
        h_out = NONE;
    }

    /** Frames {@code chunk} as one chunk of a chunked body (RFC 9112 §7.1): its size in hex, CRLF, the data, CRLF. */
    void handleFrameChunk(ByteBuffer chunk) {
        int length = chunk.remaining();
        ByteBuffer out = handleRoom(length + CHUNK_FRAMING);
        int digits = Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 3) / 4);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.put(HEX[(length >>> shift) & 0xf]);
        }
        out.put(CRLF).put(chunk).put(CRLF);
    }

    /** Frames the last chunk of a chunked body, with no trailer fields. */
    void handleFrameLastChunk() {
        handleRoom(LAST_CHUNK.length).put(LAST_CHUNK);
    }

    /** An exchange started this round: the round's framed bytes may wait for its response. */
    void handleActive() {
        h_activeRound = reactor.handleRounds();
    }

    /**
     * Bytes were framed: they are written at the end of the round, with whatever else the round
     * frames, or now once enough have gathered.
     *
     * @return false when the socket refused bytes: nothing more should be framed until it takes them
     */
    boolean handleFramed() throws IOException {
        h_activeRound = reactor.handleRounds();
        handleAccount(h_out.position());
        if (h_out.position() >= COALESCE_BYTES) {
            return handleFlush();
        }
        if (!h_flushQueued && h_out.position() > 0) {
            h_flushQueued = true;
            reactor.handleAtRoundEnd(h_flushAtRoundEnd);
        }
        return !h_blocked;
    }

    /** Bytes were framed that need not go out before the end of the round (an error response). */
    void handleFramedLater() {
        handleAccount(h_out.position());
        if (!h_flushQueued) {
            h_flushQueued = true;
            reactor.handleAtRoundEnd(h_flushAtRoundEnd);
        }
    }

    /** Whether nothing is framed or waiting to be written. */
    boolean handleIdle() {
        return h_out.position() == 0 && socket.handlePendingBytes() == 0;
    }

    /** Whether the socket holds bytes it refused. */
    boolean handleBlocked() {
        return h_blocked;
    }

    /**
     * Writes what is framed, unless the socket still holds refused bytes.
     *
     * @return true when everything framed is out; false when the socket refused some (then the sink
     *     waits for OP_WRITE, and the connection hears it)
     */
    boolean handleFlush() throws IOException {
        if (socket.handleIsClosed()) {
            Exception why = socket.handleClosedFailure(); // a failed TLS handshake, say: not merely "closed"
            throw why instanceof IOException io ? io : new IOException("the connection is closed", why);
        }
        if (socket.handlePendingBytes() == 0 && h_out.position() > 0) {
            h_out.flip();
            handleAccount(0); // first: what the sink keeps pending it counts itself
            socket.handleAcceptGathered(h_out); // gathered here already: written now (N16); the rest it copies
            handleGiveBack();
        } else if (h_out != NONE && h_out.position() == 0) {
            handleGiveBack(); // room was asked for and nothing framed in it
        }
        h_blocked = socket.handlePendingBytes() > 0;
        return !h_blocked;
    }

    /**
     * At the end of a round: writes what the round framed, unless an exchange is still moving —
     * when a round more gathers more responses into the same write.
     */
    private void handleRoundEnd() {
        h_flushQueued = false;
        boolean moving = connection.handleBusy() && h_activeRound == reactor.handleRounds() && h_heldRounds < MAX_HELD_ROUNDS;
        if (moving && h_out.position() > 0) {
            h_heldRounds++;
            h_flushQueued = true;
            reactor.handleAtRoundEnd(h_flushAtRoundEnd); // the next round's end
            return;
        }
        h_heldRounds = 0;
        connection.handleFlushAndResume();
    }

    private void handleAccount(long framed) {
        reactor.handleRetain(framed - h_accounted);
        h_accounted = framed;
    }

    /** The connection closed: framed bytes are dropped (the sink gives back what it held). */
    void handleClose() {
        handleAccount(0);
        if (h_out != NONE) {
            handleGiveBack();
        }
    }
}
