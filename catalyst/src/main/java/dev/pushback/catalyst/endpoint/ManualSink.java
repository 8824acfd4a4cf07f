package dev.pushback.catalyst.endpoint;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;

/**
 * A sink whose writability the caller switches on and off, recording what it receives: for tests
 * of the negotiation rules. {@link #handleAcceptThenBlock(int)} makes it take a number of elements
 * and then turn unwritable, as a socket does when its buffer fills. Elements offered while it is
 * unwritable (more of one expansion) are its pending element, delivered when it turns writable.
 */
public final class ManualSink<T> extends AbstractSink<T> {
    private final List<T> h_received = new ArrayList<>();
    private final ArrayDeque<T> h_pending = new ArrayDeque<>();
    private boolean h_writable = true;
    private int h_allowance = -1;
    private long h_offeredWhileBlocked;

    public ManualSink(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    @Override
    protected boolean handleInitiallyAvailable() {
        return h_writable;
    }

    /** Sets or clears the writable bit; turning writable first delivers what is pending. */
    public void handleSetWritable(boolean writable) {
        h_writable = writable;
        if (writable) {
            h_allowance = -1;
            h_received.addAll(h_pending);
            h_pending.clear();
            handleSetAvailable();
            handleFinishIfDrained();
        } else {
            handleClearAvailable();
        }
    }

    /** Takes {@code count} more elements, then turns unwritable. */
    public void handleAcceptThenBlock(int count) {
        if (count <= 0) {
            handleSetWritable(false);
            return;
        }
        h_allowance = count;
        h_writable = true;
        h_received.addAll(h_pending);
        h_pending.clear();
        handleSetAvailable();
        handleFinishIfDrained();
    }

    @Override
    public void handleAccept(T element) {
        if (!h_writable) {
            h_offeredWhileBlocked++;
            h_pending.addLast(element);
            return;
        }
        h_received.add(element);
        if (h_allowance > 0 && --h_allowance == 0) {
            h_writable = false;
            handleClearAvailable();
        }
    }

    @Override
    protected boolean handleHasPending() {
        return !h_pending.isEmpty();
    }

    /** What the sink has taken, in order. */
    public List<T> handleReceived() {
        return h_received;
    }

    /** Elements held pending now. */
    public int handlePendingCount() {
        return h_pending.size();
    }

    /** Elements offered while unwritable (each became part of the pending element). */
    public long handleOfferedWhileBlocked() {
        return h_offeredWhileBlocked;
    }
}
