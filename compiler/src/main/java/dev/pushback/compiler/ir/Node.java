package dev.pushback.compiler.ir;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import dev.pushback.compiler.Transform;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.endpoint.BufferEndpoint;

/**
 * One node of the dataflow graph the DSL builds and the compiler flattens into fibers. A node is
 * created through {@link Dataflow} and wired once; it holds the user's function or endpoint.
 */
public final class Node {
    /** What a node does. */
    public enum Kind {
        /** Gives elements from a {@link dev.pushback.catalyst.spi.AbstractSource}. */
        SOURCE,
        /** One element in, one out. */
        MAP,
        /** One element in, that element or nothing out. */
        FILTER,
        /** One element in, any number out, with state kept per fiber (flatMap, lines, decode). */
        TRANSFORM,
        /** Every element to every branch, cut-through (DESIGN N4). */
        BROADCAST,
        /** One output of a broadcast, with its policy (DESIGN N5). */
        BRANCH,
        /** Elements of every input to one output (DESIGN N6). */
        UNION,
        /** One element of each input combined into one (DESIGN N7). */
        INTERSECT,
        /** An explicit bounded buffer, the only storage (DESIGN N3). */
        BUFFER,
        /** Takes elements into a {@link dev.pushback.catalyst.spi.AbstractSink}. */
        SINK
    }

    /** How a broadcast branch negotiates (DESIGN N5). */
    public enum BranchPolicy {
        /** Part of the AND: the input waits for this branch. */
        THROTTLING,
        /** Never waits: an element is dropped, and counted, while the branch's sink is not writable. */
        DROPPING,
        /** Throttles, but a sink unwritable for longer than the timeout is failed and leaves the AND. */
        DETACHING
    }

    private final int id;
    private final Kind kind;
    private final String label;
    private final List<Node> inputs = new ArrayList<>(2);
    private final List<Node> outputs = new ArrayList<>(2);
    Object function;
    Supplier<? extends Transform<?, ?>> transform;
    boolean linesTransform;
    Endpoint endpoint;
    BufferEndpoint<?> buffer;
    BranchPolicy policy = BranchPolicy.THROTTLING;
    Duration timeout;

    Node(int id, Kind kind, String label) {
        this.id = id;
        this.kind = kind;
        this.label = label;
    }

    public int id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public String label() {
        return label;
    }

    public List<Node> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public List<Node> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    /** The user function: a {@code Function} (MAP), {@code Predicate} (FILTER), or combiner (INTERSECT). */
    public Object function() {
        return function;
    }

    /** Makes the per-fiber state of a TRANSFORM node. */
    public Supplier<? extends Transform<?, ?>> transform() {
        return transform;
    }

    /** Whether this TRANSFORM splits bytes into lines, so that it can be fused into a byte source. */
    public boolean isLinesTransform() {
        return linesTransform;
    }

    /** The endpoint of a SOURCE or SINK node. */
    public Endpoint endpoint() {
        return endpoint;
    }

    public BufferEndpoint<?> buffer() {
        return buffer;
    }

    public BranchPolicy policy() {
        return policy;
    }

    public Duration timeout() {
        return timeout;
    }

    void connectTo(Node downstream) {
        outputs.add(downstream);
        downstream.inputs.add(this);
    }

    @Override
    public String toString() {
        return label;
    }
}
