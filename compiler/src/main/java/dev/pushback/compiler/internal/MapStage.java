package dev.pushback.compiler.internal;

import java.util.function.Function;

final class MapStage extends Stage {
    private final Function<Object, Object> function;
    private final Stage next;

    @SuppressWarnings("unchecked")
    MapStage(Object function, Stage next) {
        this.function = (Function<Object, Object>) function;
        this.next = next;
    }

    @Override
    void accept(Object element) throws Exception {
        next.accept(function.apply(element));
    }

    @Override
    void end() throws Exception {
        next.end();
    }
}
