package dev.pushback.catalyst.spi;

/** Receives the readiness of a registered channel. */
@FunctionalInterface
public interface ReadyHandler {
    /** Called on the catalyst thread with the ready operations ({@code SelectionKey.OP_*}). */
    void handleReady(int readyOps);
}
