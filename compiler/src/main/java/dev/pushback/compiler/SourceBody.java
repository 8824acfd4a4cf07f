package dev.pushback.compiler;

import java.util.List;

import dev.pushback.catalyst.Endpoint;
import dev.pushback.catalyst.Fiber;
import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.Source;

/** One source through a fused stage tree into its sinks: one element per move (DESIGN N1). */
final class SourceBody extends FusedBody {
    private final Source<Object> head;

    @SuppressWarnings("unchecked")
    SourceBody(Source<?> head, Stage downstream, Sink<?>[] sinks, List<Endpoint> mask) {
        super(new Source<?>[] {head}, downstream, sinks, mask);
        this.head = (Source<Object>) head;
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
        Object element = head.handlePoll();
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
