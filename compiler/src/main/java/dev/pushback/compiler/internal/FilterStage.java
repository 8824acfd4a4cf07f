package dev.pushback.compiler.internal;

import java.util.function.Predicate;

/** A rejected element goes nowhere and leaves every sink's bit as it was (DESIGN N8). */
final class FilterStage extends Stage {
    private final Predicate<Object> predicate;
    private final Stage next;

    @SuppressWarnings("unchecked")
    FilterStage(Object predicate, Stage next) {
        this.predicate = (Predicate<Object>) predicate;
        this.next = next;
    }

    @Override
    void accept(Object element) throws Exception {
        boolean passes;
        try {
            passes = predicate.test(element);
        } catch (Throwable t) {
            throw failed(t, 0);
        }
        if (passes) {
            next.accept(element);
        }
    }

    @Override
    void end() throws Exception {
        next.end();
    }
}
