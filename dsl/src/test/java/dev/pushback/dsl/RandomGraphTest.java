package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collector;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Endpoint;
import dev.pushback.catalyst.spi.AbstractSink;
import dev.pushback.catalyst.endpoint.CollectorSink;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.compiler.Plan;

/**
 * Seeded random graphs under random readiness schedules with random partial writes.
 *
 * <p>Each seed generates a graph of {@link ManualSource}s, map / filter / flatMap, broadcast with
 * throttling and dropping branches, union (diamonds included), intersect (over sources and over
 * buffers), buffer(n), and sinks that take partial writes ({@link ScriptedByteSink}), typed sinks
 * that block ({@link ManualSink}) and collectors. A random schedule then toggles readability,
 * pushes elements, finishes sources and grants write allowance, one catalyst round per step;
 * afterwards everything is made available and the graph must complete.
 *
 * <p>Checked: every sink receives exactly the elements a reference model of the same graph
 * computes (same functions, same bytes), nothing lost, duplicated or cut, in order per path and per
 * fiber (a union's output is an interleaving of its inputs, each in order; see {@link Item}); what
 * a dropping branch let through is a subsequence of what reached it, and what it did not let
 * through is exactly {@link Plan#handleDropped()}; at every step {@link Catalyst#retainedBytes()} and
 * {@link Catalyst#peakRetainedBytes()} stay within {@link Plan#retainedBound()}, each sink holds at
 * most what one move gave it and each buffer at most its capacity plus one move (DESIGN N3); at
 * the end nothing is retained, open, allocated or lent.
 *
 * <p>{@code -Dpushback.seeds=N} runs seeds 0..N-1 (default 1000); {@code -Dpushback.seed=S} runs
 * seed S only, and {@code -Dpushback.verbose=true} prints its graph and plan.
 * {@link RandomGraphFuzzTest} runs the same generator, schedule and checks with a fuzz input in
 * place of the seed.
 */
class RandomGraphTest {
    private static final int SEEDS = Integer.getInteger("pushback.seeds", 1000);
    private static final String ONE_SEED = System.getProperty("pushback.seed", "");
    private static final boolean VERBOSE = Boolean.getBoolean("pushback.verbose");
    private static final int MAX_FAILURES_LISTED = 20;

    @Test
    void byteChunksWithPartialWrites() {
        runSeeds(new ByteMode());
    }

    @Test
    void typedElementsWithBlockingSinks() {
        runSeeds(new TypedMode());
    }

    private static void runSeeds(Mode<?> mode) {
        List<Long> seeds = new ArrayList<>();
        if (!ONE_SEED.isBlank()) {
            seeds.add(Long.parseLong(ONE_SEED.trim()));
        } else {
            for (long seed = 0; seed < SEEDS; seed++) {
                seeds.add(seed);
            }
        }
        Stats stats = new Stats();
        List<String> failed = new ArrayList<>();
        String firstFailure = null;
        long started = System.nanoTime();
        for (long seed : seeds) {
            String failure = runSeed(mode, seed, stats);
            if (failure != null) {
                failed.add(failure.lines().findFirst().orElse("seed " + seed));
                if (firstFailure == null) {
                    firstFailure = failure;
                }
                if (failed.size() >= MAX_FAILURES_LISTED) {
                    break;
                }
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("RandomGraphTest " + mode.name() + ": " + seeds.size() + " seeds in " + millis + " ms; " + stats);
        if (firstFailure != null) {
            fail("random graphs (" + mode.name() + ") failed for " + failed.size() + " seed(s)"
                + (failed.size() >= MAX_FAILURES_LISTED ? " (stopped after " + MAX_FAILURES_LISTED + ")" : "")
                + "; rerun one with -Dpushback.seed=<seed>:\n  " + String.join("\n  ", failed)
                + "\nfirst failure: " + firstFailure);
        }
        if (seeds.size() >= 200) {
            stats.assertCoverage();
        }
    }

    /** Runs one seed; returns null when it passes, else a report naming the seed. */
    private static <E> String runSeed(Mode<E> mode, long seed, Stats stats) {
        return runOne(mode, "seed " + seed, "random-" + seed,
            new Random(seed * 0x9E3779B97F4A7C15L + mode.name().hashCode()), stats);
    }

    /**
     * Runs one graph whose generator, elements and schedule all come from {@code rnd}, with the
     * checks of the seeded tests; for {@link RandomGraphFuzzTest}, whose {@code rnd} reads the fuzz
     * input. Returns null when it passes, else the report a failing seed gives, naming the run
     * {@code label}.
     */
    static String runFuzzed(boolean typed, String label, Random rnd) {
        Stats stats = new Stats();
        return typed ? runOne(new TypedMode(), label, "random-fuzz", rnd, stats)
            : runOne(new ByteMode(), label, "random-fuzz", rnd, stats);
    }

    private static <E> String runOne(Mode<E> mode, String label, String name, Random rnd, Stats stats) {
        Run<E> run = null;
        try {
            run = new Run<>(mode, label, name, rnd);
            run.execute(stats);
            if (VERBOSE) {
                System.out.println(run.report("passed"));
            }
            return null;
        } catch (AssertionError | RuntimeException t) {
            String why = t instanceof AssertionError ? String.valueOf(t.getMessage()) : stackTrace(t);
            return run == null ? label + " (" + mode.name() + "): " + stackTrace(t) : run.report(why);
        } finally {
            if (run != null) {
                run.close();
            }
        }
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    // ================================================================ the graph description

    private enum Kind { SOURCE, MAP, FILTER, FLATMAP, PROBE, BROADCAST, BRANCH, UNION, INTERSECT, BUFFER, SINK }

    /** A node of a generated graph. Its id doubles as the token its stage appends to elements. */
    private static final class N {
        final int id;
        final Kind kind;
        final List<N> in = new ArrayList<>(2);
        final List<N> out = new ArrayList<>(2);
        int junk;          // MAP, FLATMAP: most junk bytes appended
        int rate;          // FILTER: percent rejected
        int fan;           // FLATMAP: most elements per input
        int capacity;      // BUFFER
        boolean dropping;  // BRANCH
        boolean collector; // SINK: a CollectorSink instead of a scripted one
        boolean claimed;   // SOURCE, BUFFER: read by an intersect, not by a fiber of its own
        N probe;           // dropping BRANCH: the probe recording what passed, if not straight to a sink
        int sourceIndex;   // SOURCE

        // static analysis
        int maxElem;                  // most bytes of one element here
        int flatDepth;                // flatMaps since the fiber's head
        boolean chain;                // a map/filter chain from a source or buffer (an intersect input)
        Set<String> sigs = Set.of();  // the token sequences of the paths that reach here
        Set<String> lanes = Set.of(); // the fiber chains that deliver here
        Set<Integer> up = Set.of();   // broadcasts upstream

        N(int id, Kind kind) {
            this.id = id;
            this.kind = kind;
        }

        N input() {
            return in.get(0);
        }

        N output() {
            return out.get(0);
        }

        String describe() {
            StringBuilder text = new StringBuilder("n").append(id).append(' ').append(kind);
            switch (kind) {
                case MAP -> text.append("(junk<=").append(junk).append(')');
                case FILTER -> text.append("(reject ").append(rate).append("%)");
                case FLATMAP -> text.append("(0..").append(fan).append(", junk<=").append(junk).append(')');
                case BRANCH -> text.append(dropping ? "(dropping" + (probe == null ? ", straight to its sink)" : ")") : "(throttling)");
                case BUFFER -> text.append('(').append(capacity).append(claimed ? ", read by an intersect)" : ")");
                case SINK -> text.append(collector ? "(collector)" : "(scripted)");
                case SOURCE -> text.append(claimed ? "(read by an intersect)" : "");
                default -> { }
            }
            if (!in.isEmpty()) {
                text.append(" <- ");
                for (int i = 0; i < in.size(); i++) {
                    text.append(i == 0 ? "n" : ", n").append(in.get(i).id);
                }
            }
            return text.toString();
        }
    }

    /** A generated graph, its analysis and the bounds a correct runtime keeps. */
    private static final class Spec {
        final long salt;
        final int payloadMax;
        final List<N> nodes = new ArrayList<>();
        final List<N> sources = new ArrayList<>();
        final List<N> sinks = new ArrayList<>();
        final List<N> drops = new ArrayList<>();
        final List<N> buffers = new ArrayList<>();
        final Set<Integer> claimedBroadcasts = new HashSet<>();
        double dropRate;

        // bounds, computed once the graph is complete
        int chunk;
        long pathMax;
        final Map<N, Long> maxMoveBytes = new HashMap<>();
        final Map<N, Long> maxMoveCount = new HashMap<>();
        long bufferBound;

        Spec(long salt, int payloadMax) {
            this.salt = salt;
            this.payloadMax = payloadMax;
        }

        static Spec generate(Random r) {
            Spec s = new Spec(r.nextLong(), r.nextInt(4) == 0 ? r.nextInt(4) : r.nextInt(41));
            s.dropRate = new double[] {0, 0.25, 0.5}[r.nextInt(3)];
            List<N> open = new ArrayList<>();
            int sourceCount = 1 + r.nextInt(4);
            for (int i = 0; i < sourceCount; i++) {
                open.add(s.source());
            }
            int ops = r.nextInt(r.nextBoolean() ? 8 : 20);
            for (int op = 0; op < ops && s.nodes.size() < 120; op++) {
                int w = r.nextInt(100);
                N pick = open.get(r.nextInt(open.size()));
                if (w < 14) {
                    replace(open, pick, s.map(s.use(pick), r.nextInt(5)));
                } else if (w < 26) {
                    replace(open, pick, s.filter(s.use(pick), r.nextInt(60)));
                } else if (w < 38) {
                    N feed = s.use(pick);
                    replace(open, pick, feed.flatDepth >= 2 ? s.map(feed, r.nextInt(3))
                        : s.flatMap(feed, 1 + r.nextInt(3), r.nextInt(3)));
                } else if (w < 58) {
                    N broadcast = s.broadcast(s.use(pick));
                    open.remove(pick);
                    int branches = r.nextInt(8) == 0 ? 1 : 2 + r.nextInt(2);
                    for (int b = 0; b < branches; b++) {
                        open.add(s.branch(broadcast, r.nextDouble() < s.dropRate));
                    }
                } else if (w < 72) {
                    if (open.size() >= 2) {
                        List<N> inputs = takeRandom(open, 2 + (r.nextInt(3) == 0 ? 1 : 0), r);
                        open.add(s.union(inputs, r));
                    }
                } else if (w < 86) {
                    s.tryIntersect(open, r);
                } else {
                    replace(open, pick, s.buffer(s.use(pick), 1 + r.nextInt(3)));
                }
            }
            Collections.shuffle(open, r);
            while (!open.isEmpty()) {
                int k = Math.min(open.size(), r.nextInt(3) == 0 ? 2 + r.nextInt(2) : 1);
                List<N> group = new ArrayList<>(open.subList(0, k));
                open.subList(0, k).clear();
                // A single feed goes straight to its sink, even a dropping branch (then what passed is what the sink got).
                N feed = k == 1 ? group.get(0) : s.union(group, r);
                s.sink(feed, r.nextInt(6) == 0);
            }
            s.computeBounds();
            return s;
        }

        private static void replace(List<N> open, N old, N replacement) {
            open.set(open.indexOf(old), replacement);
        }

        private static List<N> takeRandom(List<N> open, int count, Random r) {
            List<N> taken = new ArrayList<>();
            for (int i = 0; i < count && !open.isEmpty(); i++) {
                taken.add(open.remove(r.nextInt(open.size())));
            }
            return taken;
        }

        private N add(Kind kind, N... inputs) {
            if (nodes.size() >= 250) {
                throw new IllegalStateException("too many nodes for one-byte tokens");
            }
            N n = new N(nodes.size(), kind);
            for (N input : inputs) {
                input.out.add(n);
                n.in.add(input);
            }
            nodes.add(n);
            return n;
        }

        private static void inherit(N n, N from) {
            n.maxElem = from.maxElem;
            n.flatDepth = from.flatDepth;
            n.sigs = from.sigs;
            n.lanes = from.lanes;
            n.up = from.up;
        }

        private static Set<String> extend(Set<String> sigs, int id) {
            Set<String> extended = new LinkedHashSet<>();
            for (String sig : sigs) {
                extended.add(sig + "," + id);
            }
            return extended;
        }

        /** A fresh dropping branch gets a probe before anything but a sink of its own. */
        N use(N feed) {
            if (feed.kind == Kind.BRANCH && feed.dropping && feed.out.isEmpty()) {
                N probe = add(Kind.PROBE, feed);
                inherit(probe, feed);
                feed.probe = probe;
                return probe;
            }
            return feed;
        }

        N source() {
            N n = add(Kind.SOURCE);
            n.sourceIndex = sources.size();
            n.maxElem = 7 + payloadMax;
            n.sigs = Set.of("S" + n.id);
            n.lanes = Set.of("F" + n.id);
            n.chain = true;
            sources.add(n);
            return n;
        }

        N map(N feed, int junk) {
            N n = add(Kind.MAP, feed);
            inherit(n, feed);
            n.junk = junk;
            n.maxElem = feed.maxElem + 2 + junk;
            n.sigs = extend(feed.sigs, n.id);
            n.chain = feed.chain;
            return n;
        }

        N filter(N feed, int rate) {
            N n = add(Kind.FILTER, feed);
            inherit(n, feed);
            n.rate = rate;
            n.chain = feed.chain;
            return n;
        }

        N flatMap(N feed, int fan, int junk) {
            N n = add(Kind.FLATMAP, feed);
            inherit(n, feed);
            n.fan = fan;
            n.junk = junk;
            n.maxElem = feed.maxElem + 3 + junk;
            n.sigs = extend(feed.sigs, n.id);
            n.flatDepth = feed.flatDepth + 1;
            return n;
        }

        N broadcast(N feed) {
            N n = add(Kind.BROADCAST, feed);
            inherit(n, feed);
            Set<Integer> up = new HashSet<>(feed.up);
            up.add(n.id);
            n.up = up;
            return n;
        }

        N branch(N broadcast, boolean dropping) {
            N n = add(Kind.BRANCH, broadcast);
            inherit(n, broadcast);
            n.dropping = dropping;
            if (dropping) {
                drops.add(n);
            }
            return n;
        }

        /**
         * Elements are told apart by their tokens; two inputs whose paths would carry the same
         * tokens (a diamond with no stage on one side, or one with only a filter) would deliver
         * identical elements, so one of them gets a map of its own.
         */
        N union(List<N> inputs, Random r) {
            List<N> fixed = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (N input : inputs) {
                N feed = use(input);
                if (!Collections.disjoint(feed.sigs, seen)) {
                    feed = map(feed, r.nextInt(3));
                }
                seen.addAll(feed.sigs);
                fixed.add(feed);
            }
            N n = add(Kind.UNION, fixed.toArray(new N[0]));
            Set<String> sigs = new LinkedHashSet<>();
            Set<String> lanes = new LinkedHashSet<>();
            Set<Integer> up = new HashSet<>();
            for (N feed : fixed) {
                n.maxElem = Math.max(n.maxElem, feed.maxElem);
                n.flatDepth = Math.max(n.flatDepth, feed.flatDepth);
                sigs.addAll(feed.sigs);
                lanes.addAll(feed.lanes);
                up.addAll(feed.up);
            }
            n.sigs = sigs;
            n.lanes = lanes;
            n.up = up;
            return n;
        }

        /**
         * An intersect over map/filter chains from sources, or from buffers whose content comes
         * in one fixed order (one lane, one path). Inputs share no broadcast upstream with each other or with
         * any other intersect's inputs: a fan-out feeding two intersect inputs can deadlock with any
         * finite buffer once filters unbalance it (by design, as in any zip), so it is not generated.
         */
        void tryIntersect(List<N> open, Random r) {
            List<N> candidates = new ArrayList<>();
            for (N feed : open) {
                if (!feed.chain || !Collections.disjoint(feed.up, claimedBroadcasts)) {
                    continue;
                }
                N head = chainHead(feed);
                if (head.kind == Kind.SOURCE || head.input().lanes.size() == 1 && head.input().sigs.size() == 1) {
                    candidates.add(feed);
                }
            }
            Collections.shuffle(candidates, r);
            int want = r.nextInt(3) == 0 ? 3 : 2;
            List<N> picked = new ArrayList<>();
            Set<Integer> used = new HashSet<>();
            for (N candidate : candidates) {
                if (picked.size() < want && Collections.disjoint(candidate.up, used)) {
                    picked.add(candidate);
                    used.addAll(candidate.up);
                }
            }
            if (picked.size() < 2) {
                return;
            }
            open.removeAll(picked);
            N n = add(Kind.INTERSECT, picked.toArray(new N[0]));
            n.maxElem = 5;
            Set<Integer> up = new HashSet<>();
            for (N input : picked) {
                n.maxElem += input.maxElem;
                up.addAll(input.up);
                chainHead(input).claimed = true;
            }
            claimedBroadcasts.addAll(up);
            n.up = up;
            n.sigs = Set.of("X" + n.id);
            n.lanes = Set.of("F" + n.id);
            open.add(n);
        }

        static N chainHead(N feed) {
            N n = feed;
            while (n.kind == Kind.MAP || n.kind == Kind.FILTER) {
                n = n.input();
            }
            return n;
        }

        N buffer(N feed, int capacity) {
            N n = add(Kind.BUFFER, feed);
            inherit(n, feed);
            n.capacity = capacity;
            Set<String> lanes = new LinkedHashSet<>();
            for (String lane : feed.lanes) {
                lanes.add(lane + ">B" + n.id);
            }
            n.lanes = lanes;
            n.flatDepth = 0;
            n.chain = true;
            buffers.add(n);
            return n;
        }

        void sink(N feed, boolean collector) {
            N n = add(Kind.SINK, feed);
            n.collector = collector;
            sinks.add(n);
        }

        boolean isRoot(N n) {
            return switch (n.kind) {
                case SOURCE, BUFFER -> !n.claimed;
                case INTERSECT -> true;
                default -> false;
            };
        }

        /**
         * What one move of a fiber can carry along each path (the compiler's stage tree), the most
         * one move can leave in each sink, and the chunk size: at least what one move carries along
         * any path, as {@link Plan#retainedBound()} assumes.
         */
        void computeBounds() {
            int maxElem = 0;
            for (N n : nodes) {
                maxElem = Math.max(maxElem, n.maxElem);
                if (isRoot(n)) {
                    Map<N, long[]> sums = new LinkedHashMap<>();
                    walk(n.output(), 1, n.maxElem, sums);
                    for (Map.Entry<N, long[]> sum : sums.entrySet()) {
                        maxMoveBytes.merge(sum.getKey(), sum.getValue()[0], Math::max);
                        maxMoveCount.merge(sum.getKey(), sum.getValue()[1], Math::max);
                    }
                }
            }
            chunk = (int) Math.max(16, Math.max(pathMax, maxElem));
            for (N buffer : buffers) {
                bufferBound += (long) (buffer.capacity - 1) * buffer.maxElem + maxMoveBytes.getOrDefault(buffer, 0L);
            }
        }

        private void walk(N n, long count, long bytes, Map<N, long[]> sums) {
            switch (n.kind) {
                case MAP -> walk(n.output(), count, bytes + count * (2 + n.junk), sums);
                case FLATMAP -> walk(n.output(), count * n.fan, n.fan * (bytes + count * (3 + n.junk)), sums);
                case FILTER, PROBE, UNION, BRANCH -> walk(n.output(), count, bytes, sums);
                case BROADCAST -> {
                    for (N branch : n.out) {
                        walk(branch, count, bytes, sums);
                    }
                }
                case SINK, BUFFER -> {
                    long[] sum = sums.computeIfAbsent(n, k -> new long[2]);
                    sum[0] += bytes;
                    sum[1] += count;
                    pathMax = Math.max(pathMax, bytes);
                }
                default -> throw new IllegalStateException("a fiber's tree reaches " + n.describe());
            }
        }

        String describe() {
            StringBuilder text = new StringBuilder();
            for (N n : nodes) {
                text.append("  ").append(n.describe()).append('\n');
            }
            return text.toString();
        }
    }

    // ================================================================ element functions

    /**
     * Elements are frames: a 2-byte length and a body. A source element's body is
     * {@code 'S' source seq(2) payloadLength payload}; every map and flatMap appends a token
     * {@code id length bytes} (a flatMap's length has its high bit set and its first byte is the
     * output's index); an intersect's body
     * is {@code 'X' id count} and the combined frames. So an element names where it came from and
     * the stages it went through, and the model computes the same bytes with the same functions.
     */
    private static final class Fn {
        private Fn() {}

        static int hash(long salt, int id, byte[] element) {
            long h = salt ^ (0x9E3779B97F4A7C15L * (id + 1));
            for (byte b : element) {
                h ^= b & 0xff;
                h *= 0x100000001B3L;
            }
            h ^= h >>> 31;
            h *= 0x7FB5D329728EA185L;
            h ^= h >>> 27;
            return (int) h & 0x7fffffff;
        }

        static byte[] source(int id, int seq, byte[] payload) {
            byte[] body = new byte[5 + payload.length];
            body[0] = 'S';
            body[1] = (byte) id;
            body[2] = (byte) (seq >>> 8);
            body[3] = (byte) seq;
            body[4] = (byte) payload.length;
            System.arraycopy(payload, 0, body, 5, payload.length);
            return frame(body);
        }

        static byte[] frame(byte[] body) {
            if (body.length > 0xffff) {
                throw new IllegalStateException("element too long: " + body.length);
            }
            byte[] element = new byte[body.length + 2];
            element[0] = (byte) (body.length >>> 8);
            element[1] = (byte) body.length;
            System.arraycopy(body, 0, element, 2, body.length);
            return element;
        }

        static byte[] append(byte[] element, byte[] token) {
            byte[] body = new byte[element.length - 2 + token.length];
            System.arraycopy(element, 2, body, 0, element.length - 2);
            System.arraycopy(token, 0, body, element.length - 2, token.length);
            return frame(body);
        }

        static byte[] map(long salt, N n, byte[] element) {
            int h = hash(salt, n.id, element);
            int length = h % (n.junk + 1);
            byte[] token = new byte[2 + length];
            token[0] = (byte) n.id;
            token[1] = (byte) length;
            for (int i = 0; i < length; i++) {
                token[2 + i] = (byte) ((h >>> (8 * (i & 3))) + i);
            }
            return append(element, token);
        }

        static boolean keep(long salt, N n, byte[] element) {
            return (hash(salt, n.id, element) >>> 8) % 100 >= n.rate;
        }

        static List<byte[]> flatMap(long salt, N n, byte[] element) {
            int h = hash(salt, n.id, element);
            int count = h % (n.fan + 1);
            int length = (h >>> 4) % (n.junk + 1);
            List<byte[]> outputs = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] token = new byte[3 + length];
                token[0] = (byte) n.id;
                token[1] = (byte) (0x80 | (length + 1)); // the high bit marks a flatMap's token
                token[2] = (byte) i;
                for (int j = 0; j < length; j++) {
                    token[3 + j] = (byte) ((h >>> (8 * (j & 3))) ^ i);
                }
                outputs.add(append(element, token));
            }
            return outputs;
        }

        static byte[] combine(N n, List<byte[]> parts) {
            int length = 3;
            for (byte[] part : parts) {
                length += part.length;
            }
            byte[] body = new byte[length];
            body[0] = 'X';
            body[1] = (byte) n.id;
            body[2] = (byte) parts.size();
            int at = 3;
            for (byte[] part : parts) {
                System.arraycopy(part, 0, body, at, part.length);
                at += part.length;
            }
            return frame(body);
        }

        /** Splits a stream of frames; fails on a cut frame. */
        static List<byte[]> frames(byte[] stream, String where) {
            List<byte[]> frames = new ArrayList<>();
            int at = 0;
            while (at < stream.length) {
                if (at + 2 > stream.length) {
                    throw new AssertionError(where + ": stream ends inside a frame header at byte " + at + " of " + stream.length);
                }
                int length = ((stream[at] & 0xff) << 8) | (stream[at + 1] & 0xff);
                if (at + 2 + length > stream.length) {
                    throw new AssertionError(where + ": stream ends inside a frame of " + length + " bytes at byte " + at
                        + " of " + stream.length);
                }
                frames.add(Arrays.copyOfRange(stream, at, at + 2 + length));
                at += 2 + length;
            }
            return frames;
        }

        /** A readable name of an element: its origin and its tokens. */
        static String show(byte[] element) {
            StringBuilder text = new StringBuilder();
            try {
                showFrame(element, 0, text);
            } catch (RuntimeException e) {
                text.append("<malformed ").append(element.length).append(" B>");
            }
            return text.toString();
        }

        private static int showFrame(byte[] b, int at, StringBuilder text) {
            int length = ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
            int end = at + 2 + length;
            int i = at + 2;
            if (b[i] == 'S') {
                text.append("s").append(b[i + 1] & 0xff).append('#').append(((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff));
                i += 5 + (b[i + 4] & 0xff);
            } else if (b[i] == 'X') {
                text.append("x").append(b[i + 1] & 0xff).append('(');
                int count = b[i + 2];
                i += 3;
                for (int k = 0; k < count; k++) {
                    if (k > 0) {
                        text.append(" & ");
                    }
                    i = showFrame(b, i, text);
                }
                text.append(')');
            } else {
                text.append('?');
                return end;
            }
            while (i < end) {
                text.append(".n").append(b[i] & 0xff);
                if ((b[i + 1] & 0x80) != 0) {
                    text.append('[').append(b[i + 2]).append(']');
                }
                i += 2 + (b[i + 1] & 0x7f);
            }
            return end;
        }
    }

    /** Bytes with value equality. */
    private record Bytes(byte[] b) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Bytes that && Arrays.equals(b, that.b);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(b);
        }

        @Override
        public String toString() {
            return Fn.show(b);
        }
    }

    // ================================================================ the reference model

    /**
     * An element the model expects at a point, with what fixes its order. Its lane is the chain of
     * fibers that delivered it; elements of different lanes may interleave in any way. Within a
     * lane, level 0 is the position of the element the first fiber read (a source's sequence number,
     * an intersect's combination number), and each fiber adds a level: the path the element took
     * through that fiber's stage tree and its rank among what that fiber's move emitted.
     *
     * <p>A fiber moves one element at a time and a sink takes what is offered in order, so what
     * comes from different moves of a lane arrives in move order, and what one move sends along
     * one path (a flatMap's outputs) in emission order. The order in which one move serves
     * different paths (a broadcast's branches meeting again in a union) is not promised, and not
     * checked.
     */
    private record Item(Bytes bytes, String lane, int[] rank, String[] path) {
        Item hop(String lane) {
            return new Item(bytes, lane, rank, path);
        }

        Item emitted(byte[] element, String through, int order) {
            int[] ranks = Arrays.copyOf(rank, rank.length + 1);
            ranks[rank.length] = order;
            String[] paths = Arrays.copyOf(path, path.length + 1);
            paths[path.length] = through;
            return new Item(new Bytes(element), lane, ranks, paths);
        }

        String show() {
            StringBuilder text = new StringBuilder(bytes.toString()).append(" (lane ").append(lane).append(", ").append(rank[0]);
            for (int i = 1; i < rank.length; i++) {
                text.append(" / path ").append(path[i].isEmpty() ? "-" : path[i]).append(" #").append(rank[i]);
            }
            return text.append(')').toString();
        }
    }

    /**
     * Computes, from the same functions, what every sink, buffer and dropping branch gets. What a
     * dropping branch lets through is not predictable; the model takes it from the run (the probe
     * below the branch, or the sink straight below it) and checks it separately.
     */
    private static final class Model {
        final Spec spec;
        final List<List<byte[]>> elements;
        final Map<N, Set<Bytes>> passed;
        final Map<N, List<Item>> expected = new HashMap<>();
        final Map<N, List<Item>> arrivals = new HashMap<>();
        final Map<N, List<Item>> intoBuffer = new HashMap<>();

        Model(Spec spec, List<List<byte[]>> elements, Map<N, Set<Bytes>> passed) {
            this.spec = spec;
            this.elements = elements;
            this.passed = passed;
            for (N n : spec.nodes) {
                if (spec.isRoot(n)) {
                    root(n);
                }
            }
        }

        private void root(N r) {
            List<Item> heads = switch (r.kind) {
                case SOURCE -> sourceItems(r);
                case BUFFER -> {
                    List<Item> items = new ArrayList<>();
                    for (Item written : intoBuffer.getOrDefault(r, List.of())) {
                        items.add(written.hop(written.lane() + ">B" + r.id));
                    }
                    yield items;
                }
                case INTERSECT -> combined(r);
                default -> throw new IllegalStateException();
            };
            for (Item head : heads) {
                visit(r.output(), head.bytes().b(), head, "", new int[1]);
            }
        }

        private List<Item> sourceItems(N source) {
            List<Item> items = new ArrayList<>();
            List<byte[]> list = elements.get(source.sourceIndex);
            for (int seq = 0; seq < list.size(); seq++) {
                items.add(new Item(new Bytes(list.get(seq)), "F" + source.id, new int[] {seq}, new String[] {""}));
            }
            return items;
        }

        /** The k-th element of each input's chain, combined; ends with the shortest input (DESIGN N7). */
        private List<Item> combined(N intersect) {
            List<List<byte[]>> survivors = new ArrayList<>();
            int count = Integer.MAX_VALUE;
            for (N input : intersect.in) {
                List<N> chain = new ArrayList<>();
                N head = input;
                while (head.kind == Kind.MAP || head.kind == Kind.FILTER) {
                    chain.add(0, head);
                    head = head.input();
                }
                List<Item> heads;
                if (head.kind == Kind.SOURCE) {
                    heads = sourceItems(head);
                } else {
                    heads = new ArrayList<>(intoBuffer.getOrDefault(head, List.of()));
                    Set<String> lanes = new HashSet<>();
                    Set<String> paths = new HashSet<>();
                    for (Item item : heads) {
                        lanes.add(item.lane());
                        paths.add(String.join("|", item.path()));
                    }
                    if (lanes.size() > 1 || paths.size() > 1) {
                        throw new IllegalStateException("generator bug: intersect over a buffer filled in no fixed order: "
                            + lanes + " " + paths);
                    }
                    heads.sort((a, b) -> Arrays.compare(a.rank(), b.rank())); // one lane, one path: the order it was filled in
                }
                List<byte[]> kept = new ArrayList<>();
                next:
                for (Item item : heads) {
                    byte[] element = item.bytes().b();
                    for (N stage : chain) {
                        if (stage.kind == Kind.MAP) {
                            element = Fn.map(spec.salt, stage, element);
                        } else if (!Fn.keep(spec.salt, stage, element)) {
                            continue next;
                        }
                    }
                    kept.add(element);
                }
                survivors.add(kept);
                count = Math.min(count, kept.size());
            }
            List<Item> items = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                List<byte[]> parts = new ArrayList<>();
                for (List<byte[]> kept : survivors) {
                    parts.add(kept.get(k));
                }
                items.add(new Item(new Bytes(Fn.combine(intersect, parts)), "F" + intersect.id, new int[] {k}, new String[] {""}));
            }
            return items;
        }

        /** One element through the stage tree of a fiber, depth first, as the fused body runs it. */
        private void visit(N n, byte[] element, Item head, String path, int[] order) {
            switch (n.kind) {
                case MAP -> visit(n.output(), Fn.map(spec.salt, n, element), head, path, order);
                case FILTER -> {
                    if (Fn.keep(spec.salt, n, element)) {
                        visit(n.output(), element, head, path, order);
                    }
                }
                case FLATMAP -> {
                    for (byte[] output : Fn.flatMap(spec.salt, n, element)) {
                        visit(n.output(), output, head, path, order);
                    }
                }
                case PROBE, UNION -> visit(n.output(), element, head, path, order);
                case BROADCAST -> {
                    for (N branch : n.out) {
                        visit(branch, element, head, path + "b" + branch.id, order);
                    }
                }
                case BRANCH -> {
                    if (!n.dropping) {
                        visit(n.output(), element, head, path, order);
                    } else {
                        Item arrived = head.emitted(element, path, order[0]++);
                        arrivals.computeIfAbsent(n, k -> new ArrayList<>()).add(arrived);
                        if (passed.getOrDefault(n, Set.of()).contains(arrived.bytes())) {
                            visit(n.output(), element, head, path, order);
                        }
                    }
                }
                case SINK -> expected.computeIfAbsent(n, k -> new ArrayList<>()).add(head.emitted(element, path, order[0]++));
                case BUFFER -> intoBuffer.computeIfAbsent(n, k -> new ArrayList<>()).add(head.emitted(element, path, order[0]++));
                default -> throw new IllegalStateException("a fiber's tree reaches " + n.describe());
            }
        }
    }

    /**
     * Checks what was observed at a point against what the model expects there: nothing unknown,
     * nothing twice, each lane in order, and (when {@code exact}) nothing missing.
     */
    private static void checkObserved(String where, List<byte[]> observed, List<Item> expectedItems, boolean exact) {
        Map<Bytes, Item> expected = new HashMap<>();
        for (Item item : expectedItems) {
            if (expected.put(item.bytes(), item) != null) {
                throw new IllegalStateException("generator bug: the model expects " + item.show() + " twice at " + where);
            }
        }
        Set<Bytes> seen = new HashSet<>();
        List<Item> inOrder = new ArrayList<>();
        for (int i = 0; i < observed.size(); i++) {
            Bytes bytes = new Bytes(observed.get(i));
            Item item = expected.get(bytes);
            if (item == null) {
                throw new AssertionError(where + ": element #" + i + " " + bytes + " is not expected there (" + observed.size()
                    + " observed, " + expected.size() + " expected)\n" + around(observed, i));
            }
            if (!seen.add(bytes)) {
                throw new AssertionError(where + ": element #" + i + " " + bytes + " observed twice\n" + around(observed, i));
            }
            inOrder.add(item);
        }
        Map<String, List<Item>> lanes = new LinkedHashMap<>();
        for (Item item : inOrder) {
            lanes.computeIfAbsent(item.lane(), k -> new ArrayList<>()).add(item);
        }
        for (List<Item> lane : lanes.values()) {
            checkOrder(where, lane, 0);
        }
        if (exact && seen.size() != expected.size()) {
            List<String> missing = new ArrayList<>();
            for (Item item : expectedItems) {
                if (!seen.contains(item.bytes()) && missing.size() < 10) {
                    missing.add(item.show());
                }
            }
            throw new AssertionError(where + ": " + (expected.size() - seen.size()) + " of " + expected.size()
                + " expected elements missing, first: " + missing);
        }
    }

    /**
     * Items that share everything up to {@code level}, in the order observed: those that took the
     * same path at this level must come in rank order, and so on down the levels.
     */
    private static void checkOrder(String where, List<Item> items, int level) {
        Map<String, List<Item>> byPath = new LinkedHashMap<>();
        for (Item item : items) {
            byPath.computeIfAbsent(item.path()[level], k -> new ArrayList<>()).add(item);
        }
        for (List<Item> samePath : byPath.values()) {
            Map<Integer, List<Item>> byRank = new LinkedHashMap<>();
            Item previous = null;
            for (Item item : samePath) {
                if (previous != null && item.rank()[level] < previous.rank()[level]) {
                    throw new AssertionError(where + ": " + item.show() + " arrived after " + previous.show()
                        + ", out of order");
                }
                previous = item;
                byRank.computeIfAbsent(item.rank()[level], k -> new ArrayList<>()).add(item);
            }
            for (List<Item> sameRank : byRank.values()) {
                if (sameRank.size() > 1 && level + 1 < sameRank.get(0).rank().length) {
                    checkOrder(where, sameRank, level + 1);
                }
            }
        }
    }

    private static String around(List<byte[]> observed, int index) {
        StringBuilder text = new StringBuilder("  observed around it:");
        for (int i = Math.max(0, index - 4); i < Math.min(observed.size(), index + 3); i++) {
            text.append("\n    #").append(i).append(i == index ? " >" : "  ").append(Fn.show(observed.get(i)));
        }
        return text.toString();
    }

    // ================================================================ schedules and runs

    private record Sched(int steps, double pToggle, double pReadable, double pPush, double pFinish,
                         double pGrant, int maxGrant, double pSinkOp, int movesPerRound) {
        static Sched random(Random r, int chunk, int elements) {
            return new Sched(
                5 + r.nextInt(30 + 3 * elements),
                pick(r, 0.1, 0.3, 0.7),
                pick(r, 0.3, 0.6, 0.9),
                pick(r, 0.2, 0.5, 0.9),
                pick(r, 0.02, 0.1, 0.4),
                pick(r, 0.1, 0.4, 0.8),
                Math.max(1, (int) (chunk * pick(r, 0.25, 1, 3))),
                pick(r, 0.2, 0.5, 0.9),
                new int[] {1, 2, 4, Catalyst.DEFAULT_MOVES_PER_ROUND}[r.nextInt(4)]);
        }

        private static double pick(Random r, double... choices) {
            return choices[r.nextInt(choices.length)];
        }
    }

    /** One seed: the graph, its elements, its schedule, the catalyst running it and what was observed. */
    private static final class Run<E> {
        final Mode<E> mode;
        final String label;
        final Random rnd;
        final Spec spec;
        final List<List<byte[]>> elements = new ArrayList<>();
        final Sched sched;
        final int[] pushed;
        final boolean[] finished;
        final List<ManualSource<E>> sources = new ArrayList<>();
        final Map<N, TestSink<E>> sinks = new LinkedHashMap<>();
        final Map<N, List<byte[]>> probeLogs = new LinkedHashMap<>();
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final Catalyst catalyst;
        final Graph graph;
        Plan plan;
        long bound = -1;
        int step;
        String phase = "building";

        /** Everything random (graph, elements, schedule) comes from {@code rnd}; {@code label} names the run in a report. */
        Run(Mode<E> mode, String label, String name, Random rnd) {
            this.mode = mode;
            this.label = label;
            this.rnd = rnd;
            this.spec = Spec.generate(rnd);
            int total = 0;
            for (N source : spec.sources) {
                int count = rnd.nextInt(1 + new int[] {3, 10, 30, 60, 150, 400}[rnd.nextInt(6)]);
                List<byte[]> list = new ArrayList<>();
                for (int seq = 0; seq < count; seq++) {
                    byte[] payload = new byte[rnd.nextInt(spec.payloadMax + 1)];
                    rnd.nextBytes(payload);
                    list.add(Fn.source(source.id, seq, payload));
                }
                elements.add(list);
                total += count;
            }
            this.sched = Sched.random(rnd, spec.chunk, total);
            this.pushed = new int[spec.sources.size()];
            this.finished = new boolean[spec.sources.size()];
            this.catalyst = Catalyst.open(Catalyst.Config.defaults()
                .withName(name)
                .withChunkSize(spec.chunk)
                .withMovesPerRound(sched.movesPerRound())
                .withErrors((what, cause) -> errors.add(what + ": " + stackTrace(cause))));
            this.graph = Graph.on(catalyst);
        }

        void execute(Stats stats) {
            build();
            plan = graph.compile();
            bound = plan.retainedBound();
            CompletableFuture<Void> completion = graph.start();

            phase = "random";
            for (step = 0; step < sched.steps(); step++) {
                catalyst.execute(this::handleCheck);
                catalyst.execute(this::handleStep);
                catalyst.runOnce(0);
                throwIfErrors();
            }

            phase = "final";
            catalyst.execute(this::handleCheck);
            catalyst.execute(this::handleOpenEverything);
            int idle = 0;
            // A guard against work that never ends (a livelock); stalls are the idle rounds. The
            // graph may need many rounds: one element a round (movesPerRound 1) out of a buffer
            // that broadcasts and flatMaps fill with dozens per source element.
            long sourceElements = elements.stream().mapToLong(List::size).sum();
            long limit = 20_000 + 400 * sourceElements;
            for (step = 0; !completion.isDone(); step++) {
                if (step >= limit || idle >= 3) {
                    throw new AssertionError("the graph did not complete after everything became available ("
                        + step + " rounds, " + idle + " without work)\n" + diagnose());
                }
                catalyst.execute(this::handleCheck);
                int work = catalyst.runOnce(0) - 1;
                throwIfErrors();
                idle = work > 0 ? 0 : idle + 1;
            }
            try {
                completion.join();
            } catch (CompletionException e) {
                throw new AssertionError("the graph failed: " + stackTrace(e.getCause()));
            }

            phase = "verify";
            CompletableFuture<Observed> snapshot = catalyst.submit(this::handleObserve);
            catalyst.runOnce(0);
            throwIfErrors();
            Observed observed;
            try {
                observed = snapshot.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof AssertionError failure) {
                    throw failure;
                }
                throw e;
            }
            stats.finalRounds = Math.max(stats.finalRounds, step);
            verify(observed, stats);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private void build() {
            Object[] built = new Object[spec.nodes.size()];
            long salt = spec.salt;
            for (N n : spec.nodes) {
                Object made = switch (n.kind) {
                    case SOURCE -> {
                        ManualSource<E> source = new ManualSource<>(catalyst, "src" + n.id);
                        sources.add(source);
                        yield graph.from(source);
                    }
                    case MAP -> ((Feed) built[n.input().id]).map(
                        (Function<E, E>) e -> mode.wrap(Fn.map(salt, n, mode.bytes(e))));
                    case FILTER -> ((Feed) built[n.input().id]).filter((Predicate<E>) e -> Fn.keep(salt, n, mode.bytes(e)));
                    case FLATMAP -> ((Feed) built[n.input().id]).flatMap((Function<E, List<E>>) e -> {
                        List<E> outputs = new ArrayList<>();
                        for (byte[] output : Fn.flatMap(salt, n, mode.bytes(e))) {
                            outputs.add(mode.wrap(output));
                        }
                        return outputs;
                    });
                    case PROBE -> {
                        List<byte[]> log = new ArrayList<>();
                        probeLogs.put(n, log);
                        yield ((Feed) built[n.input().id]).map((Function<E, E>) e -> {
                            log.add(mode.bytes(e));
                            return e; // the very same element: a stage may pass its input on
                        });
                    }
                    case BROADCAST -> ((Feed) built[n.input().id]).broadcast();
                    case BRANCH -> n.dropping ? ((Feed.Broadcast) built[n.input().id]).dropping()
                        : ((Feed.Broadcast) built[n.input().id]).branch();
                    case UNION -> {
                        Feed[] inputs = new Feed[n.in.size()];
                        for (int i = 0; i < inputs.length; i++) {
                            inputs[i] = (Feed) built[n.in.get(i).id];
                        }
                        yield graph.union(inputs);
                    }
                    case INTERSECT -> {
                        List<Feed> inputs = new ArrayList<>();
                        for (N input : n.in) {
                            inputs.add((Feed) built[input.id]);
                        }
                        yield graph.intersect((List) inputs, (Function<List<E>, E>) parts -> {
                            List<byte[]> bytes = new ArrayList<>();
                            for (E part : parts) {
                                bytes.add(mode.bytes(part));
                            }
                            return mode.wrap(Fn.combine(n, bytes));
                        });
                    }
                    case BUFFER -> ((Feed) built[n.input().id]).buffer(n.capacity);
                    case SINK -> {
                        TestSink<E> sink = n.collector ? new CollectorHandle<>(catalyst, mode) : mode.sink(catalyst, "sink" + n.id);
                        sinks.put(n, sink);
                        ((Feed) built[n.input().id]).to(sink.endpoint());
                        yield null;
                    }
                };
                built[n.id] = made;
            }
        }

        // ---------------------------------------------------------------- catalyst-thread actions

        /** DESIGN N3, after every round: the plan's bound, one move per sink, capacity plus one move per buffer. */
        private void handleCheck() {
            long retained = catalyst.retainedBytes();
            long peak = catalyst.peakRetainedBytes();
            if (retained > bound || peak > bound) {
                throw new AssertionError("retained bytes " + retained + " (peak " + peak + ") exceed the plan's bound " + bound);
            }
            long pendingBytes = 0;
            for (Map.Entry<N, TestSink<E>> entry : sinks.entrySet()) {
                N node = entry.getKey();
                TestSink<E> sink = entry.getValue();
                long bytes = sink.handlePendingBytes();
                int count = sink.handlePendingCount();
                pendingBytes += bytes;
                // A byte sink may also hold what it gathered of earlier moves and could not write (N16): one chunk.
                long gathered = sink.endpoint() instanceof dev.pushback.catalyst.spi.AbstractByteSink ? spec.chunk : 0;
                if (bytes > spec.maxMoveBytes.getOrDefault(node, 0L) + gathered || count > spec.maxMoveCount.getOrDefault(node, 0L)) {
                    throw new AssertionError("sink" + node.id + " holds " + bytes + " B / " + count
                        + " elements pending, more than one move can give it (" + spec.maxMoveBytes.get(node) + " B + " + gathered + " B gathered / "
                        + spec.maxMoveCount.get(node) + " elements)");
                }
            }
            if (retained - pendingBytes > spec.bufferBound) {
                throw new AssertionError("buffers hold " + (retained - pendingBytes) + " B, more than their capacity plus one move ("
                    + spec.bufferBound + " B)");
            }
        }

        private void handleStep() {
            for (int i = 0; i < sources.size(); i++) {
                ManualSource<E> source = sources.get(i);
                List<byte[]> list = elements.get(i);
                if (rnd.nextDouble() < sched.pToggle()) {
                    source.handleSetReadable(rnd.nextDouble() < sched.pReadable());
                }
                if (pushed[i] < list.size() && rnd.nextDouble() < sched.pPush()) {
                    for (int k = 1 + rnd.nextInt(3); k > 0 && pushed[i] < list.size(); k--) {
                        source.handlePush(mode.wrap(list.get(pushed[i]++)));
                    }
                }
                if (pushed[i] == list.size() && !finished[i] && rnd.nextDouble() < sched.pFinish()) {
                    finished[i] = true;
                    source.handleFinish();
                }
            }
            for (TestSink<E> sink : sinks.values()) {
                sink.handleStep(rnd, sched);
            }
        }

        private void handleOpenEverything() {
            for (int i = 0; i < sources.size(); i++) {
                ManualSource<E> source = sources.get(i);
                List<byte[]> list = elements.get(i);
                while (pushed[i] < list.size()) {
                    source.handlePush(mode.wrap(list.get(pushed[i]++)));
                }
                source.handleSetReadable(true);
                if (!finished[i]) {
                    finished[i] = true;
                    source.handleFinish();
                }
            }
            for (TestSink<E> sink : sinks.values()) {
                sink.handleOpenFully();
            }
        }

        private Observed handleObserve() {
            handleCheck();
            Map<N, List<byte[]>> received = new LinkedHashMap<>();
            long shortWrites = 0;
            for (Map.Entry<N, TestSink<E>> entry : sinks.entrySet()) {
                received.put(entry.getKey(), entry.getValue().handleReceived("sink" + entry.getKey().id));
                shortWrites += entry.getValue().handleShortWrites();
            }
            return new Observed(received, plan.dropped(), catalyst.retainedBytes(), catalyst.peakRetainedBytes(),
                Core.of(catalyst).handleFiberCount(), Core.of(catalyst).handleOpenEndpoints(), Core.of(catalyst).handleAllocatedBits(),
                Core.of(catalyst).pool().handleLent(), shortWrites);
        }

        // ---------------------------------------------------------------- verification

        private void verify(Observed observed, Stats stats) {
            assertThat(observed.retained()).as("bytes retained after completion").isZero();
            assertThat(observed.fibers()).as("live fibers after completion").isZero();
            assertThat(observed.openEndpoints()).as("open endpoints after completion").isZero();
            assertThat(observed.allocatedBits()).as("availability bits still allocated after completion").isZero();
            assertThat(observed.lent()).as("pool buffers still lent after completion").isZero();

            // What each dropping branch let through: from its probe, or from the sink straight below it.
            Map<N, Set<Bytes>> passed = new HashMap<>();
            for (N drop : spec.drops) {
                List<byte[]> through = drop.probe != null ? probeLogs.get(drop.probe) : observed.received().get(drop.output());
                Set<Bytes> set = new HashSet<>();
                through.forEach(bytes -> set.add(new Bytes(bytes)));
                passed.put(drop, set);
            }
            Model model = new Model(spec, elements, passed);

            for (N sink : spec.sinks) {
                checkObserved("sink" + sink.id, observed.received().get(sink), model.expected.getOrDefault(sink, List.of()), true);
            }
            long dropped = 0;
            for (N drop : spec.drops) {
                List<Item> arrived = model.arrivals.getOrDefault(drop, List.of());
                if (drop.probe != null) {
                    checkObserved("below dropping branch n" + drop.id, probeLogs.get(drop.probe), arrived, false);
                }
                Set<Bytes> through = passed.get(drop);
                for (Item item : arrived) {
                    if (!through.contains(item.bytes())) {
                        dropped++;
                    }
                }
            }
            assertThat(observed.dropped())
                .as("Plan.dropped(): elements that reached a dropping branch and did not pass it")
                .isEqualTo(dropped);
            stats.add(spec, model, observed, dropped);
        }

        private void throwIfErrors() {
            if (!errors.isEmpty()) {
                throw new AssertionError("reported on the catalyst: " + String.join("\n", errors));
            }
        }

        private String diagnose() {
            CompletableFuture<String> state = catalyst.submit(() -> {
                StringBuilder text = new StringBuilder("frontier: ").append(Core.of(catalyst).handleFrontier())
                    .append("; live fibers: ").append(Core.of(catalyst).handleFiberCount())
                    .append("; retained: ").append(catalyst.retainedBytes()).append('\n');
                for (ManualSource<E> source : sources) {
                    text.append("  ").append(endpointState(source)).append(", waiting ").append(source.handleWaiting())
                        .append(", given ").append(source.handleGiven()).append('\n');
                }
                for (Map.Entry<N, TestSink<E>> sink : sinks.entrySet()) {
                    text.append("  ").append(endpointState(sink.getValue().endpoint())).append(", ")
                        .append(sink.getValue().handleState()).append('\n');
                }
                return text.toString();
            });
            catalyst.runOnce(0);
            return state.getNow("(no state)");
        }

        private static String endpointState(Endpoint endpoint) {
            return endpoint.name() + (endpoint.handleIsClosed() ? " closed" : " open")
                + (endpoint.handleIsAvailable() ? " available" : " unavailable") + " bit " + endpoint.handleBit()
                + " waiters " + endpoint.handleWaiterCount();
        }

        String report(String why) {
            StringBuilder text = new StringBuilder();
            text.append(label).append(" (").append(mode.name()).append("), ").append(phase)
                .append(" phase, step ").append(step).append(": ").append(why).append('\n');
            text.append("--- graph (chunk ").append(spec.chunk).append(" B, payload <= ").append(spec.payloadMax)
                .append(" B, buffers' bound ").append(spec.bufferBound).append(" B, plan bound ").append(bound).append(" B)\n");
            text.append(spec.describe());
            text.append("--- elements per source: ");
            for (List<byte[]> list : elements) {
                text.append(list.size()).append(' ');
            }
            text.append("\n--- schedule: ").append(sched).append('\n');
            try {
                text.append("--- graph.explain():\n").append(graph.explain());
            } catch (RuntimeException e) {
                text.append("--- graph.explain() failed: ").append(e);
            }
            return text.toString();
        }

        void close() {
            try {
                catalyst.close();
            } catch (RuntimeException e) {
                // reported by the run already
            }
        }
    }

    private record Observed(Map<N, List<byte[]>> received, long dropped, long retained, long peak, int fibers,
                            int openEndpoints, int allocatedBits, int lent, long shortWrites) {}

    // ================================================================ modes and test sinks

    /** How elements travel: byte chunks or typed objects. */
    private interface Mode<E> {
        String name();

        E wrap(byte[] element);

        /** The element's bytes, without consuming it. */
        byte[] bytes(E element);

        TestSink<E> sink(Catalyst catalyst, String name);
    }

    /** A sink endpoint the test schedules and reads back. Catalyst thread only. */
    private abstract static class TestSink<E> {
        abstract AbstractSink<? super E> endpoint();

        void handleStep(Random rnd, Sched sched) {}

        void handleOpenFully() {}

        abstract List<byte[]> handleReceived(String where);

        long handlePendingBytes() {
            return 0;
        }

        int handlePendingCount() {
            return 0;
        }

        long handleShortWrites() {
            return 0;
        }

        String handleState() {
            return "";
        }
    }

    private static final class ByteMode implements Mode<ByteBuffer> {
        @Override
        public String name() {
            return "bytes";
        }

        @Override
        public ByteBuffer wrap(byte[] element) {
            return ByteBuffer.wrap(element.clone());
        }

        @Override
        public byte[] bytes(ByteBuffer element) {
            ByteBuffer view = element.duplicate();
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            return bytes;
        }

        @Override
        public TestSink<ByteBuffer> sink(Catalyst catalyst, String name) {
            ScriptedByteSink sink = new ScriptedByteSink(catalyst, name);
            return new TestSink<>() {
                @Override
                AbstractSink<? super ByteBuffer> endpoint() {
                    return sink;
                }

                @Override
                void handleStep(Random rnd, Sched sched) {
                    if (rnd.nextDouble() < sched.pGrant()) {
                        sink.handleGrant(rnd.nextInt(sched.maxGrant() + 1));
                    }
                }

                @Override
                void handleOpenFully() {
                    sink.handleUnlimited();
                }

                @Override
                List<byte[]> handleReceived(String where) {
                    return Fn.frames(sink.handleWritten(), where);
                }

                @Override
                long handlePendingBytes() {
                    return sink.handlePendingBytes();
                }

                @Override
                long handleShortWrites() {
                    return sink.handleShortWrites();
                }

                @Override
                String handleState() {
                    return "pending " + sink.handlePendingBytes() + " B, writes " + sink.handleWrites();
                }
            };
        }
    }

    /** Typed elements: the bytes in an immutable holder, so nothing is shared by position. */
    private record Typed(byte[] bytes) {}

    private static final class TypedMode implements Mode<Typed> {
        @Override
        public String name() {
            return "typed";
        }

        @Override
        public Typed wrap(byte[] element) {
            return new Typed(element.clone());
        }

        @Override
        public byte[] bytes(Typed element) {
            return element.bytes();
        }

        @Override
        public TestSink<Typed> sink(Catalyst catalyst, String name) {
            ManualSink<Typed> sink = new ManualSink<>(catalyst, name);
            return new TestSink<>() {
                @Override
                AbstractSink<? super Typed> endpoint() {
                    return sink;
                }

                @Override
                void handleStep(Random rnd, Sched sched) {
                    if (rnd.nextDouble() < sched.pSinkOp()) {
                        int op = rnd.nextInt(10);
                        if (op < 4) {
                            sink.handleAcceptThenBlock(1 + rnd.nextInt(3));
                        } else if (op < 6) {
                            sink.handleSetWritable(true);
                        } else {
                            sink.handleSetWritable(false);
                        }
                    }
                }

                @Override
                void handleOpenFully() {
                    sink.handleSetWritable(true);
                }

                @Override
                List<byte[]> handleReceived(String where) {
                    List<byte[]> received = new ArrayList<>();
                    for (Typed item : sink.handleReceived()) {
                        received.add(item.bytes());
                    }
                    return received;
                }

                @Override
                int handlePendingCount() {
                    return sink.handlePendingCount();
                }

                @Override
                long handleShortWrites() {
                    return sink.handleOfferedWhileBlocked();
                }

                @Override
                String handleState() {
                    return "pending " + sink.handlePendingCount() + " elements, received " + sink.handleReceived().size();
                }
            };
        }
    }

    /** A collector: always writable, the result completes at the end of input (DESIGN N10). */
    private static final class CollectorHandle<E> extends TestSink<E> {
        private final CollectorSink<E, ?, List<byte[]>> sink;

        CollectorHandle(Catalyst catalyst, Mode<E> mode) {
            this.sink = CollectorSink.of(catalyst, Collector.<E, List<byte[]>>of(ArrayList::new,
                (list, element) -> list.add(mode.bytes(element)), (a, b) -> {
                    a.addAll(b);
                    return a;
                }));
        }

        @Override
        AbstractSink<? super E> endpoint() {
            return sink;
        }

        @Override
        List<byte[]> handleReceived(String where) {
            if (!sink.result().isDone()) {
                throw new AssertionError(where + ": the collector's result is not complete after the graph completed");
            }
            return sink.result().join();
        }

        @Override
        String handleState() {
            return "collector " + (sink.result().isDone() ? "done" : "running");
        }
    }

    // ================================================================ coverage

    /** What the seeds exercised, so that a generator change cannot quietly stop covering a case. */
    private static final class Stats {
        final Map<String, Integer> counts = new TreeMap<>();
        long elementsDelivered;
        int finalRounds;

        void count(String what, boolean happened) {
            if (happened) {
                counts.merge(what, 1, Integer::sum);
            }
        }

        void add(Spec spec, Model model, Observed observed, long dropped) {
            boolean diamond = false;
            boolean multiFiberUnion = false;
            for (N n : spec.nodes) {
                if (n.kind == Kind.UNION) {
                    Set<String> lanes = new HashSet<>();
                    boolean shared = false;
                    for (N input : n.in) {
                        for (String lane : input.lanes) {
                            shared |= !lanes.add(lane);
                        }
                    }
                    diamond |= shared;
                    multiFiberUnion |= lanes.size() > 1;
                }
            }
            count("diamond", diamond);
            count("union of fibers", multiFiberUnion);
            count("dropping branch", !spec.drops.isEmpty());
            count("drops happened", dropped > 0);
            count("intersect", spec.nodes.stream().anyMatch(n -> n.kind == Kind.INTERSECT));
            count("intersect over buffer", spec.buffers.stream().anyMatch(b -> b.claimed));
            count("buffer", !spec.buffers.isEmpty());
            count("flatMap", spec.nodes.stream().anyMatch(n -> n.kind == Kind.FLATMAP));
            count("collector", spec.sinks.stream().anyMatch(s -> s.collector));
            count("short writes / blocked offers", observed.shortWrites() > 0);
            count("bytes retained", observed.peak() > 0);
            for (List<Item> items : model.expected.values()) {
                elementsDelivered += items.size();
            }
        }

        void assertCoverage() {
            for (String what : List.of("diamond", "union of fibers", "dropping branch", "drops happened", "intersect",
                "intersect over buffer", "buffer", "flatMap", "collector", "short writes / blocked offers")) {
                assertThat(counts.getOrDefault(what, 0)).as("seeds covering '" + what + "'").isGreaterThan(0);
            }
        }

        @Override
        public String toString() {
            return counts + ", elements delivered " + elementsDelivered + ", most rounds to complete " + finalRounds;
        }
    }
}
