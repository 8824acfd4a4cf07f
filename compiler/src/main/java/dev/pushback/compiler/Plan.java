package dev.pushback.compiler;

import java.util.concurrent.CompletableFuture;

/**
 * A compiled graph: its fibers, their endpoints and masks, and the memory it can hold (DESIGN C1,
 * N3). {@link #explain()} prints it as text and {@link #dot()} as Graphviz; once started, both
 * show the bits each endpoint got.
 *
 * <pre>{@code
 * Plan plan = graph.compile();
 * System.out.print(plan.explain());            // fibers, masks, endpoints and the memory bound
 * assert catalyst.retainedBytes() <= plan.retainedBound();
 * }</pre>
 */
public interface Plan {
    /**
     * The most data bytes the running graph can hold beyond the chunk each fiber moves — pending
     * writes, hand-offs, explicit buffers: the bound on the catalyst's retained bytes that DESIGN
     * N3 promises, computed from the endpoints. Assumes each element (and each transform's output
     * for one element) is at most one chunk.
     */
    long retainedBound();

    /** {@link #retainedBound()} plus the buffers the endpoints own: O(endpoints × chunk size). */
    long memoryBound();

    /**
     * Elements dropped so far by dropping branches (DESIGN N5): exact on the catalyst thread, a
     * recent count elsewhere.
     */
    long dropped();

    /**
     * Completes when every fiber has ended and every sink has closed; exceptionally with the first
     * failure. A sink failed by a detaching branch is not a failure of the graph.
     */
    CompletableFuture<Void> completion();

    /** The plan as text: every fiber, its stages and endpoints, bits and mask. */
    String explain();

    /** The plan as Graphviz dot: a cluster per fiber; endpoints shared by fibers appear once. */
    String dot();
}
