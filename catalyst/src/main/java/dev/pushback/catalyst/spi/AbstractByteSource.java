package dev.pushback.catalyst.spi;

import dev.pushback.catalyst.Catalyst;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A source of bytes, given either as chunks (what one read returned) or as lines (each element
 * one line, its {@code '\n'} included; a last line without one is given at the end).
 *
 * <p>Lines are views into the current chunk — nothing is copied — except a line that crosses a
 * chunk boundary, which is gathered in a carry buffer of at most {@code maxLineLength} bytes. An
 * element is valid until {@link #handleConsumed()}; its position and limit are the line or chunk.
 *
 * <p>Every element is a read-only view: a broadcast hands the same chunk to every branch (DESIGN
 * N4), so a stage that wrote into it would change what the others see. A stage that needs to
 * change bytes copies them first.
 */
public abstract class AbstractByteSource extends AbstractSource<ByteBuffer> {
    /** How a byte source cuts its input into elements. */
    public enum Framing { CHUNKS, LINES }

    /** The longest line a line-framed source accepts by default. */
    public static final int DEFAULT_MAX_LINE = 1 << 20;

    private Framing h_framing = Framing.CHUNKS;
    private int h_maxLine = DEFAULT_MAX_LINE;

    // Line framing state: the chunk being split, the cursor in it, and the carry of a cut line.
    private ByteBuffer h_chunk;
    private int h_chunkLimit;
    private int h_cursor;
    private ByteBuffer h_carry;
    private boolean h_carryGiven;
    private ByteBuffer h_readBuffer;
    // The read-only view given for the buffer last polled, reused while the source gives from it.
    private ByteBuffer h_view;
    private ByteBuffer h_viewOf;

    protected AbstractByteSource(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    /** Gives lines instead of chunks; must be called before the source runs. */
    public final AbstractByteSource framing(Framing framing, int maxLineLength) {
        if (maxLineLength < 1) {
            throw new IllegalArgumentException("maxLineLength must be positive: " + maxLineLength);
        }
        h_framing = framing;
        h_maxLine = maxLineLength;
        return this;
    }

    public final Framing framing() {
        return h_framing;
    }

    /** A chunk, or in lines, a line gathered in the carry. */
    @Override
    public long maxElementBytes() {
        return h_framing == Framing.LINES ? Math.max(super.maxElementBytes(), h_maxLine) : super.maxElementBytes();
    }

    /** A line-framed source carries at most one cut line. */
    @Override
    public long retainedBound() {
        return h_framing == Framing.LINES ? h_maxLine : 0;
    }

    @Override
    public long ownedBufferBytes() {
        return reactor.pool().chunkSize();
    }

    /**
     * A cleared read buffer of one chunk, lent by the catalyst's pool on first use and given back
     * when the source closes: the one chunk this source's fiber moves.
     */
    protected final ByteBuffer handleReadBuffer() {
        if (h_readBuffer == null) {
            h_readBuffer = reactor.pool().handleAcquire();
        }
        return h_readBuffer.clear();
    }

    /**
     * The next chunk (position..limit is the data), or {@code null} when none is available now
     * (then the bit has been cleared) or the input ended ({@link #handleEnd()} was called).
     */
    protected abstract ByteBuffer handleNextChunk() throws IOException;

    /** The chunk given by {@link #handleNextChunk()} is no longer used. */
    protected void handleChunkConsumed() {}

    @Override
    public final ByteBuffer handlePoll() throws IOException {
        ByteBuffer element = h_framing == Framing.CHUNKS ? handleNextChunk() : handleNextLine();
        return element == null ? null : handleReadOnly(element);
    }

    /** {@code element} as a read-only view with its position and limit; one view per underlying buffer. */
    private ByteBuffer handleReadOnly(ByteBuffer element) {
        if (element.isReadOnly()) {
            return element;
        }
        if (h_viewOf != element) {
            h_view = element.asReadOnlyBuffer();
            h_viewOf = element;
        }
        return h_view.clear().limit(element.limit()).position(element.position());
    }

    @Override
    public final void handleConsumed() {
        if (h_framing == Framing.CHUNKS) {
            handleChunkConsumed();
        }
        // Lines: the chunk is given back once split to its end, the carry is emptied on the next poll.
    }

    private ByteBuffer handleNextLine() throws IOException {
        if (h_carryGiven) {
            h_carry.clear();
            h_carryGiven = false;
        }
        while (true) {
            if (h_chunk != null) {
                h_chunk.limit(h_chunkLimit); // the last line given narrowed it
                int newline = indexOfNewline(h_chunk, h_cursor, h_chunkLimit);
                if (newline >= 0) {
                    return handleGiveLine(newline + 1);
                }
                handleCarry(h_cursor, h_chunkLimit);
                h_chunk.limit(h_chunkLimit);
                h_chunk = null;
                handleChunkConsumed();
            }
            ByteBuffer next = handleNextChunk();
            if (next == null) {
                if (handleIsEnded() && h_carry != null && h_carry.position() > 0) {
                    return handleGiveCarry();
                }
                return null;
            }
            h_chunk = next;
            h_cursor = next.position();
            h_chunkLimit = next.limit();
        }
    }

    private ByteBuffer handleGiveLine(int end) throws IOException {
        if (h_carry != null && h_carry.position() > 0) {
            handleCarry(h_cursor, end);
            h_cursor = end;
            return handleGiveCarry();
        }
        h_chunk.limit(end).position(h_cursor);
        h_cursor = end;
        return h_chunk;
    }

    /** Gives the carried line; the carry is emptied when the next poll starts. */
    private ByteBuffer handleGiveCarry() {
        h_carry.flip();
        reactor.handleRetain(-h_carry.remaining());
        h_carryGiven = true;
        return h_carry;
    }

    private void handleCarry(int from, int to) throws IOException {
        int length = to - from;
        if (length == 0) {
            return;
        }
        if (h_carry == null) {
            h_carry = ByteBuffer.allocate(Math.min(h_maxLine, Math.max(256, length)));
        }
        if (h_carry.position() + length > h_maxLine) {
            throw new IOException(name() + ": line longer than " + h_maxLine + " bytes");
        }
        if (h_carry.remaining() < length) {
            ByteBuffer larger = ByteBuffer.allocate(Math.min(h_maxLine, Math.max(h_carry.capacity() * 2, h_carry.position() + length)));
            h_carry.flip();
            larger.put(h_carry);
            h_carry = larger;
        }
        int limit = h_chunk.limit();
        h_chunk.limit(to).position(from);
        h_carry.put(h_chunk);
        h_chunk.limit(limit);
        reactor.handleRetain(length);
    }

    /**
     * The first {@code '\n'} in {@code from..to}, or -1: eight bytes a step (a word compared with
     * eight newlines at once), then the tail a byte a step. Lines are the common element, and
     * finding their ends is most of what framing them costs.
     */
    static int indexOfNewline(ByteBuffer buffer, int from, int to) {
        int i = from;
        boolean big = buffer.order() == java.nio.ByteOrder.BIG_ENDIAN;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long word = buffer.getLong(i);
            if (big) {
                word = Long.reverseBytes(word); // the first byte in memory at the bottom
            }
            long x = word ^ 0x0A0A0A0A0A0A0A0AL;
            long found = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3); // the lowest flag is exact
            }
        }
        for (; i < to; i++) {
            if (buffer.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    protected void handleRelease() throws Exception {
        if (h_carry != null && !h_carryGiven && h_carry.position() > 0) {
            reactor.handleRetain(-h_carry.position());
        }
        h_carry = null;
        h_view = null;
        h_viewOf = null;
        if (h_chunk != null) {
            h_chunk = null;
            handleChunkConsumed();
        }
        if (h_readBuffer != null) {
            reactor.pool().handleRelease(h_readBuffer);
            h_readBuffer = null;
        }
    }
}
