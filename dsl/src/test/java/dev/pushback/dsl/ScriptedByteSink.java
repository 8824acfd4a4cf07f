package dev.pushback.dsl;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.Catalyst;

/**
 * A byte sink whose writes a test schedules: each write takes at most the allowance granted so far
 * (none left: the write returns 0, as a full socket does), and every byte written is recorded. It
 * never arms anything; granting more allowance drains what is pending, the way a selector's
 * {@code OP_WRITE} would. Catalyst thread only.
 */
final class ScriptedByteSink extends AbstractByteSink {
    private final ByteArrayOutputStream h_written = new ByteArrayOutputStream();
    private long h_allowance;
    private boolean h_unlimited;
    private long h_writes;
    private long h_shortWrites;

    ScriptedByteSink(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    @Override
    protected int handleWrite(ByteBuffer source) {
        h_writes++;
        int length = h_unlimited ? source.remaining() : (int) Math.min(h_allowance, source.remaining());
        if (length < source.remaining()) {
            h_shortWrites++;
        }
        if (length == 0) {
            return 0;
        }
        byte[] bytes = new byte[length];
        source.get(bytes);
        h_written.write(bytes, 0, length);
        if (!h_unlimited) {
            h_allowance -= length;
        }
        return length;
    }

    @Override
    protected void handleArmDrain() {
        // the schedule calls handleGrant when the "socket" can take bytes again
    }

    /** The underlying IO can take {@code bytes} more; drains what is pending. */
    void handleGrant(long bytes) {
        h_allowance += bytes;
        handleDrainIfPending();
    }

    /** From now on every write takes everything; drains what is pending. */
    void handleUnlimited() {
        h_unlimited = true;
        handleDrainIfPending();
    }

    private void handleDrainIfPending() {
        if (handleHasPending()) {
            handleDrain();
        }
    }

    /** Every byte written so far, in order. */
    byte[] handleWritten() {
        return h_written.toByteArray();
    }

    long handleWrites() {
        return h_writes;
    }

    /** Writes that took less than they were offered (including those that took nothing). */
    long handleShortWrites() {
        return h_shortWrites;
    }

    boolean handlePending() {
        return handleHasPending();
    }
}
