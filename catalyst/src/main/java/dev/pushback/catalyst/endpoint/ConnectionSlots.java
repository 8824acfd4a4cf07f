package dev.pushback.catalyst.endpoint;

import java.nio.channels.SocketChannel;
import java.util.function.BiConsumer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;

/**
 * A budget of connection slots as a sink (DESIGN N13): writable while fewer than {@code max}
 * connections are open, so the accept fiber — whose mask ANDs this bit — accepts only while a slot
 * is free. Each accepted connection goes to the handler with a {@code release} action, to be run
 * once when the connection has closed.
 */
public final class ConnectionSlots extends AbstractSink<SocketChannel> {
    private final int max;
    private final BiConsumer<SocketChannel, Runnable> handler;
    private final Runnable onFull;
    private int h_open;
    private int h_peak;
    // Mirrors of the counts for readers on other threads (a listener's statistics).
    private volatile int openNow;
    private volatile int peakSoFar;

    public ConnectionSlots(Catalyst catalyst, int max, BiConsumer<SocketChannel, Runnable> handler) {
        this(catalyst, max, handler, () -> { });
    }

    /** The same, and {@code onFull} runs each time the last free slot is taken. */
    public ConnectionSlots(Catalyst catalyst, int max, BiConsumer<SocketChannel, Runnable> handler, Runnable onFull) {
        super(catalyst, "connection slots (" + max + ")");
        if (max < 1) {
            throw new IllegalArgumentException("maxConnections must be positive: " + max);
        }
        this.max = max;
        this.handler = handler;
        this.onFull = onFull;
    }

    @Override
    public void handleAccept(SocketChannel connection) {
        h_open++;
        h_peak = Math.max(h_peak, h_open);
        openNow = h_open;
        peakSoFar = h_peak;
        boolean[] released = {false};
        handler.accept(connection, () -> {
            if (!released[0]) {
                released[0] = true;
                handleReleaseSlot();
            }
        });
        if (h_open >= max) {
            handleClearAvailable();
            onFull.run();
        }
    }

    /** Whether every slot is taken. */
    public boolean handleIsFull() {
        return h_open >= max;
    }

    private void handleReleaseSlot() {
        h_open--;
        openNow = h_open;
        if (h_open < max) {
            handleSetAvailable();
        }
        handleFinishIfDrained();
    }

    /** Connections open now. */
    public int handleOpenConnections() {
        return h_open;
    }

    /** The most connections ever open at once. */
    public int handlePeakConnections() {
        return h_peak;
    }

    /** Open connections keep the slots open after the listener stops, until they have closed. */
    @Override
    protected boolean handleHasPending() {
        return h_open > 0;
    }

    /** Connections open now, from any thread. */
    public int openConnections() {
        return openNow;
    }

    /** The most connections open at once so far, from any thread. */
    public int peakConnections() {
        return peakSoFar;
    }
}
