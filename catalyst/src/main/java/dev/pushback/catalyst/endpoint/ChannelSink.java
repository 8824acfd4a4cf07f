package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.WritableByteChannel;

import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.Catalyst;

/**
 * The writing side of a selectable channel: a socket, or the sink end of a {@link java.nio.channels.Pipe}.
 * A partial write keeps the rest pending, clears the bit and registers OP_WRITE until drained; on
 * finishing, a socket shuts down its output and a pipe closes.
 */
public final class ChannelSink extends AbstractByteSink {
    private final ChannelRegistration registration;
    private final WritableByteChannel channel;

    ChannelSink(Catalyst catalyst, String name, ChannelRegistration registration) {
        super(catalyst, name);
        this.registration = registration;
        this.channel = (WritableByteChannel) registration.channel();
        registration.h_sink = this;
    }

    /** A sink writing {@code channel}, which the catalyst owns from now on. */
    public static <C extends SelectableChannel & WritableByteChannel> ChannelSink of(Catalyst catalyst, C channel) {
        return new ChannelSink(catalyst, channel.toString(), new ChannelRegistration(catalyst, channel));
    }

    /** A socket still connecting is not writable yet (DESIGN N17); otherwise optimistic (N2). */
    @Override
    protected boolean handleInitiallyAvailable() {
        return !registration.handleIsConnecting();
    }

    @Override
    protected void handleOpen() throws IOException {
        registration.handleOpenSide();
    }

    @Override
    protected int handleWrite(ByteBuffer source) throws IOException {
        return channel.write(source);
    }

    @Override
    protected void handleArmDrain() {
        registration.handleInterest(SelectionKey.OP_WRITE);
    }

    /** The operations the channel's key is registered for now: the frontier of DESIGN N2. */
    public int handleInterestOps() {
        return registration.handleInterestOps();
    }

    @Override
    protected void handleArm() {
        registration.handleInterest(SelectionKey.OP_WRITE);
    }

    void handleWritable() {
        handleDrain();
    }

    /** The socket has connected: it can take bytes now (it holds none: nothing was offered before). */
    void handleConnected() {
        if (!handleIsClosed()) {
            handleSetAvailable();
        }
    }

    /** The socket could not connect: the fibers feeding it fail now, with {@code cause}. */
    void handleConnectFailed(IOException cause) {
        handleFail(cause);
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        registration.handleCloseSide(true);
    }
}
