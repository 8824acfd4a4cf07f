package dev.pushback.catalyst.internal;

import java.nio.ReadOnlyBufferException;

/** What a failure report adds when the cause is a known mistake with a known remedy. */
final class Hints {
    private Hints() {}

    /** A hint in parentheses, led by a space, or the empty string. */
    static String of(Throwable cause) {
        if (cause instanceof ReadOnlyBufferException) {
            return " (byte chunks are read-only; copy before changing: ByteBuffer.allocate(chunk.remaining()).put(chunk))";
        }
        return "";
    }
}
