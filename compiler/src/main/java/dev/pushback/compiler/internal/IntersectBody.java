package dev.pushback.compiler.internal;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

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
    IntersectBody(AbstractSource<?>[] heads, Stage[] inputChains, Object combiner, Stage downstream, AbstractSink<?>[] sinks, List<Endpoint> mask) {
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
            AbstractSource<Object> head = (AbstractSource<Object>) heads[i];
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
        Object combined;
        try {
            combined = combiner.apply(h_slots); // the combiner reads the slots before they are cleared
        } catch (Throwable t) {
            site.handleNote("intersect");
            throw FailureSite.rethrow(t);
        }
        downstream.accept(combined);
        Arrays.fill(h_slots, null);
        Arrays.fill(h_filled, false);
        for (AbstractSource<?> head : heads) {
            head.handleConsumed();
        }
    }
}
