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
        if (predicate.test(element)) {
            next.accept(element);
        }
    }

    @Override
    void end() throws Exception {
        next.end();
    }
}
