package dev.pushback.compiler.internal;

/**
 * One step of a fused fiber body. A body is a tree of stages ending in sinks; a move pushes one
 * element through it. Stages run on the catalyst thread and hold no elements between moves.
 */
abstract class Stage {
    abstract void accept(Object element) throws Exception;

    /** The fiber's input ended: flush what a stateful stage holds, then pass the end on. */
    void end() throws Exception {}
}
