package dev.pushback.compiler.internal;

import java.util.List;

import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/** One source through a fused stage tree into its sinks: one element per move (DESIGN N1). */
final class SourceBody extends FusedBody {
    private final AbstractSource<Object> head;

    @SuppressWarnings("unchecked")
    SourceBody(AbstractSource<?> head, Stage downstream, AbstractSink<?>[] sinks, List<Endpoint> mask) {
        super(new AbstractSource<?>[] {head}, downstream, sinks, mask);
        this.head = (AbstractSource<Object>) head;
    }

    /** The loop of {@link Fiber.Body#handleMoves}, in this class so that each copy profiles its own moves. */
    @Override
    public int handleMoves(Fiber fiber, int budget) throws Exception {
        int moves = 0;
        while (moves < budget && fiber.handleIsLive() && fiber.handleIsReady()) {
            moves++;
            handleMove(fiber);
        }
        return moves;
    }

    @Override
    public void handleMove(Fiber fiber) throws Exception {
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
            return;
        }
        downstream.accept(element);
        head.handleConsumed();
    }
}
