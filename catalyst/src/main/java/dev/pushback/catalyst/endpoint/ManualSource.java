package dev.pushback.catalyst.endpoint;

import java.util.ArrayDeque;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * A source whose readiness the caller switches on and off: for tests of the negotiation rules and
 * for elements produced by the application itself. Elements offered wait in the source until a
 * fiber polls them; the bit is what the caller last set (a poll that finds nothing clears it).
 */
public final class ManualSource<T> extends AbstractSource<T> {
    private final ArrayDeque<T> h_elements = new ArrayDeque<>();
    private boolean h_readable;
    private boolean h_finished;
    private long h_polls;
    private long h_given;

    public ManualSource(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    @Override
    protected boolean handleInitiallyAvailable() {
        return h_readable;
    }

    /** Adds an element; it is given when a fiber polls while the source is readable. */
    public void handlePush(T element) {
        h_elements.addLast(element);
    }

    /** Sets or clears the readable bit. */
    public void handleSetReadable(boolean readable) {
        h_readable = readable;
        if (readable) {
            handleSetAvailable();
        } else {
            handleClearAvailable();
        }
    }

    /** No more elements after those pushed; the stream ends once they are given. */
    public void handleFinish() {
        h_finished = true;
        if (h_elements.isEmpty()) {
            handleEnd();
        }
    }

    @Override
    public T handlePoll() {
        h_polls++;
        T element = h_elements.pollFirst();
        if (element == null) {
            if (h_finished) {
                handleEnd();
            } else {
                h_readable = false;
                handleClearAvailable();
            }
            return null;
        }
        h_given++;
        return element;
    }

    /** Polls made by fibers, including those that found nothing. */
    public long handlePolls() {
        return h_polls;
    }

    /** Elements given. */
    public long handleGiven() {
        return h_given;
    }

    /** Elements pushed and not yet given. */
    public int handleWaiting() {
        return h_elements.size();
    }
}
