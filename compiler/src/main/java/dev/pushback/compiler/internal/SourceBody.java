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

    @SuppressWarnings("unchecked")
    SourceBody(AbstractSource<?> head, Stage downstream, AbstractSink<?>[] sinks, List<Endpoint> mask) {
        super(new AbstractSource<?>[] {head}, downstream, sinks, mask);
        this.head = (AbstractSource<Object>) head;
        this.chunkBytes = head.catalyst().config().chunkSize();
    }

    /**
     * The loop of {@link Fiber.Body#handleMoves}, in this class so that each copy profiles its own
     * moves. The budget counts bytes too (DESIGN N15, N16): past {@code budget} moves a fiber of
     * small byte elements goes on until it has moved about a chunk, so a round of short lines is
     * one gathered write, not sixteen lines; {@code budget} times {@link #SMALL_MOVES} is the most.
     */
    @Override
    public int handleMoves(Fiber fiber, int budget) throws Exception {
        int moves = 0;
        long bytes = 0;
        int most = budget * SMALL_MOVES;
        while ((moves < budget || bytes < chunkBytes) && moves < most && fiber.handleIsLive() && fiber.handleIsReady()) {
            moves++;
            bytes += handleMoveCounted(fiber);
        }
        return moves;
    }

    @Override
    public void handleMove(Fiber fiber) throws Exception {
        handleMoveCounted(fiber);
    }

    /** One move; returns the bytes it moved, or a chunk's worth for an element that is not bytes. */
    private long handleMoveCounted(Fiber fiber) throws Exception {
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
            return chunkBytes;
        }
        long bytes = element instanceof ByteBuffer chunk ? chunk.remaining() : chunkBytes;
        downstream.accept(element);
        head.handleConsumed();
        return bytes;
    }
}
