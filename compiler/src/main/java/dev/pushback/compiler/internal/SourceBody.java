package dev.pushback.compiler.internal;

import java.nio.ByteBuffer;

import java.util.List;

import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/** One source through a fused stage tree into its sinks: one element per move (DESIGN N1). */
final class SourceBody extends FusedBody {
    /** How many times the move budget a fiber of small byte elements may make in one round. */
    static final int SMALL_MOVES = 256;

    private final AbstractSource<Object> head;
    private final long chunkBytes;
    private final boolean bytes;

    @SuppressWarnings("unchecked")
    SourceBody(AbstractSource<?> head, Stage downstream, AbstractSink<?>[] sinks, List<Endpoint> mask) {
        super(new AbstractSource<?>[] {head}, downstream, sinks, mask);
        this.head = (AbstractSource<Object>) head;
        this.chunkBytes = head.catalyst().config().chunkSize();
        this.bytes = head instanceof dev.pushback.catalyst.spi.AbstractByteSource;
    }

    /**
     * The loop of {@link Fiber.Body#handleMoves}, in this class so that each copy profiles its own
     * moves. For a byte source the budget counts bytes too (DESIGN N15, N16): past {@code budget}
     * moves a fiber of small byte elements goes on until it has moved about a chunk, so a round of
     * short lines is one gathered write, not sixteen lines; {@code budget} times
     * {@link #SMALL_MOVES} is the most. Any other source keeps the plain loop, whose size the
     * fused chain's inlining depends on (DESIGN C4).
     */
    @Override
    public int handleMoves(Fiber fiber, int budget) throws Exception {
        int moves = 0;
        if (!bytes) {
            while (moves < budget && fiber.handleIsLive() && fiber.handleIsReady()) {
                moves++;
                handleMove(fiber);
            }
            return moves;
        }
        long moved = 0;
        int most = budget * SMALL_MOVES;
        while ((moves < budget || moved < chunkBytes) && moves < most && fiber.handleIsLive() && fiber.handleIsReady()) {
            moves++;
            moved += handleMoveCounted(fiber);
        }
        return moves;
    }

    @Override
    public void handleMove(Fiber fiber) throws Exception {
        Object element = handlePollHead(fiber);
        if (element != null) {
            downstream.accept(element);
            head.handleConsumed();
        }
    }

    /** One move of a byte source; returns the bytes it moved, a chunk's worth when it moved none. */
    private long handleMoveCounted(Fiber fiber) throws Exception {
        Object element = handlePollHead(fiber);
        if (element == null) {
            return chunkBytes;
        }
        long length = ((ByteBuffer) element).remaining();
        downstream.accept(element);
        head.handleConsumed();
        return length;
    }

    /** The next element, or null: nothing now, or the input ended (then the fiber has ended). */
    private Object handlePollHead(Fiber fiber) throws Exception {
        Object element;
        try {
            element = head.handlePoll();
        } catch (Throwable t) {
            site.handleNote("source " + head.name());
            throw FailureSite.rethrow(t);
        }
        if (element == null) {
            if (head.handleIsEnded()) {
                handleInputEnded(fiber);
            } else if (head.handleIsClosed()) {
                throw new java.io.IOException(head.name() + " closed");
            }
        }
        return element;
    }
}
