package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * The connections of a listening socket, one per poll. An accept that finds nobody waiting clears
 * the bit and registers OP_ACCEPT. Paired with {@link ConnectionSlots}, the accept fiber runs only
 * while a slot is free (DESIGN N13): beyond that, clients wait in the kernel's backlog.
 *
 * <p>An accept that fails — the process or the system is out of descriptors (EMFILE, ENFILE), the
 * kernel is out of buffers, a client gave up — pauses accepting: the bit stays clear and OP_ACCEPT
 * unarmed, or the listening socket, still readable, would make the catalyst spin. Accepting
 * resumes when {@link #handleResume()} says a descriptor came back (a connection closed) or when
 * a back-off timer fires: {@value #FIRST_BACKOFF_MILLIS} ms, doubling up to
 * {@value #MAX_BACKOFF_MILLIS} ms while accepts keep failing. Each pause is reported once; the
 * connections already open go on.
 */
public final class AcceptSource extends AbstractSource<SocketChannel> implements ReadyHandler {
    static final long FIRST_BACKOFF_MILLIS = 10;
    static final long MAX_BACKOFF_MILLIS = 1000;

    private final ServerSocketChannel server;
    private final String address;
    private Interest h_interest;
    private boolean h_paused;
    private long h_backoffMillis = FIRST_BACKOFF_MILLIS;
    private long h_timer = -1;
    private Runnable h_onBacklog;

    private AcceptSource(Catalyst catalyst, ServerSocketChannel server) {
        super(catalyst, "accept " + server);
        this.server = server;
        this.address = localAddress(server);
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
        if (handleIsEnded() || h_paused) {
            return null;
        }
        SocketChannel accepted;
        try {
            accepted = server.accept();
        } catch (ClosedChannelException closed) {
            throw closed;
        } catch (IOException refused) {
            handlePause(refused);
            return null;
        }
        if (accepted == null) {
            handleClearAvailable();
        } else {
            h_backoffMillis = FIRST_BACKOFF_MILLIS; // the pause is over: a new one is a new failure, reported again
        }
        return accepted;
    }

    private void handlePause(IOException cause) {
        h_paused = true;
        long delay = h_backoffMillis;
        h_backoffMillis = Math.min(MAX_BACKOFF_MILLIS, h_backoffMillis * 2);
        if (delay == FIRST_BACKOFF_MILLIS) { // the first failure of this pause: the others are the same one
            reactor.handleReport("accepts on " + address + " paused (" + cause.getMessage()
                + "): resuming when a connection closes, or in " + delay + " ms", cause);
        }
        handleClearAvailable();
        h_timer = reactor.handleScheduleAt(reactor.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay), () -> {
            h_timer = -1;
            handleResume();
        });
    }

    /**
     * A descriptor has come back (a connection closed): a paused accept tries again now. Does
     * nothing while accepting is not paused.
     */
    public void handleResume() {
        if (!h_paused) {
            return;
        }
        h_paused = false;
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        handleSetAvailable();
    }

    /**
     * Runs {@code onClientWaiting} once, when a client waits in the backlog — even while no fiber
     * polls, as when every connection slot is taken: a server can then make room by closing an
     * idle connection, as nginx does when it runs out of connections.
     */
    public void handleWatchBacklog(Runnable onClientWaiting) {
        h_onBacklog = onClientWaiting;
        if (h_interest != null && !h_paused && !handleIsEnded()) {
            h_interest.handleSetOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    protected void handleArm() {
        if (h_interest != null && !h_paused) {
            h_interest.handleSetOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public void handleReady(int readyOps) {
        h_interest.handleSetOps(0);
        handleSetAvailable();
        Runnable onBacklog = h_onBacklog;
        if (onBacklog != null) {
            h_onBacklog = null;
            onBacklog.run();
        }
    }

    /** Stops listening: the stream of connections ends. */
    public void handleStop() {
        h_paused = false;
        h_onBacklog = null;
        handleEnd();
    }

    @Override
    protected void handleRelease() throws IOException {
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        if (h_interest != null) {
            reactor.handleDeregister(h_interest);
        } else {
            server.close();
        }
    }

    private static String localAddress(ServerSocketChannel server) {
        try {
            SocketAddress local = server.getLocalAddress();
            return String.valueOf(local);
        } catch (IOException closed) {
            return String.valueOf(server);
        }
    }
}
