package dev.pushback.compiler;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import dev.pushback.catalyst.Endpoint;
import dev.pushback.catalyst.Fiber;
import dev.pushback.catalyst.Sink;
import dev.pushback.catalyst.Source;

/**
 * Intersect (DESIGN N7): one element from each input, combined, moved when every input is
 * readable and every sink writable. An input that had an element while another turned out to be
 * empty keeps it in its slot — at most one element per input — until the others have one. The
 * output ends when any input ends.
 */
final class IntersectBody extends FusedBody {
    private final Stage[] inputChains;
    private final Object[] h_slots;
    private final boolean[] h_filled;
    private final Function<Object[], Object> combiner;

    @SuppressWarnings("unchecked")
    IntersectBody(Source<?>[] heads, Stage[] inputChains, Object combiner, Stage downstream, Sink<?>[] sinks, List<Endpoint> mask) {
        super(heads, downstream, sinks, mask);
        this.inputChains = inputChains;
        this.combiner = (Function<Object[], Object>) combiner;
        this.h_slots = new Object[heads.length];
        this.h_filled = new boolean[heads.length];
    }

    /** The last stage of input chain {@code index}: puts the element in its slot. */
    final class Slot extends Stage {
        private final int index;

        Slot(int index) {
            this.index = index;
        }

        @Override
        void accept(Object element) {
            h_slots[index] = element;
            h_filled[index] = true;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void handleMove(Fiber fiber) throws Exception {
        for (int i = 0; i < heads.length; i++) {
            if (h_filled[i]) {
                continue;
            }
            Source<Object> head = (Source<Object>) heads[i];
            Object element = head.handlePoll();
            if (element == null) {
                if (head.handleIsEnded() || head.handleIsClosed()) {
                    handleInputEnded(fiber);
                }
                return;
            }
            inputChains[i].accept(element);
            if (!h_filled[i]) {
                head.handleConsumed(); // filtered out: poll this input again next move
                return;
            }
        }
        Object combined = combiner.apply(h_slots); // the combiner reads the slots before they are cleared
        downstream.accept(combined);
        Arrays.fill(h_slots, null);
        Arrays.fill(h_filled, false);
        for (Source<?> head : heads) {
            head.handleConsumed();
        }
    }
}
