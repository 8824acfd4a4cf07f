package dev.pushback.compiler.internal;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.compiler.Plan;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.spi.AbstractSource;

/**
 * A compiled graph: its fibers, their endpoints and masks, and the memory it can hold (DESIGN C1,
 * N3). {@link #explain()} prints it as text and {@link #dot()} as Graphviz; once started, both
 * show the bits each endpoint got.
 */
public final class CompiledPlan implements Plan {
    /** One line of a fiber's outline: a stage or an endpoint at a depth of the stage tree. */
    record Line(int depth, String text, Endpoint endpoint) {}

    /** One compiled fiber. */
    record FiberPlan(Fiber fiber, FusedBody body, List<Line> outline, List<AbstractSource<?>> heads,
                     Map<AbstractSink<?>, Integer> paths, List<DropStage> drops) {}

    private final Catalyst catalyst;
    private final List<FiberPlan> fibers;
    private final List<Endpoint> endpoints;
    private final long retainedBound;
    private final long memoryBound;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private boolean h_started;

    CompiledPlan(Catalyst catalyst, List<FiberPlan> fibers) {
        this.catalyst = catalyst;
        this.fibers = List.copyOf(fibers);
        Set<Endpoint> all = new LinkedHashSet<>();
        for (FiberPlan fiber : fibers) {
            all.addAll(fiber.heads());
            all.addAll(fiber.paths().keySet());
        }
        // The largest element a sink can be offered is the largest its fibers' sources give; a
        // buffer passes its writers' elements on to its readers, hence one pass per fiber.
        // Sized to the graph: the default table is 64 slots, and an HTTP server compiles a graph per exchange.
        Map<AbstractSink<?>, Long> elementBytes = new IdentityHashMap<>(all.size());
        Map<AbstractSink<?>, Integer> maxPaths = new IdentityHashMap<>(all.size());
        for (int pass = 0; pass < fibers.size(); pass++) {
            for (FiberPlan fiber : fibers) {
                long largest = 0;
                for (AbstractSource<?> head : fiber.heads()) {
                    largest = Math.max(largest, head.maxElementBytes());
                }
                for (Map.Entry<AbstractSink<?>, Integer> path : fiber.paths().entrySet()) {
                    elementBytes.merge(path.getKey(), largest, Math::max);
                    maxPaths.merge(path.getKey(), path.getValue(), Math::max);
                    path.getKey().expectElementBytes(elementBytes.get(path.getKey()));
                }
            }
        }
        long retained = 0;
        long owned = 0;
        for (Endpoint endpoint : all) {
            if (endpoint instanceof AbstractSource<?> source) {
                retained += source.retainedBound();
                owned += source.ownedBufferBytes();
            }
        }
        // A sink's pending element comes from one fiber at a time: the others wait on its bit.
        for (Map.Entry<AbstractSink<?>, Integer> entry : maxPaths.entrySet()) {
            AbstractSink<?> sink = entry.getKey();
            retained += sink.retainedBound(elementBytes.get(sink), entry.getValue());
            owned += sink.ownedBufferBytes();
        }
        this.endpoints = List.copyOf(all);
        this.retainedBound = retained;
        this.memoryBound = retained + owned;
    }

    /** The fibers of this plan. */
    public List<Fiber> fibers() {
        List<Fiber> list = new ArrayList<>();
        for (FiberPlan fiber : fibers) {
            list.add(fiber.fiber());
        }
        return list;
    }

    /** Every endpoint the plan uses. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * The most data bytes the running graph can hold beyond the chunk each fiber moves — pending
     * writes, hand-offs, explicit buffers: the bound on {@link Catalyst#retainedBytes()} that
     * DESIGN N3 promises, computed from the endpoints. Assumes each element (and each transform's
     * output for one element) is at most one chunk.
     */
    @Override
    public long retainedBound() {
        return retainedBound;
    }

    /** {@link #retainedBound()} plus the buffers the endpoints own: O(endpoints × chunk size). */
    @Override
    public long memoryBound() {
        return memoryBound;
    }

    @Override
    public long dropped() {
        long dropped = 0;
        for (FiberPlan fiber : fibers) {
            for (DropStage drop : fiber.drops()) {
                dropped += drop.dropped();
            }
        }
        return dropped;
    }

    /**
     * Completes when every fiber has ended and every sink has closed; exceptionally with the first
     * failure. A sink failed by a detaching branch is not a failure of the graph.
     */
    @Override
    public CompletableFuture<Void> completion() {
        return completion;
    }

    /**
     * A part of the plan is over: the plan fails with the first failure, and completes once the
     * last part is over. A sink failed by a detaching branch (its timeout) is no failure of the graph.
     */
    private void handlePartDone(java.util.concurrent.atomic.AtomicInteger open, Throwable failure, boolean sink) {
        if (failure != null && !(sink && rootCause(failure) instanceof TimeoutException)) {
            completion.completeExceptionally(rootCause(failure));
        } else if (open.decrementAndGet() == 0) {
            completion.complete(null);
        }
    }

    /** Starts the plan's fibers on the catalyst. */
    public void handleStart() {
        assert Core.of(catalyst).handleAssertOwner();
        if (h_started) {
            throw new IllegalStateException("plan already started");
        }
        h_started = true;
        // The plan completes when every fiber has ended and every sink has closed, and fails at
        // the first failure (fail fast). Counted here rather than through allOf and a
        // whenComplete per part: a graph per exchange (an HTTP server's) starts thousands a
        // second. (Atomic only for a catalyst closed from another thread, which completes them there.)
        List<Fiber> list = fibers();
        int parts = list.size();
        for (Endpoint endpoint : endpoints) {
            if (endpoint instanceof AbstractSink<?>) {
                parts++;
            }
        }
        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(parts);
        if (parts == 0) {
            completion.complete(null);
        }
        java.util.function.BiConsumer<Object, Throwable> fiberDone = (ok, failure) -> handlePartDone(open, failure, false);
        java.util.function.BiConsumer<Object, Throwable> sinkClosed = (ok, failure) -> handlePartDone(open, failure, true);
        for (Fiber fiber : list) {
            fiber.done().whenComplete(fiberDone);
        }
        for (Endpoint endpoint : endpoints) {
            if (endpoint instanceof AbstractSink<?>) {
                endpoint.closed().whenComplete(sinkClosed);
            }
        }
        Map<Fiber, FusedBody> bodies = new IdentityHashMap<>(fibers.size());
        for (FiberPlan fiber : fibers) {
            bodies.put(fiber.fiber(), fiber.body());
        }
        Core.of(catalyst).handleStart(list, fiber -> bodies.get(fiber).handleStarted(fiber));
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The plan as text: every fiber, its stages and endpoints, bits and mask. */
    @Override
    public String explain() {
        StringBuilder out = new StringBuilder();
        int chunk = catalyst.config().chunkSize();
        out.append("plan: ").append(fibers.size()).append(fibers.size() == 1 ? " fiber, " : " fibers, ")
            .append(endpoints.size()).append(" endpoints, chunk ").append(chunk).append(" B, retained bound ")
            .append(retainedBound).append(" B, memory bound ").append(memoryBound).append(" B\n");
        for (FiberPlan fiber : fibers) {
            out.append(fiber.fiber().name()).append(": mask ").append(maskText(fiber)).append('\n');
            for (Line line : fiber.outline()) {
                out.append("  ".repeat(line.depth() + 1)).append(line.depth() == 0 ? "" : "-> ").append(line.text());
                if (line.endpoint() != null) {
                    out.append(" [").append(bitText(line.endpoint())).append(']');
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String maskText(FiberPlan fiber) {
        StringBuilder mask = new StringBuilder("{");
        for (Endpoint endpoint : fiber.body().mask()) {
            if (mask.length() > 1) {
                mask.append(", ");
            }
            mask.append(endpoint.name()).append(endpoint instanceof AbstractSource<?> ? " readable" : " writable");
            int bit = endpoint.handleBit();
            if (bit >= 0) {
                mask.append(" @").append(bit);
            }
        }
        return mask.append('}').toString();
    }

    private static String bitText(Endpoint endpoint) {
        int bit = endpoint.handleBit();
        String role = endpoint instanceof AbstractSource<?> ? "readable" : "writable";
        return bit < 0 ? role + " bit unassigned" : role + " bit " + bit + " (word " + (bit >>> 6) + ")";
    }

    /** The plan as Graphviz dot: a cluster per fiber; endpoints shared by fibers appear once. */
    @Override
    public String dot() {
        StringBuilder out = new StringBuilder("digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        Map<Endpoint, String> endpointIds = new IdentityHashMap<>();
        for (Endpoint endpoint : endpoints) {
            String id = "e" + endpointIds.size();
            endpointIds.put(endpoint, id);
            out.append("  ").append(id).append(" [shape=ellipse, label=\"").append(escape(endpoint.name()))
                .append("\\n").append(escape(bitText(endpoint))).append("\"];\n");
        }
        int stageId = 0;
        for (int f = 0; f < fibers.size(); f++) {
            FiberPlan fiber = fibers.get(f);
            out.append("  subgraph cluster_").append(f).append(" {\n    label=\"")
                .append(escape(fiber.fiber().name() + " mask " + maskText(fiber))).append("\";\n");
            List<String> parents = new ArrayList<>();
            List<String> edges = new ArrayList<>();
            for (Line line : fiber.outline()) {
                String id;
                if (line.endpoint() != null) {
                    id = endpointIds.get(line.endpoint());
                } else {
                    id = "s" + stageId++;
                    out.append("    ").append(id).append(" [label=\"").append(escape(line.text())).append("\"];\n");
                }
                while (parents.size() > line.depth()) {
                    parents.remove(parents.size() - 1);
                }
                if (!parents.isEmpty()) {
                    edges.add("  " + parents.get(parents.size() - 1) + " -> " + id + ";\n");
                }
                parents.add(id);
            }
            out.append("  }\n");
            edges.forEach(out::append);
        }
        return out.append("}\n").toString();
    }

    private static String escape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public String toString() {
        return explain();
    }
}
