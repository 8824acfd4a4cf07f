package dev.pushback.compiler.internal;

/**
 * One step of a fused fiber body. A body is a tree of stages ending in sinks; a move pushes one
 * element through it. Stages run on the catalyst thread and hold no elements between moves.
 */
abstract class Stage {
    /** Where the fiber failed, shared by its stages; set by the compiler. */
    FailureSite site;
    /** The names failures are reported under, one per user function of the stage ({@code map #2}). */
    String[] names;

    abstract void accept(Object element) throws Exception;

    /** The fiber's input ended: flush what a stateful stage holds, then pass the end on. */
    void end() throws Exception {}

    /** Names this stage for failure reports. */
    final Stage named(FailureSite site, String... names) {
        this.site = site;
        this.names = names;
        return this;
    }

    /**
     * Notes that the user code of name {@code index} threw {@code failure}, unless a stage further
     * down noted it first, and rethrows it unchanged: {@code throw failed(t, 0);}. Only the throw
     * pays: a try around user code costs nothing while nothing is thrown.
     */
    final RuntimeException failed(Throwable failure, int index) {
        if (site != null && names != null) {
            site.handleNote(names[Math.min(index, names.length - 1)]);
        }
        return FailureSite.rethrow(failure);
    }
}
