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
            sink.handleOffer(element); // throws the sink's "closed" error
        }
        sink.handleAccept(element); // from this shape's own class: a monomorphic call site
    }
}
