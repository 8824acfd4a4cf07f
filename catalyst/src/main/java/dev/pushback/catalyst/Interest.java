package dev.pushback.catalyst;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * A channel registered with a catalyst, and the operations ({@link SelectionKey#OP_READ} and so
 * on) the catalyst waits for on it: one entry of the frontier (DESIGN N2). Endpoints change the
 * operations through this rather than through a {@link SelectionKey}, because a hosted catalyst
 * ({@link HostedPolling}) has no key: its host polls the channel instead.
 *
 * <p>Made by {@link Catalyst#handleRegister}; every method runs on the catalyst thread.
 */
public final class Interest {
    private final Catalyst catalyst;
    private final SelectableChannel channel;
    final Catalyst.ReadyHandler handler;
    // The selector's key; null when the catalyst is hosted.
    final SelectionKey key;
    private int h_ops;
    private boolean h_cancelled;
    boolean h_reported = true; // a hosted catalyst reports a change once per frontier read

    Interest(Catalyst catalyst, SelectableChannel channel, Catalyst.ReadyHandler handler, SelectionKey key) {
        this.catalyst = catalyst;
        this.channel = channel;
        this.handler = handler;
        this.key = key;
    }

    public SelectableChannel channel() {
        return channel;
    }

    /** The operations waited for now; 0 once cancelled. */
    public int handleOps() {
        return h_cancelled ? 0 : h_ops;
    }

    /** Waits for exactly {@code ops}; ignored once cancelled. */
    public void handleSetOps(int ops) {
        if (h_cancelled || ops == h_ops) {
            return;
        }
        h_ops = ops;
        if (key != null) {
            if (key.isValid()) { // a channel closed under the catalyst has a cancelled key
                key.interestOps(ops);
            }
        } else {
            catalyst.hosted.handleChanged(this);
        }
    }

    /** Also waits for {@code ops}. */
    public void handleAddOps(int ops) {
        handleSetOps(h_ops | ops);
    }

    /** No longer waits for {@code ops}. */
    public void handleRemoveOps(int ops) {
        handleSetOps(h_ops & ~ops);
    }

    /** Whether the registration still stands (not cancelled, channel open). */
    public boolean handleIsValid() {
        return !h_cancelled && (key == null ? channel.isOpen() : key.isValid());
    }

    void handleCancel() {
        if (h_cancelled) {
            return;
        }
        h_cancelled = true;
        if (key != null) {
            key.cancel();
        }
    }

    @Override
    public String toString() {
        return "interest " + h_ops + " on " + channel;
    }
}
