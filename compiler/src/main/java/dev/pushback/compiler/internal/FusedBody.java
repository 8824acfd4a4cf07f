package dev.pushback.compiler.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * What every compiled fiber body shares: its sources, the stage tree, the sinks it reaches and
 * its mask. End and failure travel from here (DESIGN N11): at the end, stateful stages flush and
 * every sink reached hears once that this fiber is done; on failure the sinks fail and the sources
 * that fed only this fiber close.
 */
abstract class FusedBody implements Fiber.Body {
    final AbstractSource<?>[] heads;
    final Stage downstream;
    final AbstractSink<?>[] sinks;
    private final List<Endpoint> h_mask;
    Fiber h_fiber;
    /** Where the fiber failed, for its report; shared with its stages. */
    FailureSite site = new FailureSite();

    FusedBody(AbstractSource<?>[] heads, Stage downstream, AbstractSink<?>[] sinks, List<Endpoint> mask) {
        this.heads = heads;
        this.downstream = downstream;
        this.sinks = sinks;
        this.h_mask = new ArrayList<>(mask);
    }

    Endpoint[] mask() {
        return h_mask.toArray(new Endpoint[0]);
    }

    /** Every endpoint whose bit may be in the mask. */
    Endpoint[] waitsOn() {
        return mask();
    }

    /** Every endpoint the body touches: its sources and every sink it reaches, dropping ones too. */
    Endpoint[] uses() {
        Endpoint[] all = java.util.Arrays.copyOf(heads, heads.length + sinks.length, Endpoint[].class);
        System.arraycopy(sinks, 0, all, heads.length, sinks.length);
        return all;
    }

    void handleStarted(Fiber fiber) {
        h_fiber = fiber;
        for (AbstractSink<?> sink : sinks) {
            sink.handleAddUpstream();
        }
        fiber.handleSetMask(mask());
    }

    /** The input ended: flush, tell the sinks, close the sources. */
    final void handleInputEnded(Fiber fiber) throws Exception {
        downstream.end();
        handleEnded(fiber);
    }

    private void handleEnded(Fiber fiber) {
        fiber.handleEnd();
        for (AbstractSource<?> head : heads) {
            head.handleClose(null);
        }
        for (AbstractSink<?> sink : sinks) {
            sink.handleUpstreamEnded();
        }
    }

    @Override
    public void handleFailed(Fiber fiber, Throwable cause) {
        for (AbstractSink<?> sink : sinks) {
            sink.handleClose(cause);
        }
        for (AbstractSource<?> head : heads) {
            head.handleClose(null);
        }
    }

    @Override
    public String handleFailedIn() {
        return site.handleStage();
    }

    /**
     * A sink's consumer cancelled: the fiber ends as if its input had ended, without flushing
     * stateful stages — the stream was cut, not finished, and a flush could reach the cancelled
     * sink. Not a failure (DESIGN N11): nothing is reported.
     */
    @Override
    public void handleSinkCancelled(Fiber fiber, AbstractSink<?> cancelled) {
        handleEnded(fiber);
    }

    /** A detaching branch gave up on its sinks: they leave the mask, the others go on. */
    void handleDetached(DetachStage stage) {
        h_mask.removeAll(Arrays.asList(stage.sinks()));
        if (h_fiber != null && h_fiber.handleIsLive()) {
            h_fiber.handleSetMask(mask());
        }
    }
}
