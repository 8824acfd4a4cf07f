package dev.pushback.catalyst.internal;

import java.nio.channels.SelectableChannel;

import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.ReadyHandler;

/**
 * What an interest of either poller keeps: the operations waited for and whether it was
 * cancelled; a poller hears each real change. Catalyst thread only.
 */
abstract class PolledInterest implements Interest {
    final ReadyHandler handler;
    private final SelectableChannel channel;
    private int h_ops;
    boolean h_cancelled;

    PolledInterest(SelectableChannel channel, ReadyHandler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    @Override
    public final SelectableChannel channel() {
        return channel;
    }

    @Override
    public final int handleOps() {
        return h_cancelled ? 0 : h_ops;
    }

    @Override
    public final void handleSetOps(int ops) {
        if (h_cancelled || ops == h_ops) {
            return;
        }
        h_ops = ops;
        handleChanged(ops);
    }

    /** The operations waited for changed to {@code ops}. */
    abstract void handleChanged(int ops);

    @Override
    public String toString() {
        return "interest " + h_ops + " on " + channel;
    }
}
