package dev.pushback.catalyst.endpoint;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;

import org.jctools.queues.SpscArrayQueue;

import dev.pushback.catalyst.spi.AbstractByteSink;
import dev.pushback.catalyst.Catalyst;

/**
 * A sink whose bytes leave the catalyst through another thread (DESIGN N14): a chunk is copied into
 * one of two buffers and handed over; the other thread gives each buffer back once it is done with
 * it. The sink is writable while a buffer is free, so it runs at most one chunk ahead of that
 * thread. Hand-offs go through a single-producer queue and back through {@link Catalyst#execute}
 * with a task made once per buffer: nothing is allocated per chunk.
 */
abstract class BridgeSink extends AbstractByteSink {
    private final SpscArrayQueue<HandOff> handed = new SpscArrayQueue<>(2);
    private final ArrayDeque<HandOff> h_free = new ArrayDeque<>(2);
    private int h_inFlight;
    private long h_inFlightBytes;
    private volatile long expectedElementBytes;

    BridgeSink(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    /** A buffer was handed over: wake the thread that takes it. */
    abstract void handleHandedOver();

    /** On the other thread: the next buffer handed over, or null. */
    final HandOff takeHanded() {
        return handed.poll();
    }

    @Override
    public void expectElementBytes(long elementBytes) {
        expectedElementBytes = Math.max(expectedElementBytes, elementBytes);
    }

    /** A buffer holds one whole element: a hand-off per element, not per chunk. */
    private int bufferSize() {
        return (int) Math.max(reactor.pool().chunkSize(), Math.min(Integer.MAX_VALUE, expectedElementBytes));
    }

    /** Two buffers handed over plus one pending chunk and one gathered. */
    @Override
    public long retainedBound() {
        return 2L * bufferSize() + reactor.pool().chunkSize() + gatheredBound();
    }

    /** Two buffers handed over plus one pending element and one gathered chunk. */
    @Override
    public long retainedBound(long elementBytes) {
        return 2L * Math.max(bufferSize(), elementBytes) + elementBytes + gatheredBound();
    }

    @Override
    public long ownedBufferBytes() {
        return 2L * bufferSize();
    }

    @Override
    protected void handleOpen() throws Exception {
        int size = bufferSize();
        h_free.add(new HandOff(ByteBuffer.allocateDirect(size)));
        h_free.add(new HandOff(ByteBuffer.allocateDirect(size)));
    }

    @Override
    protected final int handleWrite(ByteBuffer source) {
        HandOff free = h_free.pollFirst();
        if (free == null) {
            return 0;
        }
        ByteBuffer buffer = free.buffer;
        int length = Math.min(source.remaining(), buffer.capacity());
        int limit = source.limit();
        source.limit(source.position() + length);
        buffer.clear();
        buffer.put(source).flip();
        source.limit(limit);
        h_inFlight++;
        h_inFlightBytes += length;
        reactor.handleRetain(length);
        handed.offer(free);
        handleHandedOver();
        if (h_free.isEmpty()) {
            handleClearAvailable();
        }
        return length;
    }

    @Override
    protected final void handleArmDrain() {
        // every buffer handed over comes back by itself; nothing to register
    }

    @Override
    protected final boolean handleHasPending() {
        return super.handleHasPending() || h_inFlight > 0;
    }

    @Override
    protected void handleRelease() throws Exception {
        super.handleRelease();
        reactor.handleRetain(-h_inFlightBytes); // buffers still handed over are the other thread's now
        h_inFlightBytes = 0;
    }

    /** A buffer and its giving-back task. */
    final class HandOff implements Runnable {
        final ByteBuffer buffer;

        private HandOff(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        /** On the other thread: done with the buffer; false if the catalyst is gone. */
        boolean giveBack() {
            try {
                reactor.execute(this);
                return true;
            } catch (RejectedExecutionException closed) {
                return false;
            }
        }

        @Override
        public void run() {
            if (handleIsClosed()) {
                return;
            }
            h_inFlight--;
            h_inFlightBytes -= buffer.limit();
            reactor.handleRetain(-buffer.limit());
            h_free.addLast(this);
            if (handleHasPendingElement()) {
                handleDrain();
            } else {
                handleSetAvailable();
                handleFinishIfDrained();
            }
        }
    }
}
