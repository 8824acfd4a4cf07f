package dev.pushback.catalyst.internal;

import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.Endpoint;

/**
 * A straight-line body guarded by an availability mask (DESIGN C1–C3). The catalyst runs the body
 * one move at a time, and only while every bit of the mask is set; a ready fiber gets a bounded
 * budget of moves per round (DESIGN N15).
 *
 * <p>The compiler builds fibers; a fiber's body clears bits through its endpoints as it learns
 * they are unavailable, so the catalyst needs no other signal to stop running it.
 */
public final class Fiber {
    /** What a fiber does. Runs on the catalyst thread. */
    public interface Body {
        /** One move: at most one element from the source to the sinks. */
        void handleMove(Fiber fiber) throws Exception;

        /**
         * Moves while the fiber is live and ready, at most {@code budget} times; returns the moves
         * made. A body whose class is specialised per pipeline should override this with the same
         * loop, so that the call of {@link #handleMove} is made from its own class and the one
         * call through this interface is paid per round, not per element (DESIGN C4).
         */
        default int handleMoves(Fiber fiber, int budget) throws Exception {
            int moves = 0;
            while (moves < budget && fiber.handleIsLive() && fiber.handleIsReady()) {
                moves++;
                handleMove(fiber);
            }
            return moves;
        }

        /** The fiber failed (its body threw, or the catalyst closed): fail sinks, close sources. */
        void handleFailed(Fiber fiber, Throwable cause);

        /**
         * A sink this fiber feeds was cancelled by its consumer ({@link AbstractSink#handleCancel}). A
         * body that knows its sources ends the fiber quietly; one that does not, fails it, so
         * that its sources are closed and nothing waits forever.
         */
        /** The stage whose code threw, for the failure report ({@code map #2}); null when unknown. */
        default String handleFailedIn() {
            return null;
        }

        default void handleSinkCancelled(Fiber fiber, AbstractSink<?> sink) {
            fiber.handleFail(new java.util.concurrent.CancellationException(sink.name() + " was cancelled"));
        }
    }

    private static final int[] NO_WORDS = new int[0];
    private static final long[] NO_MASKS = new long[0];

    private final Core core;
    private final AvailabilityBits bits;
    private final String name;
    final Body body;
    private final Endpoint[] waitsOn;
    private final Endpoint[] uses;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private int[] h_words = NO_WORDS;
    private long[] h_masks = NO_MASKS;
    boolean h_queued;
    boolean h_live;
    int h_index = -1;
    private long h_moves;

    /**
     * @param waitsOn every endpoint whose bit may ever be in this fiber's mask
     */
    public Fiber(Catalyst catalyst, String name, Body body, Endpoint... waitsOn) {
        this(catalyst, name, body, waitsOn, waitsOn);
    }

    /**
     * @param waitsOn every endpoint whose bit may ever be in this fiber's mask
     * @param uses every endpoint the fiber touches, including those it never waits on (the sink of
     *     a dropping branch); all are bound when the fiber starts
     */
    public Fiber(Catalyst catalyst, String name, Body body, Endpoint[] waitsOn, Endpoint[] uses) {
        this.core = Core.of(catalyst);
        this.bits = core.h_bits();
        this.name = name;
        this.body = body;
        this.waitsOn = waitsOn.clone();
        this.uses = distinct(waitsOn, uses);
    }

    /** The endpoints of both arrays, each once, in order: a handful, so a scan beats a set. */
    private static Endpoint[] distinct(Endpoint[] first, Endpoint[] second) {
        Endpoint[] all = new Endpoint[first.length + second.length];
        int count = 0;
        for (int i = 0; i < all.length; i++) {
            Endpoint endpoint = i < first.length ? first[i] : second[i - first.length];
            boolean seen = false;
            for (int j = 0; j < count && !seen; j++) {
                seen = all[j] == endpoint;
            }
            if (!seen) {
                all[count++] = endpoint;
            }
        }
        return count == all.length ? all : java.util.Arrays.copyOf(all, count);
    }

    public String name() {
        return name;
    }

    /** Endpoints whose bits may be in the mask. */
    public Endpoint[] waitsOn() {
        return waitsOn.clone();
    }

    /** Every endpoint the fiber touches. */
    public Endpoint[] uses() {
        return uses.clone();
    }

    /** Completes when the fiber has ended, exceptionally when it failed. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Moves made so far. */
    public long handleMoves() {
        return h_moves;
    }

    public boolean handleIsLive() {
        return h_live;
    }

    /**
     * Sets the mask: the fiber runs only while all these endpoints' bits are set. The endpoints
     * must be among {@link #waitsOn()} and bound. Bits are grouped by 64-bit word, so the check is
     * one AND-compare per word.
     */
    public void handleSetMask(Endpoint... endpoints) {
        int[] words = new int[endpoints.length];
        long[] masks = new long[endpoints.length];
        int count = 0;
        for (Endpoint endpoint : endpoints) {
            int bit = Access.endpoints().bit(endpoint);
            assert bit >= 0 : endpoint + " is not bound";
            int word = bit >>> 6;
            int i = 0;
            while (i < count && words[i] != word) {
                i++;
            }
            if (i == count) {
                words[count++] = word;
            }
            masks[i] |= 1L << bit;
        }
        h_words = java.util.Arrays.copyOf(words, count);
        h_masks = java.util.Arrays.copyOf(masks, count);
        if (h_live) {
            core.handleWake(this);
        }
    }

    /** Number of 64-bit words the mask spans. */
    public int handleMaskWords() {
        return h_words.length;
    }

    /** The word-wise AND-compare of DESIGN C3. */
    public boolean handleIsReady() {
        long[] words0 = bits.words;
        int[] words = h_words;
        long[] masks = h_masks;
        for (int i = 0; i < words.length; i++) {
            long mask = masks[i];
            if ((words0[words[i]] & mask) != mask) {
                return false;
            }
        }
        return true;
    }

    /** Runs up to {@code budget} moves while ready; returns the number made. */
    int handleRun(int budget) {
        try {
            int moves = body.handleMoves(this, budget);
            h_moves += moves;
            return moves;
        } catch (Throwable t) {
            handleFail(t);
            return 1;
        }
    }

    /** The fiber has moved its last element. */
    public void handleEnd() {
        if (core.handleRetire(this)) {
            done.complete(null);
        }
    }

    /** A sink this fiber feeds was cancelled by its consumer. */
    public void handleSinkCancelled(AbstractSink<?> sink) {
        if (h_live) {
            body.handleSinkCancelled(this, sink);
        }
    }

    /** Fails the fiber: its body fails its sinks and closes its sources; others keep running. */
    public void handleFail(Throwable cause) {
        if (!core.handleRetire(this)) {
            return;
        }
        // Reported first: failing its sinks may fail other fibers of the same cause, and the
        // report names the fiber where it arose.
        core.handleReportFiber(this, body.handleFailedIn(), cause);
        try {
            body.handleFailed(this, cause);
        } catch (Throwable t) {
            cause.addSuppressed(t);
        }
        done.completeExceptionally(cause);
    }

    @Override
    public String toString() {
        return name;
    }
}
