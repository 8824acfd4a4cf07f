package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * The connections of a listening socket, one per poll. An accept that finds nobody waiting clears
 * the bit and registers OP_ACCEPT. Paired with {@link ConnectionSlots}, the accept fiber runs only
 * while a slot is free (DESIGN N13): beyond that, clients wait in the kernel's backlog.
 */
public final class AcceptSource extends AbstractSource<SocketChannel> implements ReadyHandler {
    private final ServerSocketChannel server;
    private Interest h_interest;

    private AcceptSource(Catalyst catalyst, ServerSocketChannel server) {
        super(catalyst, "accept " + server);
        this.server = server;
    }

    /** Accepts on {@code server} (bound already), which the catalyst owns from now on. */
    public static AcceptSource of(Catalyst catalyst, ServerSocketChannel server) {
        return new AcceptSource(catalyst, server);
    }

    @Override
    protected void handleOpen() throws IOException {
        h_interest = reactor.handleRegister(server, this);
    }

    @Override
    public SocketChannel handlePoll() throws IOException {
        if (handleIsEnded()) {
            return null;
        }
        SocketChannel accepted = server.accept();
        if (accepted == null) {
            handleClearAvailable();
        }
        return accepted;
    }

    @Override
    protected void handleArm() {
        if (h_interest != null) {
            h_interest.handleSetOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public void handleReady(int readyOps) {
        h_interest.handleSetOps(0);
        handleSetAvailable();
    }

    /** Stops listening: the stream of connections ends. */
    public void handleStop() {
        handleEnd();
    }

    @Override
    protected void handleRelease() throws IOException {
        if (h_interest != null) {
            reactor.handleDeregister(h_interest);
        } else {
            server.close();
        }
    }
}
