package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.ReadyHandler;
import dev.pushback.catalyst.spi.Reactor;

/**
 * One TLS connection over a socket (DESIGN N18): the {@link SSLEngine}, its record buffers and
 * the socket's one selector key, shared by the connection's {@link TlsSource} and {@link TlsSink}.
 *
 * <p>Everything happens under negotiation. The handshake runs when the socket is ready for what
 * the engine needs next — a read when it waits for the peer's records, a write when its own do
 * not fit the socket — and registers only that operation, so neither direction spins while the
 * other is what is missing. The handshake has a deadline on the catalyst's timer; if it passes,
 * the connection fails. Renegotiation is refused: TLS 1.3 has none, and a TLS 1.2 peer asking for
 * one fails its connection. The JDK has no per-engine switch for that (only the JVM-wide
 * {@code jdk.tls.rejectClientInitiatedRenegotiation}), so a TLS 1.2 engine that starts handshaking
 * again after its first handshake is refused here.
 *
 * <p>Buffers, in read mode between calls: {@code netIn}, records read and not yet decrypted;
 * {@code appIn}, decrypted bytes the source's chunk had no room for — they count as readable,
 * since the selector cannot see them; {@code netOut}, records made and not yet written. Each is
 * lent from the pool only while it holds bytes (see {@link LentBuffer}). Decrypted bytes held and
 * records waiting to be written are counted as retained (DESIGN N3).
 *
 * <p>A failure (a bad record, an alert, the deadline, a peer that closes without close_notify, a
 * socket reset) fails this connection only: the side that met it throws, the other side fails at
 * the end of the round, an owner hears both operations ready and meets the failure at its next
 * read or write. With an owner, what the peer did wrong — a bad record or alert, a handshake not
 * done by the deadline, a renegotiation — is reported once through the catalyst's reporter, since
 * nothing else would say why a client was turned away; a peer that merely goes away is not
 * reported. With fibers, the fibers report their failures.
 *
 * <p>Delegated tasks (certificate checks, key signing) run on the catalyst thread: they are CPU
 * work, not waiting, and a handshake needs them before it can go on.
 */
final class TlsSession implements ReadyHandler, SocketConnect.Target {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();
    private static final int READ_WRITE = SelectionKey.OP_READ | SelectionKey.OP_WRITE;

    private final Reactor reactor;
    private final SocketChannel channel;
    private final SSLEngine engine;
    private final String peer;
    private final boolean namesPeer;
    private final long handshakeTimeoutNanos;
    private final int packetSize;
    private final LentBuffer netIn;
    private final LentBuffer appIn;
    private final LentBuffer netOut;
    private final Runnable h_deadline = this::handleDeadline;
    private final Runnable h_tellOwner = this::handleTellOwner;
    private final Runnable h_failSides = this::handleFailSides;

    TlsSource h_source;
    TlsSink h_sink;
    /** Hears readiness after the sides have, when the sides are driven without a fiber. */
    ReadyHandler h_owner;
    /**
     * The connect under way for a session over a socket that connects out (DESIGN N17), null once
     * it is over or for a socket given connected: meanwhile the key waits for {@code OP_CONNECT}
     * only, and the handshake and its deadline start once it is connected.
     */
    SocketConnect h_connect;

    private Interest h_interest;
    private int h_openSides;
    private boolean h_started;
    private boolean h_handshaken;
    private long h_timer = -1;
    private IOException h_failure;
    private boolean h_inboundDone; // the peer's close_notify came
    private boolean h_outboundClosed; // ours was made
    private boolean h_shutdownOutputWhenFlushed;
    // The sink closed before the handshake was done (finished: with close_notify): both go out once it is.
    private boolean h_outputClosedEarly;
    private boolean h_closeNotifyWhenHandshaken;
    private boolean h_closed;
    private int h_ownerOps; // operations to tell the owner at the end of the round
    private long h_retained; // bytes of appIn and netOut counted in the catalyst's retained bytes

    TlsSession(Reactor reactor, SocketChannel channel, SSLEngine engine, long handshakeTimeoutNanos) {
        this(reactor, channel, engine, handshakeTimeoutNanos, peerOf(channel), false);
    }

    /**
     * A session named {@code peer} in its messages; {@code namesPeer}: a handshake failure is
     * thrown as one that names it (a client's failure goes to its fibers as it is, with no report
     * around it to say which server it was).
     */
    TlsSession(Reactor reactor, SocketChannel channel, SSLEngine engine, long handshakeTimeoutNanos, String peer,
               boolean namesPeer) {
        this.reactor = reactor;
        this.channel = channel;
        this.engine = engine;
        this.peer = peer;
        this.namesPeer = namesPeer;
        this.handshakeTimeoutNanos = handshakeTimeoutNanos;
        // Before the handshake, the session reports the largest sizes the enabled protocols allow.
        this.packetSize = engine.getSession().getPacketBufferSize();
        int appSize = engine.getSession().getApplicationBufferSize();
        this.netIn = new LentBuffer(reactor.pool(), packetSize);
        this.appIn = new LentBuffer(reactor.pool(), appSize);
        this.netOut = new LentBuffer(reactor.pool(), packetSize);
    }

    private static String peerOf(SocketChannel channel) {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return channel.toString();
        }
    }

    /** The peer's address, for messages. */
    String peer() {
        return peer;
    }

    // ---------------------------------------------------------------- sizes, for the memory bound (N3)

    /** Decrypted bytes the source may hold beyond its chunk. */
    long plaintextBound() {
        return appIn.capacity();
    }

    /** The source side's buffers: records read, and decrypted bytes held. */
    long inputBufferBytes() {
        return (long) netIn.capacity() + appIn.capacity();
    }

    /** The socket under the session. */
    SocketChannel channel() {
        return channel;
    }

    /** Records the sink side may hold made and not yet written. */
    long outputBufferBytes() {
        return netOut.capacity();
    }

    /** The operations the socket's key is registered for now. */
    int handleInterestOps() {
        return h_interest != null ? h_interest.handleOps() : 0;
    }

    // ---------------------------------------------------------------- opening

    /** A side opens: the first registers the socket, starts the handshake's deadline and the handshake. */
    void handleOpenSide() throws IOException {
        if (h_interest == null) {
            h_interest = reactor.handleRegister(channel, this);
            if (h_connect == null) {
                handleStartDeadline();
            }
        }
        h_openSides++;
        if (h_connect != null) {
            h_connect.handleStart(h_interest); // the first side to open starts it
        }
    }

    private void handleStartDeadline() {
        h_timer = reactor.handleScheduleAt(reactor.nanoTime() + handshakeTimeoutNanos, h_deadline);
    }

    /** The socket connected: the handshake's deadline starts, and the handshake. */
    @Override
    public void handleConnected() {
        h_connect = null;
        if (h_closed || h_failure != null) {
            return;
        }
        handleStartDeadline();
        handleStart();
    }

    /** The connect failed: the connection fails with its cause, which names the address; the fibers report it. */
    @Override
    public void handleConnectFailed(IOException cause) {
        h_connect = null;
        handleFail(cause, null);
    }

    /** Starts the handshake: a server waits for the client's hello, a client sends its own; a connecting socket's, once connected. */
    void handleStart() {
        if (h_connect != null || h_closed) {
            return;
        }
        try {
            handleHandshake();
        } catch (IOException e) {
            // recorded and reported by the handshake; the sides hear it at the end of the round
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Decrypts into {@code dst}: the bytes given, 0 when none can be now (what the connection
     * waits for is registered or is registered by {@link #handleAwaitReadable()}), -1 once the
     * peer's close_notify has come and everything before it was given.
     *
     * <p>A chunk shorter than {@code dst} means nothing decrypted is held and no whole record is
     * buffered: only then does the socket's readiness tell the truth again, which a caller that
     * waits after a short read relies on.
     */
    int handleRead(ByteBuffer dst) throws IOException {
        handleThrowIfFailed();
        if (!h_handshaken && !handleHandshake()) {
            return 0;
        }
        int start = dst.position();
        boolean drained = false; // a read in this call left room in netIn: the socket has nothing more now
        try {
            while (dst.hasRemaining()) {
                if (appIn.handleHasRemaining()) {
                    handleCopyHeld(dst);
                    continue;
                }
                if (h_inboundDone) {
                    break;
                }
                ByteBuffer records = netIn.handleGet();
                if (records.hasRemaining()) {
                    SSLEngineResult result = engine.unwrap(records, dst);
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        result = handleUnwrapToHeld(records); // the next record does not fit what is left of dst
                    }
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        h_inboundDone = true; // close_notify: a TLS 1.2 engine answers with its own (wrapped on close)
                        break;
                    }
                    if (result.getStatus() == SSLEngineResult.Status.OK) {
                        handleAfterHandshake(result.getHandshakeStatus());
                        if (result.bytesConsumed() > 0 || result.bytesProduced() > 0) {
                            continue;
                        }
                        break; // an engine that took nothing is not asked again in a loop
                    }
                    // BUFFER_UNDERFLOW: the next record is not all here
                }
                if (drained) {
                    break;
                }
                int read = handleFill(records);
                if (read < 0) {
                    throw handleEndOfStream();
                }
                if (read == 0) {
                    break;
                }
                drained = records.limit() < records.capacity();
            }
        } catch (SSLException e) {
            throw handleFail(e, "TLS failed on the connection with ");
        } catch (IOException e) {
            throw handleFail(e, null); // the socket failed: the peer went away
        } finally {
            netIn.handleReleaseIfEmpty();
        }
        int given = dst.position() - start;
        if (given > 0) {
            return given;
        }
        return h_inboundDone ? -1 : 0;
    }

    /** Unwraps the next record into the held buffer, which is empty: it is given from there. */
    private SSLEngineResult handleUnwrapToHeld(ByteBuffer records) throws IOException {
        ByteBuffer held = appIn.handleGet().clear();
        SSLEngineResult result;
        try {
            result = engine.unwrap(records, held);
        } finally {
            held.flip();
            handleAccount();
        }
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new SSLException("a TLS record from " + peer + " is larger than " + appIn.capacity() + " bytes");
        }
        return result;
    }

    private void handleCopyHeld(ByteBuffer dst) {
        ByteBuffer held = appIn.handleGet();
        int n = Math.min(held.remaining(), dst.remaining());
        int limit = held.limit();
        held.limit(held.position() + n);
        dst.put(held);
        held.limit(limit);
        appIn.handleReleaseIfEmpty();
        handleAccount();
    }

    /** Reads the socket into {@code records} (read mode, kept so): the bytes read, 0 or -1. */
    private int handleFill(ByteBuffer records) throws IOException {
        records.compact();
        try {
            return channel.read(records);
        } finally {
            records.flip();
        }
    }

    /** The socket ended before the peer's close_notify: what it sent may be cut short. */
    private IOException handleEndOfStream() {
        h_inboundDone = true;
        if (!h_handshaken) {
            // Not reported: a client that connects and leaves (a health check, a scan) said nothing wrong.
            return handleFail(new SSLHandshakeException(peer + " closed the connection during the TLS handshake"), null);
        }
        return handleFail(new SSLException(peer + " closed the connection without a TLS close_notify: what it sent may be"
            + " cut short"), null);
    }

    /**
     * After the first handshake, a record that starts another: TLS 1.3's post-handshake messages
     * (a key update) are answered; a TLS 1.2 renegotiation is refused.
     */
    private void handleAfterHandshake(HandshakeStatus status) throws IOException {
        if (status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED) {
            return;
        }
        if (!"TLSv1.3".equals(engine.getSession().getProtocol())) {
            throw handleFail(new SSLException("TLS renegotiation refused: " + peer + " asked for a new handshake on "
                + engine.getSession().getProtocol()), "TLS renegotiation refused on the connection with ");
        }
        while (true) {
            status = engine.getHandshakeStatus();
            if (status == HandshakeStatus.NEED_TASK) {
                handleRunTasks();
            } else if (status == HandshakeStatus.NEED_WRAP) {
                if (!handleWrapControl()) {
                    return; // what is already waiting goes first; the answer follows when it has
                }
            } else {
                return;
            }
        }
    }

    /**
     * The source, or an owner, waits to read: registers what that takes. What the connection
     * knows already — the peer's close_notify, a failure, decrypted bytes held — the selector will
     * never report, so the source is readable again at once (the owner hears it at the end of the
     * round): its next read gives the end, the failure or the bytes.
     */
    void handleAwaitReadable() {
        if (h_closed) {
            return;
        }
        if (h_failure != null || h_inboundDone || appIn.handleHasRemaining()) {
            h_source.handleReadable();
            handleTellOwnerLater(SelectionKey.OP_READ);
        } else if (h_handshaken) {
            h_interest.handleAddOps(SelectionKey.OP_READ);
        }
        // During the handshake it has registered what it needs itself.
    }

    // ---------------------------------------------------------------- writing

    /**
     * Encrypts what it can of {@code src} and writes it: the plaintext bytes taken, 0 when no
     * record can be sent now (the handshake is not done, or records made earlier wait for the
     * socket: then OP_WRITE, or what the handshake needs, is registered). Records made from taken
     * bytes that the socket did not take wait in {@code netOut}; see {@link #handleHoldsOutput()}.
     */
    int handleWrite(ByteBuffer src) throws IOException {
        handleThrowIfFailed();
        if (h_outboundClosed) {
            throw new IOException("TLS connection with " + peer + ": close_notify was sent, nothing more can be");
        }
        if (!h_handshaken && !handleHandshake()) {
            return 0;
        }
        int taken = 0;
        try {
            while (src.hasRemaining() && handleFlush()) {
                ByteBuffer records = netOut.handleGet().compact();
                HandshakeStatus status = HandshakeStatus.NOT_HANDSHAKING;
                try {
                    // Several records per write: a pooled netOut holds four of the largest.
                    while (src.hasRemaining() && records.remaining() >= packetSize && status == HandshakeStatus.NOT_HANDSHAKING) {
                        SSLEngineResult result = engine.wrap(src, records);
                        taken += result.bytesConsumed();
                        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                            throw new SSLException("the TLS engine for " + peer + " is closed");
                        }
                        if (result.getStatus() != SSLEngineResult.Status.OK) {
                            break; // BUFFER_OVERFLOW: what is made goes out first
                        }
                        status = result.getHandshakeStatus();
                        if (status == HandshakeStatus.FINISHED) {
                            status = HandshakeStatus.NOT_HANDSHAKING;
                        }
                    }
                } finally {
                    records.flip();
                    handleAccount();
                }
                handleAfterHandshake(status);
            }
            handleFlush();
        } catch (SSLException e) {
            throw handleFail(e, "TLS failed on the connection with ");
        } catch (IOException e) {
            throw handleFail(e, null);
        }
        return taken;
    }

    /** Whether records made from bytes already taken wait for the socket. */
    boolean handleHoldsOutput() {
        return netOut.handleHasRemaining();
    }

    /** Bytes of records waiting for the socket. */
    int handleOutputBytes() {
        return netOut.handleRemaining();
    }

    /** The sink waits to write: registers what that takes. */
    void handleAwaitWritable() {
        if (h_failure != null || h_closed) {
            return;
        }
        if (netOut.handleHasRemaining()) {
            h_interest.handleAddOps(SelectionKey.OP_WRITE);
        }
        // During the handshake it has registered what it needs itself; afterwards a sink waits
        // only while records wait for the socket.
    }

    /**
     * Wraps one of the engine's own messages (a handshake flight, an answer, close_notify) after
     * the records already in netOut, and writes what the socket takes: false when there is no
     * room for it until the socket takes what waits (OP_WRITE is registered).
     */
    private boolean handleWrapControl() throws IOException {
        handleFlush();
        ByteBuffer records = netOut.handleGet().compact();
        SSLEngineResult result;
        try {
            result = engine.wrap(EMPTY, records);
        } finally {
            records.flip();
            handleAccount();
        }
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            if (netOut.handleHasRemaining()) {
                return false;
            }
            throw new SSLException("a TLS message for " + peer + " is larger than " + netOut.capacity() + " bytes");
        }
        if (result.bytesProduced() == 0 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            throw new SSLException("the TLS engine for " + peer + " asks to send but makes nothing");
        }
        handleFlush();
        return true;
    }

    /**
     * Writes the records waiting in netOut: true when none are left (the buffer goes back to the
     * pool), false when the socket took less (OP_WRITE is registered).
     */
    private boolean handleFlush() throws IOException {
        if (!netOut.handleHasRemaining()) {
            netOut.handleReleaseIfEmpty();
            return true;
        }
        ByteBuffer records = netOut.handleGet();
        try {
            while (records.hasRemaining()) {
                if (channel.write(records) == 0) {
                    h_interest.handleAddOps(SelectionKey.OP_WRITE);
                    return false;
                }
            }
        } finally {
            handleAccount();
        }
        netOut.handleReleaseIfEmpty();
        if (h_shutdownOutputWhenFlushed) {
            h_shutdownOutputWhenFlushed = false;
            handleShutdownOutput();
        }
        return true;
    }

    // ---------------------------------------------------------------- the handshake

    /**
     * Moves the handshake as far as the socket allows: true once it is done, false while it waits
     * (for the peer: OP_READ is registered; for the socket to take records: OP_WRITE).
     */
    private boolean handleHandshake() throws IOException {
        if (h_handshaken) {
            return true;
        }
        try {
            if (!h_started) {
                h_started = true;
                engine.beginHandshake();
            }
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK -> handleRunTasks();
                    case NEED_WRAP -> {
                        if (!handleWrapControl()) {
                            return false;
                        }
                        if (engine.isOutboundDone()) { // an alert went out: the engine has failed
                            throw new SSLHandshakeException("the TLS handshake with " + peer + " ended with an alert");
                        }
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (!handleFlush()) {
                            return false; // our records go first: the peer waits for them
                        }
                        if (!handleUnwrapHandshake()) {
                            return false;
                        }
                    }
                    default -> { // FINISHED, NOT_HANDSHAKING
                        if (!handleFlush()) {
                            return false; // the last flight must be out before the handshake counts as done
                        }
                        handleHandshaken();
                        return true;
                    }
                }
            }
        } catch (SSLException e) {
            if (h_failure == null) {
                handleSendAlert();
            }
            throw handleFail(named(e), "TLS handshake failed with ");
        } catch (IOException e) {
            throw handleFail(e, null); // the socket failed: the peer went away
        } finally {
            netIn.handleReleaseIfEmpty();
            appIn.handleReleaseIfEmpty();
        }
    }

    /** Unwraps one handshake record, reading the socket when none is whole; false when it must wait for the peer. */
    private boolean handleUnwrapHandshake() throws IOException {
        ByteBuffer records = netIn.handleGet();
        while (true) {
            if (records.hasRemaining()) {
                ByteBuffer held = appIn.handleGet();
                held.compact();
                SSLEngineResult result;
                try {
                    result = engine.unwrap(records, held); // handshake records decrypt to nothing
                } finally {
                    held.flip();
                    handleAccount();
                }
                switch (result.getStatus()) {
                    case OK:
                        return true;
                    case CLOSED:
                        throw new SSLHandshakeException(peer + " closed the TLS connection during the handshake");
                    case BUFFER_OVERFLOW:
                        throw new SSLException("a TLS handshake record from " + peer + " is larger than " + appIn.capacity()
                            + " bytes");
                    default:
                        break; // BUFFER_UNDERFLOW: read more
                }
            }
            int read = handleFill(records);
            if (read < 0) {
                throw handleEndOfStream();
            }
            if (read == 0) {
                h_interest.handleAddOps(SelectionKey.OP_READ);
                return false;
            }
        }
    }

    /** A handshake failure as it is, or, for a session that names its peer, with the peer's name in front. */
    private SSLException named(SSLException e) {
        if (!namesPeer || h_failure != null || String.valueOf(e.getMessage()).contains(peer)) {
            return e;
        }
        SSLHandshakeException named = new SSLHandshakeException("TLS handshake with " + peer + " failed: " + e.getMessage()
            + outOfDate(e));
        named.initCause(e);
        return named;
    }

    /**
     * Why the peer's certificate was out of date, if it was: the JDK says only "validity check
     * failed", and the certificate's dates are in a cause deep in the chain.
     */
    private static String outOfDate(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.security.cert.CertificateExpiredException) {
                return " (the certificate has expired: " + cause.getMessage() + ")";
            }
            if (cause instanceof java.security.cert.CertificateNotYetValidException) {
                return " (the certificate is not valid yet: " + cause.getMessage() + ")";
            }
        }
        return "";
    }

    private void handleRunTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** The handshake is done: no deadline any more; both sides may move. */
    private void handleHandshaken() {
        h_handshaken = true;
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        h_source.handleReadable();
        h_sink.handleHandshaken(); // from inside a read or write: a sink with bytes pending drains at the round's end
        handleTellOwnerLater(READ_WRITE);
        if (h_closeNotifyWhenHandshaken) {
            handleCloseOutbound();
        }
        if (h_outputClosedEarly) {
            if (netOut.handleHasRemaining()) {
                h_shutdownOutputWhenFlushed = true; // the FIN follows close_notify
            } else {
                try {
                    handleShutdownOutput();
                } catch (IOException e) {
                    // the peer is gone: the source hears it
                }
            }
        }
    }

    private void handleDeadline() {
        h_timer = -1;
        if (h_handshaken || h_closed || h_failure != null) {
            return;
        }
        handleFail(new SSLHandshakeException("TLS handshake with " + peer + " not complete within "
            + handshakeTimeoutNanos / 1_000_000 + " ms"), "TLS handshake timed out with ");
    }

    /** After a failed handshake the engine has an alert for the peer: one try to send it, never waiting. */
    private void handleSendAlert() {
        try {
            ByteBuffer records = netOut.handleGet().compact();
            try {
                engine.wrap(EMPTY, records);
            } finally {
                records.flip();
                handleAccount();
            }
            channel.write(netOut.handleGet());
        } catch (IOException | RuntimeException e) {
            // the peer is gone or the engine has nothing to say: the connection closes all the same
        }
    }

    // ---------------------------------------------------------------- readiness

    @Override
    public void handleReady(int readyOps) {
        if (!h_interest.handleIsValid()) {
            return;
        }
        h_interest.handleRemoveOps(readyOps);
        if (h_closed || h_failure != null) {
            return;
        }
        if (h_connect != null) {
            h_connect.handleConnectable(); // connecting, the key waits for OP_CONNECT alone
            return;
        }
        boolean wasHandshaken = h_handshaken;
        try {
            if (!handleFlush()) {
                readyOps &= ~SelectionKey.OP_WRITE; // records still wait: the sink cannot take more
            }
            if (!h_handshaken && !handleHandshake()) {
                return; // it waits for what it has registered
            }
            if (wasHandshaken && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                handleAfterHandshake(HandshakeStatus.NEED_WRAP); // an answer that waited for room in netOut
            }
        } catch (IOException e) {
            handleFail(e, null); // recorded (and reported if worth it) already, unless the socket itself failed
            return; // the sides hear it at the end of the round
        }
        if (!wasHandshaken) {
            readyOps |= READ_WRITE; // handleHandshaken told the sides; the owner hears it now
        } else {
            if ((readyOps & SelectionKey.OP_READ) != 0) {
                h_source.handleReadable();
            }
            if ((readyOps & SelectionKey.OP_WRITE) != 0) {
                h_sink.handleWritable();
            }
        }
        readyOps &= READ_WRITE;
        if (h_owner != null && !h_closed && readyOps != 0) {
            h_ownerOps &= ~readyOps; // told now, not again at the end of the round
            h_owner.handleReady(readyOps);
        }
    }

    /** An owner's bytes written before the handshake have been drained: it hears the socket writable. */
    void handleTellOwnerWritable() {
        if (h_owner != null && !h_closed && h_failure == null) {
            h_owner.handleReady(SelectionKey.OP_WRITE);
        }
    }

    /** The owner hears {@code ops} at the end of the round: not from inside its own read or write. */
    private void handleTellOwnerLater(int ops) {
        if (h_owner == null) {
            return;
        }
        if (h_ownerOps == 0) {
            reactor.handleAtRoundEnd(h_tellOwner);
        }
        h_ownerOps |= ops;
    }

    private void handleTellOwner() {
        int ops = h_ownerOps;
        h_ownerOps = 0;
        if (ops != 0 && !h_closed) {
            h_owner.handleReady(ops);
        }
    }

    // ---------------------------------------------------------------- failing

    private void handleThrowIfFailed() throws IOException {
        if (h_failure != null) {
            throw h_failure;
        }
        if (h_closed) {
            throw new IOException("TLS connection with " + peer + " is closed");
        }
    }

    /**
     * Records the connection's failure, once; reports it when an owner drives the sides and
     * {@code reportAs} says how (null: not worth a report, such as a peer that just went away or
     * a socket that failed under it). Every later read or write throws it; the sides, or the
     * owner, hear it at the end of the round.
     *
     * @return the failure to throw
     */
    private IOException handleFail(IOException failure, String reportAs) {
        if (h_failure != null) {
            return h_failure;
        }
        h_failure = failure;
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        if (reportAs != null && h_owner != null && !namesPeer) {
            // A server's owner would not know why a client was turned away; a client's owner
            // (an HTTP client) fails its exchange with the failure, which names the server.
            reactor.handleReport(reportAs + peer, failure);
        }
        reactor.handleAtRoundEnd(h_failSides);
        return failure;
    }

    /**
     * The sides hear the failure: the sink closes with it (a writer, or an owner that flushes,
     * meets a closed sink), the source fails its fibers; an owner hears both operations and meets
     * the failure at its next read or write, whatever it was waiting for, and closes the sides.
     */
    private void handleFailSides() {
        if (h_closed) {
            return;
        }
        if (!h_sink.handleIsClosed()) {
            h_sink.handleClose(h_failure);
        }
        if (h_owner != null) {
            if (!h_closed) {
                h_owner.handleReady(READ_WRITE);
            }
            return;
        }
        if (!h_source.handleIsClosed()) {
            h_source.handleFailed(h_failure);
        }
    }

    // ---------------------------------------------------------------- closing

    /**
     * No more plaintext will be written: close_notify goes out after the records before it. If
     * the socket cannot take it now it is written when it can, while the other side is open; the
     * connection does not wait for it to close.
     */
    void handleCloseOutbound() {
        if (!h_handshaken && h_failure == null && !h_closed) {
            h_closeNotifyWhenHandshaken = true; // the sink finished before the handshake did: it goes out after
            return;
        }
        if (h_outboundClosed || h_failure != null || h_closed || !h_handshaken) {
            return; // a connection that failed, or never had a handshake, has nothing to close politely
        }
        h_outboundClosed = true;
        engine.closeOutbound();
        try {
            for (int i = 0; i < 4 && !engine.isOutboundDone() && handleWrapControl(); i++) {
                // close_notify: one message
            }
        } catch (IOException e) {
            // the peer is gone: it hears no close_notify, and the socket closes all the same
        }
    }

    /**
     * A side closes: the first half-closes the socket (for the sink, after close_notify if it was
     * sent and the socket has not taken it yet), the second closes it. Closing sends no
     * close_notify by itself: only a sink that finished does, so a connection cut short looks cut
     * short to the peer.
     */
    void handleCloseSide(boolean output) throws IOException {
        h_openSides--;
        if (h_openSides > 0 && !h_closed && channel.isOpen()) {
            if (!h_handshaken) {
                // Connecting or handshaking: a half-close now would cut the handshake; the sink's waits for it.
                h_outputClosedEarly |= output;
                return;
            }
            if (!output) {
                channel.shutdownInput();
            } else if (netOut.handleHasRemaining()) {
                h_shutdownOutputWhenFlushed = true; // the FIN follows close_notify
            } else {
                handleShutdownOutput();
            }
            return;
        }
        if (h_openSides <= 0) {
            if (h_connect != null) {
                h_connect.handleAbandon();
                h_connect = null;
            }
            handleCloseChannel();
        }
    }

    private void handleShutdownOutput() throws IOException {
        if (channel.isOpen()) {
            channel.shutdownOutput();
        }
    }

    private void handleCloseChannel() throws IOException {
        if (h_closed) {
            return;
        }
        h_closed = true;
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
        netIn.handleRelease();
        appIn.handleRelease();
        netOut.handleRelease();
        handleAccount();
        if (h_interest != null) {
            reactor.handleDeregister(h_interest);
        } else {
            channel.close();
        }
    }

    /** Brings the catalyst's retained bytes in line with the decrypted bytes and records held now (N3). */
    private void handleAccount() {
        long held = (long) appIn.handleRemaining() + netOut.handleRemaining();
        if (held != h_retained) {
            reactor.handleRetain(held - h_retained);
            h_retained = held;
        }
    }
}
