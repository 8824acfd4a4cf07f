package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractByteSource;

/**
 * The plaintext a TLS connection receives (DESIGN N18). Its bit means plaintext can be given:
 * set once the handshake is done and while decrypted bytes or whole records are held, which the
 * selector cannot see; cleared when a poll finds neither and the socket has nothing. A poll
 * decrypts into the source's pooled chunk, filling it while records are there. The peer's
 * close_notify ends the stream; the socket ending without one fails it (what it sent may be cut short).
 */
public final class TlsSource extends AbstractByteSource {
    private final TlsSession session;

    TlsSource(Catalyst catalyst, String name, TlsSession session) {
        super(catalyst, name);
        this.session = session;
        session.h_source = this;
    }

    /** Nothing can be read before the handshake: the session sets the bit when it is done. */
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
    protected ByteBuffer handleNextChunk() throws IOException {
        ByteBuffer buffer = handleReadBuffer();
        int read = session.handleRead(buffer);
        if (read > 0) {
            return buffer.flip();
        }
        return handleNothing(read < 0);
    }

    @Override
    protected void handleArm() {
        session.handleAwaitReadable();
    }

    /**
     * Waits for plaintext without a fiber: for a source opened by {@link TlsEndpoints#handleOpen},
     * whose owner hears it through its {@code ReadyHandler}.
     */
    public void handleAwaitReadable() {
        session.handleAwaitReadable();
    }

    /** The operations the socket's key is registered for now: the frontier of DESIGN N2. */
    public int handleInterestOps() {
        return session.handleInterestOps();
    }

    TlsSession session() {
        return session;
    }

    void handleReadable() {
        handleSetAvailable();
    }

    void handleFailed(Throwable cause) {
        handleFail(cause);
    }

    /** A cut line when framing lines, and decrypted bytes held for the next poll. */
    @Override
    public long retainedBound() {
        return super.retainedBound() + session.plaintextBound();
    }

    /** The read chunk, the records read and not yet decrypted, and the decrypted bytes held. */
    @Override
    public long ownedBufferBytes() {
        return super.ownedBufferBytes() + session.inputBufferBytes();
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        session.handleCloseSide(false);
    }
}
