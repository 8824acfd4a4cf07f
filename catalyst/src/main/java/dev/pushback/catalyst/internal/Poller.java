package dev.pushback.catalyst.internal;

import java.io.IOException;
import java.nio.channels.SelectableChannel;

import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.ReadyHandler;

/**
 * How a catalyst learns readiness: from its own selector ({@link SelectorPoller}) or from a host
 * that polls for it ({@link HostedPoller}). Catalyst thread only, except {@link #wakeup()}.
 */
interface Poller {
    Interest handleRegister(SelectableChannel channel, ReadyHandler handler) throws IOException;

    /** Cancels the interest; the caller closes the channel. */
    void handleDeregister(Interest interest);

    /**
     * Waits for readiness at most {@code timeoutMillis} (0: forever, negative: not at all) and
     * calls the handlers of the ready channels; returns how many were ready.
     */
    int handlePoll(long timeoutMillis) throws IOException;

    /** Releases descriptors of channels closed this round (a selector keeps them until it selects). */
    void handleFlushCancelled() throws IOException;

    /** Makes a blocked {@link #handlePoll} return; from any thread. */
    void wakeup();

    void handleClose() throws IOException;
}
