package dev.pushback.compiler.internal;

import dev.pushback.compiler.Transform;

/**
 * Runs a {@link Transform}. What it emits beyond what the sink takes becomes the sink's pending
 * element (DESIGN N8), so the expansion is bounded by one input element.
 */
final class TransformStage extends Stage implements Transform.Emitter<Object> {
    private final Transform<Object, Object> transform;
    private final Stage next;

    @SuppressWarnings("unchecked")
    TransformStage(Transform<?, ?> transform, Stage next) {
        this.transform = (Transform<Object, Object>) transform;
        this.next = next;
    }

    @Override
    void accept(Object element) throws Exception {
        try {
            transform.accept(element, this);
        } catch (Throwable t) {
            throw failed(t, 0);
        }
    }

    @Override
    public void emit(Object element) throws Exception {
        next.accept(element);
    }

    @Override
    void end() throws Exception {
        try {
            transform.end(this);
        } catch (Throwable t) {
            throw failed(t, 0);
        }
        next.end();
    }
}
