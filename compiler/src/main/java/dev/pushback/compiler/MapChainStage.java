package dev.pushback.compiler;

import java.util.function.Function;

/**
 * Consecutive maps fused into one stage (DESIGN C4): the functions are applied in a loop and the
 * result goes on with one call, where a chain of {@link MapStage}s makes two calls per map (the
 * function and the next stage), each through a call site that every graph in the JVM shares.
 */
final class MapChainStage extends Stage {
    private final Function<Object, Object>[] functions;
    private final Stage next;

    @SuppressWarnings("unchecked")
    MapChainStage(Object[] functions, Stage next) {
        this.functions = new Function[functions.length];
        for (int i = 0; i < functions.length; i++) {
            this.functions[i] = (Function<Object, Object>) functions[i];
        }
        this.next = next;
    }

    @Override
    void accept(Object element) throws Exception {
        Function<Object, Object>[] fs = functions;
        int count = fs.length;
        Object value = element;
        int i = 0;
        // Unrolled by four: each call site gets its own type profile and its own indirect
        // branch, which the CPU predicts better than one site cycling through every function.
        for (; i + 4 <= count; i += 4) {
            value = fs[i].apply(value);
            value = fs[i + 1].apply(value);
            value = fs[i + 2].apply(value);
            value = fs[i + 3].apply(value);
        }
        for (; i < count; i++) {
            value = fs[i].apply(value);
        }
        next.accept(value);
    }

    @Override
    void end() throws Exception {
        next.end();
    }
}
