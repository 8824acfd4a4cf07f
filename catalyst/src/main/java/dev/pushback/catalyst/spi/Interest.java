package dev.pushback.catalyst.spi;

import java.nio.channels.SelectableChannel;

/**
 * A channel registered with a catalyst, and the operations ({@code SelectionKey.OP_READ} and so
 * on) the catalyst waits for on it: one entry of the frontier (DESIGN N2). Endpoints change the
 * operations through this rather than through a {@code SelectionKey}, because a hosted catalyst
 * has no key: its host polls the channel instead.
 *
 * <p>Made by {@link Reactor#handleRegister}; every method but {@link #channel()} runs on the
 * catalyst thread.
 */
public interface Interest {
    SelectableChannel channel();

    /** The operations waited for now; 0 once cancelled. */
    int handleOps();

    /** Waits for exactly {@code ops}; ignored once cancelled. */
    void handleSetOps(int ops);

    /** Also waits for {@code ops}. */
    default void handleAddOps(int ops) {
        handleSetOps(handleOps() | ops);
    }

    /** No longer waits for {@code ops}. */
    default void handleRemoveOps(int ops) {
        handleSetOps(handleOps() & ~ops);
    }

    /** Whether the registration still stands (not cancelled, channel open). */
    boolean handleIsValid();
}
