package dev.pushback.compiler.ir;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import dev.pushback.compiler.Transform;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.catalyst.endpoint.BufferEndpoint;

/**
 * The graph the DSL builds: nodes and their wiring, nothing else. The compiler turns it into a
 * plan of fibers. Not thread-safe; build it on one thread, then compile it.
 */
public final class Dataflow {
    private final List<Node> nodes = new ArrayList<>();

    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    private Node add(Node.Kind kind, String label, Node... upstream) {
        Node node = new Node(nodes.size(), kind, label);
        nodes.add(node);
        for (Node input : upstream) {
            if (input.kind() != Node.Kind.BROADCAST && !input.outputs().isEmpty()) {
                throw new IllegalStateException("'" + input.label() + "' is already connected to '"
                    + input.outputs().get(0).label() + "'; use broadcast() to send a stream to several places");
            }
            if (input.kind() == Node.Kind.SINK) {
                throw new IllegalStateException("'" + input.label() + "' is a sink; nothing comes out of it");
            }
            input.connectTo(node);
        }
        return node;
    }

    public Node source(AbstractSource<?> source) {
        Node node = add(Node.Kind.SOURCE, "source " + source.name());
        node.endpoint = Objects.requireNonNull(source);
        return node;
    }

    public Node map(Node upstream, Object function, String label) {
        Node node = add(Node.Kind.MAP, label, upstream);
        node.function = Objects.requireNonNull(function);
        return node;
    }

    public Node filter(Node upstream, Object predicate, String label) {
        Node node = add(Node.Kind.FILTER, label, upstream);
        node.function = Objects.requireNonNull(predicate);
        return node;
    }

    public Node transform(Node upstream, Supplier<? extends Transform<?, ?>> transform, String label) {
        Node node = add(Node.Kind.TRANSFORM, label, upstream);
        node.transform = Objects.requireNonNull(transform);
        return node;
    }

    /** Splits byte chunks into lines; fused into the source when it reads bytes directly. */
    public Node lines(Node upstream, Supplier<? extends Transform<?, ?>> splitter, int maxLineLength) {
        Node node = transform(upstream, splitter, "lines");
        node.linesTransform = true;
        node.function = maxLineLength;
        return node;
    }

    public Node broadcast(Node upstream) {
        return add(Node.Kind.BROADCAST, "broadcast", upstream);
    }

    public Node branch(Node broadcast, Node.BranchPolicy policy, Duration timeout) {
        if (broadcast.kind() != Node.Kind.BROADCAST) {
            throw new IllegalArgumentException("branches come out of a broadcast");
        }
        if (policy == Node.BranchPolicy.DETACHING && (timeout == null || timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("a detaching branch needs a positive timeout");
        }
        Node node = add(Node.Kind.BRANCH, "branch " + policy.name().toLowerCase()
            + (timeout == null ? "" : " " + timeout), broadcast);
        node.policy = policy;
        node.timeout = timeout;
        return node;
    }

    public Node union(List<Node> inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a union needs at least one input");
        }
        return add(Node.Kind.UNION, "union", inputs.toArray(new Node[0]));
    }

    public Node intersect(List<Node> inputs, Object combiner) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("an intersect needs at least two inputs");
        }
        Node node = add(Node.Kind.INTERSECT, "intersect", inputs.toArray(new Node[0]));
        node.function = Objects.requireNonNull(combiner);
        return node;
    }

    public Node buffer(Node upstream, BufferEndpoint<?> buffer) {
        Node node = add(Node.Kind.BUFFER, "buffer(" + buffer.capacity() + ")", upstream);
        node.buffer = buffer;
        return node;
    }

    public Node sink(Node upstream, AbstractSink<?> sink) {
        Node node = add(Node.Kind.SINK, "sink " + sink.name(), upstream);
        node.endpoint = Objects.requireNonNull(sink);
        return node;
    }
}
