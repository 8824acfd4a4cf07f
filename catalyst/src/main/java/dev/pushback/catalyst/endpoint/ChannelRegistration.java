package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.Reactor;

/**
 * The one selector key of a channel, shared by its source and sink sides. Interest is added only
 * for a side whose bit is clear and that a fiber waits on (the frontier, DESIGN N2) and removed as
 * soon as the key reports it, so a known-writable socket is never left registered for OP_WRITE.
 */
final class ChannelRegistration implements ReadyHandler {
    private final Reactor reactor;
    private final SelectableChannel channel;
    ChannelSource h_source;
    ChannelSink h_sink;
    /** Hears the key's readiness after the sides have, when the sides are driven without a fiber. */
    ReadyHandler h_owner;
    private Interest h_interest;
    private int h_openSides;

    ChannelRegistration(Catalyst catalyst, SelectableChannel channel) {
        this.reactor = Reactor.of(catalyst);
        this.channel = channel;
    }

    SelectableChannel channel() {
        return channel;
    }

    void handleOpenSide() throws IOException {
        if (h_interest == null) {
            h_interest = reactor.handleRegister(channel, this);
        }
        h_openSides++;
    }

    void handleInterest(int op) {
        if (h_interest != null) {
            h_interest.handleAddOps(op);
        }
    }

    int handleInterestOps() {
        return h_interest != null ? h_interest.handleOps() : 0;
    }

    @Override
    public void handleReady(int readyOps) {
        if (!h_interest.handleIsValid()) {
            return;
        }
        h_interest.handleRemoveOps(readyOps);
        if ((readyOps & SelectionKey.OP_READ) != 0 && h_source != null) {
            h_source.handleReadable();
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0 && h_sink != null) {
            h_sink.handleWritable();
        }
        if (h_owner != null) {
            h_owner.handleReady(readyOps);
        }
    }

    /** A side is done: a socket half-closes; the channel closes when no side is left. */
    void handleCloseSide(boolean output) throws IOException {
        h_openSides--;
        if (h_openSides > 0 && channel instanceof SocketChannel socket && socket.isOpen()) {
            if (output) {
                socket.shutdownOutput();
            } else {
                socket.shutdownInput();
            }
            return;
        }
        if (h_openSides <= 0) {
            if (h_interest != null) {
                reactor.handleDeregister(h_interest);
            } else {
                channel.close();
            }
        }
    }
}
