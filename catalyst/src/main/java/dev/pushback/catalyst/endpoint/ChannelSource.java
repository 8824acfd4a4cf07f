package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.catalyst.Catalyst;

/**
 * The reading side of a selectable channel: a socket, or the source end of a {@link java.nio.channels.Pipe}.
 * One non-blocking read per chunk into a pooled direct buffer; a read of 0 bytes clears the bit
 * and registers OP_READ (DESIGN N2).
 *
 * <pre>{@code
 * Pipe pipe = Pipe.open();
 * ChannelSource in = ChannelSource.of(catalyst, pipe.source());
 * }</pre>
 */
public final class ChannelSource extends AbstractByteSource {
    private final ChannelRegistration registration;
    private final ReadableByteChannel channel;

    ChannelSource(Catalyst catalyst, String name, ChannelRegistration registration) {
        super(catalyst, name);
        this.registration = registration;
        this.channel = (ReadableByteChannel) registration.channel();
        registration.h_source = this;
    }

    /** A source reading {@code channel}, which the catalyst owns from now on. */
    public static <C extends SelectableChannel & ReadableByteChannel> ChannelSource of(Catalyst catalyst, C channel) {
        return new ChannelSource(catalyst, channel.toString(), new ChannelRegistration(catalyst, channel));
    }

    /** A socket still connecting is not readable yet (DESIGN N17); otherwise optimistic (N2). */
    @Override
    protected boolean handleInitiallyAvailable() {
        return !registration.handleIsConnecting();
    }

    @Override
    protected void handleOpen() throws IOException {
        registration.handleOpenSide();
    }

    @Override
    protected ByteBuffer handleNextChunk() throws IOException {
        ByteBuffer buffer = handleReadBuffer();
        int read = channel.read(buffer);
        registration.handleRead();
        if (read > 0) {
            return buffer.flip();
        }
        return handleNothing(read < 0);
    }

    /** The operations the channel's key is registered for now: the frontier of DESIGN N2. */
    public int handleInterestOps() {
        return registration.handleInterestOps();
    }

    @Override
    protected void handleArm() {
        registration.handleInterest(SelectionKey.OP_READ);
    }

    /**
     * Waits for the channel to become readable without a fiber: for a source opened by
     * {@link SocketEndpoints#handleOpen}, whose owner hears it through its {@code ReadyHandler}.
     */
    public void handleAwaitReadable() {
        registration.handleInterest(SelectionKey.OP_READ);
    }

    void handleReadable() {
        handleSetAvailable();
    }

    /** The socket has connected: a read may give bytes now. */
    void handleConnected() {
        if (!handleIsClosed()) {
            handleSetAvailable();
        }
    }

    /** The socket could not connect: the fibers reading it fail now, with {@code cause}. */
    void handleConnectFailed(IOException cause) {
        handleFail(cause);
    }

    ChannelRegistration registration() {
        return registration;
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        registration.handleCloseSide(false);
    }
}
