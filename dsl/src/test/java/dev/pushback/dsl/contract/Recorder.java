package dev.pushback.dsl.contract;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSink;

/**
 * The sink a source under contract feeds: records what it is given (the bytes of byte chunks,
 * copied during the move, since a chunk is only valid until the source's next poll; other elements
 * as they are), counts how often it hears the end, and is writable only while the test lets it be.
 * Catalyst thread only.
 */
final class Recorder extends AbstractSink<Object> {
    private final ByteArrayOutputStream h_bytes = new ByteArrayOutputStream();
    private final List<Object> h_elements = new ArrayList<>();
    private boolean h_writable = true;
    private int h_finishes;
    private int h_late;
    private long h_largest;

    Recorder(Catalyst catalyst, String name) {
        super(catalyst, name);
    }

    @Override
    protected boolean handleInitiallyAvailable() {
        return h_writable;
    }

    @Override
    public void handleAccept(Object element) {
        if (h_finishes > 0 || handleIsFinishing()) {
            h_late++;
        }
        if (element instanceof ByteBuffer chunk) {
            h_largest = Math.max(h_largest, chunk.remaining());
            byte[] bytes = new byte[chunk.remaining()];
            chunk.get(bytes);
            h_bytes.write(bytes, 0, bytes.length);
        } else {
            h_elements.add(element);
        }
    }

    @Override
    protected boolean handleHasPending() {
        return false;
    }

    @Override
    protected void handleFinish() {
        h_finishes++;
    }

    /** Takes elements (true) or turns unwritable (false), as a consumer with or without demand. */
    void handleSetWritable(boolean writable) {
        h_writable = writable;
        if (writable) {
            handleSetAvailable();
        } else {
            handleClearAvailable();
        }
    }

    byte[] handleBytes() {
        return h_bytes.toByteArray();
    }

    int handleByteCount() {
        return h_bytes.size();
    }

    List<Object> handleElements() {
        return h_elements;
    }

    /** How often the end reached this sink: once, by N11. */
    int handleFinishes() {
        return h_finishes;
    }

    /** Elements that came after the end. */
    int handleLate() {
        return h_late;
    }

    /** The largest chunk given. */
    long handleLargest() {
        return h_largest;
    }
}
