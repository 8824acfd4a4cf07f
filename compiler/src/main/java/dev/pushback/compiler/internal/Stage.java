package dev.pushback.compiler.internal;

/**
 * One step of a fused fiber body. A body is a tree of stages ending in sinks; a move pushes one
 * element through it. Stages run on the catalyst thread and hold no elements between moves.
 */
abstract class Stage {
    /** Where the fiber failed, shared by its stages; set by the compiler. */
    FailureSite site;
    // The name failures are reported under: "map #2" is label "map", ordinal 2; a map chain's
    // maps are consecutive ordinals; "sink stdout" is label "sink", detail "stdout". Kept in
    // parts and joined only when something fails: a graph per HTTP exchange compiles these.
    private String label;
    private String detail;
    private int first;

    abstract void accept(Object element) throws Exception;

    /** The fiber's input ended: flush what a stateful stage holds, then pass the end on. */
    void end() throws Exception {}

    /** Names this stage for failure reports: its user functions are {@code label #first}, {@code #first + 1}, … */
    final Stage named(FailureSite site, String label, int first) {
        this.site = site;
        this.label = label;
        this.first = first;
        return this;
    }

    /** Names this stage for failure reports as {@code label detail} ({@code sink stdout}). */
    final Stage named(FailureSite site, String label, String detail) {
        this.site = site;
        this.label = label;
        this.detail = detail;
        return this;
    }

    /** The name of user function {@code index} of this stage. */
    final String nameOf(int index) {
        return detail != null ? label + " " + detail : label + " #" + (first + index);
    }

    /**
     * Notes that the user code of name {@code index} threw {@code failure}, unless a stage further
     * down noted it first, and rethrows it unchanged: {@code throw failed(t, 0);}. Only the throw
     * pays: a try around user code costs nothing while nothing is thrown.
     */
    final RuntimeException failed(Throwable failure, int index) {
        if (site != null && label != null) {
            site.handleNote(this, index);
        }
        return FailureSite.rethrow(failure);
    }
}
