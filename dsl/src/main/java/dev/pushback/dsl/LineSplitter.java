package dev.pushback.dsl;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.pushback.compiler.Transform;

/**
 * Splits byte chunks into lines when the chunks do not come straight from a byte source (there,
 * the source frames lines itself). Lines inside a chunk are views of it; a line cut by a chunk
 * boundary is gathered in a carry of at most {@code maxLineLength} bytes.
 */
final class LineSplitter implements Transform<ByteBuffer, ByteBuffer> {
    private final int maxLineLength;
    private ByteBuffer h_carry = ByteBuffer.allocate(0);

    LineSplitter(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    @Override
    public void accept(ByteBuffer chunk, Emitter<? super ByteBuffer> out) throws Exception {
        int start = chunk.position();
        int limit = chunk.limit();
        for (int i = start; i < limit; i++) {
            if (chunk.get(i) == '\n') {
                if (h_carry.position() > 0) {
                    append(chunk, start, i + 1);
                    out.emit(h_carry.flip());
                    h_carry.clear();
                } else {
                    chunk.limit(i + 1).position(start);
                    out.emit(chunk);
                    chunk.limit(limit);
                }
                start = i + 1;
            }
        }
        append(chunk, start, limit);
        chunk.limit(limit).position(limit);
    }

    private void append(ByteBuffer chunk, int from, int to) throws IOException {
        int length = to - from;
        if (length == 0) {
            return;
        }
        if (h_carry.position() + length > maxLineLength) {
            throw new IOException("line longer than " + maxLineLength + " bytes");
        }
        if (h_carry.remaining() < length) {
            ByteBuffer larger = ByteBuffer.allocate(Math.min(maxLineLength, Math.max(256, 2 * (h_carry.position() + length))));
            larger.put(h_carry.flip());
            h_carry = larger;
        }
        int limit = chunk.limit();
        chunk.limit(to).position(from);
        h_carry.put(chunk);
        chunk.limit(limit);
    }

    @Override
    public void end(Emitter<? super ByteBuffer> out) throws Exception {
        if (h_carry.position() > 0) {
            out.emit(h_carry.flip());
            h_carry.clear();
        }
    }
}
