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
        Object result;
        try {
            result = function.apply(element);
        } catch (Throwable t) {
            throw failed(t, 0);
        }
        next.accept(result);
    }

    @Override
    void end() throws Exception {
        next.end();
    }
}
