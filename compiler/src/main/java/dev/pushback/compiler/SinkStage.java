package dev.pushback.compiler;

import dev.pushback.catalyst.Sink;

final class SinkStage extends Stage {
    private final Sink<Object> sink;

    @SuppressWarnings("unchecked")
    SinkStage(Sink<?> sink) {
        this.sink = (Sink<Object>) sink;
    }

    @Override
    void accept(Object element) throws Exception {
        if (sink.handleIsClosed()) {
            throw new java.io.IOException(sink.name() + " is closed");
        }
        sink.handleAccept(element); // from this shape's own class: a monomorphic call site
    }
}
