package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractByteSink;

/**
 * The plaintext a TLS connection sends (DESIGN N18). Its bit means a record can be sent: set once
 * the handshake is done, cleared while records already made wait for the socket. Bytes offered
 * before are the sink's one pending element, as for any sink (DESIGN N3). When its input has
 * ended and everything is written it sends close_notify, then shuts the socket's output down.
 */
public final class TlsSink extends AbstractByteSink {
    private final TlsSession session;
    private final Runnable h_drain = this::handleDrainHandshaken;

    TlsSink(Catalyst catalyst, String name, TlsSession session) {
        super(catalyst, name);
        this.session = session;
        session.h_sink = this;
    }

    /** Nothing can be sent before the handshake: the session sets the bit when it is done. */
    @Override
    protected boolean handleInitiallyAvailable() {
        return false;
    }

    @Override
    protected void handleOpen() throws IOException {
        session.handleOpenSide();
        session.handleStart();
    }

    @Override
    protected int handleWrite(ByteBuffer source) throws IOException {
        int taken = session.handleWrite(source);
        if (session.handleHoldsOutput()) {
            handleClearAvailable(); // the records made wait for the socket: no more until they are out
        }
        return taken;
    }

    @Override
    protected void handleArmDrain() {
        session.handleAwaitWritable();
    }

    @Override
    protected void handleArm() {
        session.handleAwaitWritable();
    }

    /** The socket took every record made: pending bytes go now, or the bit is set. */
    void handleWritable() {
        if (handleIsClosed()) {
            return;
        }
        if (handleHasPendingElement()) {
            handleDrain();
        } else if (!session.handleHoldsOutput()) {
            handleSetAvailable();
            handleFinishIfDrained();
        }
    }

    /** The handshake is done: bytes pending since before drain at the end of the round, not inside the read or write that finished it. */
    void handleHandshaken() {
        if (handleHasPendingElement()) {
            reactor.handleAtRoundEnd(h_drain);
        } else {
            handleSetAvailable();
        }
    }

    /**
     * Bytes written before the handshake was done go out now; an owner that wrote them hears the
     * socket writable after, as it would have after a partial write — the drain needs no OP_WRITE
     * if the socket takes it all, and the owner would wait for one for ever.
     */
    private void handleDrainHandshaken() {
        handleWritable();
        session.handleTellOwnerWritable();
    }

    /** Records made and not yet written are pending too: the sink finishes only once they are out. */
    @Override
    protected boolean handleHasPending() {
        return super.handleHasPending() || session.handleHoldsOutput();
    }

    @Override
    public long handlePendingBytes() {
        return super.handlePendingBytes() + session.handleOutputBytes();
    }

    /** Its input ended and everything is written: close_notify. */
    @Override
    protected void handleFinish() {
        session.handleCloseOutbound();
    }

    /**
     * For an owner that closes the sink once everything is written: close_notify goes out after
     * the records before it (call {@link #handleClose} next). A sink closed without it, or with a
     * failure, sends none, so the peer can tell the data was cut short.
     */
    public void handleCloseNotify() {
        session.handleCloseOutbound();
    }

    /**
     * A pending element, a gathered chunk and the records made from them. In a diamond (DESIGN
     * N9) the records are counted once per path: more than they can be, never less.
     */
    @Override
    public long retainedBound() {
        return super.retainedBound() + session.outputBufferBytes();
    }

    @Override
    public long retainedBound(long elementBytes) {
        return super.retainedBound(elementBytes) + session.outputBufferBytes();
    }

    @Override
    public long ownedBufferBytes() {
        return session.outputBufferBytes();
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        session.handleCloseSide(true);
    }
}
