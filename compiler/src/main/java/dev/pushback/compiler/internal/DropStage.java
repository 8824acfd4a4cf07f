package dev.pushback.compiler.internal;

import dev.pushback.catalyst.spi.AbstractSink;

/**
 * A dropping branch (DESIGN N5): not part of the fiber's mask, so it never throttles; an element
 * is passed on only while every sink below is writable, and otherwise dropped and counted.
 */
final class DropStage extends Stage {
    private final AbstractSink<?>[] sinks;
    private final Stage next;
    private long h_dropped;

    DropStage(AbstractSink<?>[] sinks, Stage next) {
        this.sinks = sinks;
        this.next = next;
    }

    @Override
    void accept(Object element) throws Exception {
        for (AbstractSink<?> sink : sinks) {
            if (!sink.handleIsAvailable() || sink.handleIsClosed()) {
                h_dropped++;
                return;
            }
        }
        next.accept(element);
    }

    @Override
    void end() throws Exception {
        next.end();
    }

    long dropped() {
        return h_dropped;
    }
}
