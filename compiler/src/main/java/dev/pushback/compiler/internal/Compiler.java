package dev.pushback.compiler.internal;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pushback.compiler.CompileException;
import dev.pushback.catalyst.spi.AbstractByteSource;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.compiler.ir.Dataflow;
import dev.pushback.compiler.ir.Node;

/**
 * Flattens a {@link Dataflow} into fibers (DESIGN C1): each fiber starts at a source (or an
 * intersect, or the reading side of a buffer) and carries one element per move through a fused
 * tree of stages into the sinks it reaches. Its mask is its sources' readable bits and the
 * writable bits of every sink it reaches on a throttling path.
 *
 * <pre>{@code
 * CompiledPlan plan = Compiler.compile(dataflow, catalyst);
 * System.err.print(plan.explain());
 * catalyst.execute(plan::handleStart);
 * }</pre>
 */
public final class Compiler {
    private Compiler() {}

    public static CompiledPlan compile(Dataflow flow, Catalyst catalyst) {
        validate(flow, catalyst);
        Map<Node, Node> claimedByIntersect = new IdentityHashMap<>(4); // most graphs have no intersect
        for (Node node : flow.nodes()) {
            if (node.kind() == Node.Kind.INTERSECT) {
                for (Node input : node.inputs()) {
                    claimedByIntersect.put(headOfChain(input), node);
                }
            }
        }
        List<CompiledPlan.FiberPlan> fibers = new ArrayList<>();
        for (Node node : flow.nodes()) {
            boolean root = switch (node.kind()) {
                case SOURCE -> !claimedByIntersect.containsKey(node);
                case BUFFER -> !claimedByIntersect.containsKey(node);
                case INTERSECT -> true;
                default -> false;
            };
            if (root) {
                fibers.add(compileRoot(node, catalyst, fibers.size()));
            }
        }
        return new CompiledPlan(catalyst, fibers);
    }

    private static void validate(Dataflow flow, Catalyst catalyst) {
        if (flow.nodes().isEmpty()) {
            throw new CompileException("the graph is empty");
        }
        for (Node node : flow.nodes()) {
            Endpoint endpoint = node.endpoint();
            Catalyst owner = endpoint != null ? endpoint.catalyst() : node.buffer() != null ? node.buffer().sink().catalyst() : catalyst;
            if (owner != catalyst) {
                throw new CompileException("'" + node.label() + "' belongs to catalyst " + owner.roleName()
                    + ", not to " + catalyst.roleName() + " that runs this graph");
            }
            switch (node.kind()) {
                case SINK -> { }
                case BROADCAST -> {
                    if (node.outputs().isEmpty()) {
                        throw new CompileException("broadcast after '" + node.inputs().get(0).label() + "' has no branch");
                    }
                }
                default -> {
                    if (node.outputs().isEmpty()) {
                        throw new CompileException("'" + node.label() + "' is not connected to a sink; end it with to(...)");
                    }
                }
            }
        }
    }

    /** Walks an intersect input up through map/filter to the source or buffer that feeds it. */
    private static Node headOfChain(Node node) {
        Node current = node;
        while (current.kind() == Node.Kind.MAP || current.kind() == Node.Kind.FILTER) {
            current = current.inputs().get(0);
        }
        if (current.kind() != Node.Kind.SOURCE && current.kind() != Node.Kind.BUFFER) {
            throw new CompileException("an intersect input must be a map/filter chain from a source; '"
                + current.label() + "' is in the way — put buffer(1) before the intersect");
        }
        return current;
    }

    private static CompiledPlan.FiberPlan compileRoot(Node root, Catalyst catalyst, int index) {
        Build build = new Build(catalyst);
        if (root.kind() == Node.Kind.INTERSECT) {
            List<Node> inputs = root.inputs();
            AbstractSource<?>[] heads = new AbstractSource<?>[inputs.size()];
            Stage[] chains = new Stage[inputs.size()];
            build.line(0, "intersect", null);
            // The body is built first so that its slots exist; stages of the chains refer to them.
            IntersectBody[] holder = new IntersectBody[1];
            List<Node> chainHeads = new ArrayList<>();
            for (Node input : inputs) {
                chainHeads.add(headOfChain(input));
            }
            for (int i = 0; i < inputs.size(); i++) {
                Node head = chainHeads.get(i);
                heads[i] = headSource(head, build, 1);
                build.mask.add(heads[i]);
            }
            Stage downstream = build.stage(root.outputs().get(0), 1);
            holder[0] = new IntersectBody(heads, chains, root.function(), downstream, build.sinks(), build.mask);
            for (int i = 0; i < inputs.size(); i++) {
                chains[i] = chainStage(inputs.get(i), holder[0].new Slot(i), build);
            }
            return build.finish(index, "intersect", holder[0]);
        }
        AbstractSource<?> head = headSource(root, build, 0);
        build.mask.add(head);
        Node first = root.outputs().get(0);
        if (first.isLinesTransform() && head instanceof AbstractByteSource bytes && root.kind() == Node.Kind.SOURCE) {
            bytes.framing(AbstractByteSource.Framing.LINES, (Integer) first.function()); // fused: lines are views of the chunk
            build.line(1, "lines (fused into source)", null);
            first = first.outputs().get(0);
        }
        Stage downstream = build.stage(first, 1);
        FusedBody body = Stages.sourceBody(head, downstream, build.sinks(), build.mask);
        return build.finish(index, head.name(), body);
    }

    private static AbstractSource<?> headSource(Node node, Build build, int depth) {
        AbstractSource<?> source = node.kind() == Node.Kind.BUFFER ? node.buffer().source() : (AbstractSource<?>) node.endpoint();
        build.line(depth, (node.kind() == Node.Kind.BUFFER ? "from " : "source ") + source.name(), source);
        build.heads.add(source);
        return source;
    }

    /** The map/filter chain from an intersect input's head down to the input, ending in its slot. */
    private static Stage chainStage(Node input, Stage slot, Build build) {
        List<Node> chain = new ArrayList<>();
        for (Node n = input; n.kind() == Node.Kind.MAP || n.kind() == Node.Kind.FILTER; n = n.inputs().get(0)) {
            chain.add(0, n);
        }
        Stage stage = slot;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Node n = chain.get(i);
            stage = (n.kind() == Node.Kind.MAP ? Stages.map(n.function(), stage) : Stages.filter(n.function(), stage))
                .named(build.site, n.label(), build.ordinal(n.label()));
        }
        return stage;
    }

    /** State of compiling one fiber. */
    private static final class Build {
        final Catalyst catalyst;
        final List<AbstractSource<?>> heads = new ArrayList<>();
        final List<Endpoint> mask = new ArrayList<>();
        final Map<AbstractSink<?>, Integer> paths = new LinkedHashMap<>();
        final List<List<AbstractSink<?>>> subtreeSinks = new ArrayList<>();
        final List<DetachStage> detaches = new ArrayList<>();
        final List<DropStage> drops = new ArrayList<>();
        final List<CompiledPlan.Line> outline = new ArrayList<>();
        final FailureSite site = new FailureSite();
        // Made with the first user stage: a graph with none (an HTTP echo) needs no map.
        private Map<String, Integer> ordinals;
        int dropping;

        Build(Catalyst catalyst) {
            this.catalyst = catalyst;
        }

        void line(int depth, String text, Endpoint endpoint) {
            outline.add(new CompiledPlan.Line(depth, text, endpoint));
        }

        /** A user stage's ordinal among those of its label in the fiber: the 2 of {@code map #2}. */
        int ordinal(String label) {
            if (ordinals == null) {
                ordinals = new java.util.HashMap<>();
            }
            return ordinals.merge(label, 1, Integer::sum);
        }

        AbstractSink<?>[] sinks() {
            return paths.keySet().toArray(new AbstractSink<?>[0]);
        }

        Stage stage(Node node, int depth) {
            switch (node.kind()) {
                case MAP -> {
                    // Consecutive maps fuse into chain stages of straight-line calls (C4).
                    List<Object> functions = new ArrayList<>();
                    Node current = node;
                    int at = depth;
                    int first = 0;
                    while (current.kind() == Node.Kind.MAP) {
                        line(at++, current.label(), null);
                        functions.add(current.function());
                        int ordinal = ordinal("map"); // a chain is named as maps, numbered in a row
                        first = first == 0 ? ordinal : first;
                        current = current.outputs().get(0);
                    }
                    Stage next = stage(current, at);
                    for (int end = functions.size(); end > 0; end -= MapChainStage.WIDTH) {
                        int start = Math.max(0, end - MapChainStage.WIDTH);
                        next = Stages.mapChain(functions.subList(start, end).toArray(), next).named(site, "map", first + start);
                    }
                    return next;
                }
                case FILTER -> {
                    line(depth, node.label(), null);
                    int ordinal = ordinal(node.label());
                    return Stages.filter(node.function(), stage(node.outputs().get(0), depth + 1)).named(site, node.label(), ordinal);
                }
                case TRANSFORM -> {
                    line(depth, node.label(), null);
                    int ordinal = ordinal(node.label());
                    return Stages.transform(node.transform().get(), stage(node.outputs().get(0), depth + 1))
                        .named(site, node.label(), ordinal);
                }
                case UNION -> {
                    line(depth, "union", null);
                    return stage(node.outputs().get(0), depth + 1);
                }
                case BROADCAST -> {
                    line(depth, "broadcast", null);
                    Stage[] branches = new Stage[node.outputs().size()];
                    for (int i = 0; i < branches.length; i++) {
                        branches[i] = stage(node.outputs().get(i), depth + 1);
                    }
                    return Stages.broadcast(branches);
                }
                case BRANCH -> {
                    return branch(node, depth);
                }
                case SINK -> {
                    return sink((AbstractSink<?>) node.endpoint(), depth, "sink ");
                }
                case BUFFER -> {
                    return sink(node.buffer().sink(), depth, "into ");
                }
                case INTERSECT -> throw new CompileException("an intersect input must be a map/filter chain from a source;"
                    + " put buffer(1) before the intersect");
                case SOURCE -> throw new CompileException("a source cannot be downstream of anything");
                default -> throw new AssertionError(node.kind());
            }
        }

        private Stage branch(Node node, int depth) {
            Node next = node.outputs().get(0);
            switch (node.policy()) {
                case THROTTLING -> {
                    return stage(next, depth);
                }
                case DROPPING -> {
                    line(depth, "dropping branch", null);
                    dropping++;
                    List<AbstractSink<?>> below = new ArrayList<>();
                    subtreeSinks.add(below);
                    Stage inner = stage(next, depth + 1);
                    subtreeSinks.remove(subtreeSinks.size() - 1);
                    dropping--;
                    DropStage drop = new DropStage(below.toArray(new AbstractSink<?>[0]), inner);
                    drops.add(drop);
                    return drop;
                }
                case DETACHING -> {
                    line(depth, "detaching branch after " + node.timeout(), null);
                    List<AbstractSink<?>> below = new ArrayList<>();
                    subtreeSinks.add(below);
                    Stage inner = stage(next, depth + 1);
                    subtreeSinks.remove(subtreeSinks.size() - 1);
                    DetachStage detach = new DetachStage(catalyst, below.toArray(new AbstractSink<?>[0]), node.timeout(), inner);
                    detaches.add(detach);
                    return detach;
                }
                default -> throw new AssertionError(node.policy());
            }
        }

        private Stage sink(AbstractSink<?> sink, int depth, String prefix) {
            line(depth, prefix + sink.name() + (dropping > 0 ? " (dropping)" : ""), sink);
            paths.merge(sink, 1, Integer::sum);
            for (List<AbstractSink<?>> below : subtreeSinks) {
                if (!below.contains(sink)) {
                    below.add(sink);
                }
            }
            if (dropping == 0 && !mask.contains(sink)) {
                mask.add(sink);
            }
            return Stages.sink(sink).named(site, "sink", sink.name());
        }

        CompiledPlan.FiberPlan finish(int index, String name, FusedBody body) {
            for (DetachStage detach : detaches) {
                detach.handleBind(body);
            }
            body.site = site;
            Fiber fiber = new Fiber(catalyst, "fiber " + index + " (" + name + ")", body, body.waitsOn(), body.uses());
            return new CompiledPlan.FiberPlan(fiber, body, List.copyOf(outline), List.copyOf(heads),
                new LinkedHashMap<>(paths), List.copyOf(drops));
        }
    }
}
