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
 * soon as the key reports it, so a known-writable socket is never left registered for OP_WRITE —
 * but for OP_READ, which stays once after it fires (see {@link #handleReady}).
 *
 * <p>A socket that connects out ({@link SocketEndpoints#connect}) has a {@link SocketConnect}
 * until the connection is made or has failed (DESIGN N17): meanwhile the key waits for
 * {@code OP_CONNECT} only, the sides' bits stay clear and their arming waits for nothing; once
 * connected, both sides are set available, and from then on it is a socket like an accepted one.
 */
final class ChannelRegistration implements ReadyHandler, SocketConnect.Target {
    private final Reactor reactor;
    private final SelectableChannel channel;
    ChannelSource h_source;
    ChannelSink h_sink;
    /** Hears the key's readiness after the sides have, when the sides are driven without a fiber. */
    ReadyHandler h_owner;
    /**
     * The connect under way, null once it is over or for a channel given connected. Set before
     * the channel's sides reach the catalyst, as {@code h_source} and {@code h_sink} are.
     */
    SocketConnect h_connect;
    private Interest h_interest;
    private int h_openSides;
    // A side that closed before the socket was connected: shut down once it is (a shutdown needs a connection).
    private boolean h_inputClosedEarly;
    private boolean h_outputClosedEarly;
    // OP_READ was reported and nothing has read the socket since: reported again, it leaves the key.
    private boolean h_readUnread;

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
        if (h_connect != null) {
            h_connect.handleStart(h_interest); // the first side to open starts it
        }
    }

    /** Whether the socket is still connecting: its sides are not available yet, whatever they find. */
    boolean handleIsConnecting() {
        return h_connect != null;
    }

    void handleInterest(int op) {
        if (h_interest != null && h_connect == null) { // connecting: the connect sets the bits
            h_interest.handleAddOps(op);
        }
    }

    /** The connect is made: the sides are available (DESIGN N2, optimistic) and the fibers waiting on them run. */
    @Override
    public void handleConnected() {
        h_connect = null;
        SocketChannel socket = (SocketChannel) channel;
        try {
            if (h_outputClosedEarly) {
                socket.shutdownOutput();
            }
            if (h_inputClosedEarly) {
                socket.shutdownInput();
            }
        } catch (IOException e) {
            reactor.handleReport("half-closing " + channel + " failed", e);
        }
        if (h_source != null) {
            h_source.handleConnected();
        }
        if (h_sink != null) {
            h_sink.handleConnected();
        }
    }

    /**
     * The connect failed: both sides fail with {@code cause} and so do the fibers that use them,
     * now (DESIGN N11, N17). The fibers report it, once: they fail of the one cause.
     */
    @Override
    public void handleConnectFailed(IOException cause) {
        h_connect = null;
        if (h_source != null) {
            h_source.handleConnectFailed(cause);
        }
        if (h_sink != null) {
            h_sink.handleConnectFailed(cause);
        }
    }

    /** The source read the socket: OP_READ, if it stayed registered, is wanted again. */
    void handleRead() {
        h_readUnread = false;
    }

    int handleInterestOps() {
        return h_interest != null ? h_interest.handleOps() : 0;
    }

    @Override
    public void handleReady(int readyOps) {
        if (!h_interest.handleIsValid()) {
            return;
        }
        // OP_READ stays registered after it fires, once: a socket that is read in answer (a
        // connection's next request, a response) and drained again would otherwise cost two
        // epoll_ctl calls per exchange, one to leave the key and one to come back. Reported a
        // second time with nothing read between, nobody wants it now, and it leaves the key, so
        // that unread bytes never make the selector spin (DESIGN N2).
        int leaving = readyOps;
        if ((readyOps & SelectionKey.OP_READ) != 0 && h_connect == null) {
            if (!h_readUnread) {
                leaving &= ~SelectionKey.OP_READ;
            }
            h_readUnread = !h_readUnread;
        }
        h_interest.handleRemoveOps(leaving);
        if (h_connect != null) {
            // Connecting, the key waits for OP_CONNECT alone; an error is reported as that too.
            h_connect.handleConnectable();
            return;
        }
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
            if (!socket.isConnected()) {
                if (output) {
                    h_outputClosedEarly = true;
                } else {
                    h_inputClosedEarly = true;
                }
            } else if (output) {
                socket.shutdownOutput();
            } else {
                socket.shutdownInput();
            }
            return;
        }
        if (h_openSides <= 0) {
            if (h_connect != null) {
                h_connect.handleAbandon();
                h_connect = null;
            }
            if (h_interest != null) {
                reactor.handleDeregister(h_interest);
            } else {
                channel.close();
            }
        }
    }
}
