package dev.pushback.compiler.internal;

import java.nio.ByteBuffer;

/**
 * Cut-through broadcast (DESIGN N4): every branch gets the same element; a byte chunk is shared,
 * each branch starting from the chunk's own position. Nothing is copied or stored.
 */
final class BroadcastStage extends Stage {
    private final Stage[] branches;

    BroadcastStage(Stage[] branches) {
        this.branches = branches;
    }

    @Override
    void accept(Object element) throws Exception {
        if (element instanceof ByteBuffer chunk) {
            int position = chunk.position();
            int limit = chunk.limit();
            for (Stage branch : branches) {
                chunk.limit(limit).position(position);
                branch.accept(chunk);
            }
            chunk.limit(limit).position(position);
            return;
        }
        for (Stage branch : branches) {
            branch.accept(element);
        }
    }

    @Override
    void end() throws Exception {
        for (Stage branch : branches) {
            branch.end();
        }
    }
}
