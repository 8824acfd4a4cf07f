package dev.pushback.compiler.internal;

import dev.pushback.catalyst.spi.AbstractSink;

final class SinkStage extends Stage {
    private final AbstractSink<Object> sink;

    @SuppressWarnings("unchecked")
    SinkStage(AbstractSink<?> sink) {
        this.sink = (AbstractSink<Object>) sink;
    }

    @Override
    void accept(Object element) throws Exception {
        if (sink.handleIsClosed()) {
            throw sink.handleClosedFailure(); // the sink's own failure, not a second one

        }
        try {
            sink.handleAccept(element); // from this shape's own class: a monomorphic call site
        } catch (Throwable t) {
            throw failed(t, 0);
        }
    }
}
