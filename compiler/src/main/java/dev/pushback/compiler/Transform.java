package dev.pushback.compiler;

/**
 * A stage with state that may emit any number of elements per input: {@code flatMap}, line
 * splitting, charset decoding. Each fiber gets its own instance. Runs on the catalyst thread.
 *
 * <pre>{@code
 * Transform<String, String> words = (line, out) -> {
 *     for (String word : line.split(" ")) out.emit(word);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface Transform<I, O> {
    /** Where a transform sends what it makes. */
    @FunctionalInterface
    interface Emitter<O> {
        void emit(O element) throws Exception;
    }

    void accept(I element, Emitter<? super O> out) throws Exception;

    /** The input ended: emit what is still held (a last line without a newline). */
    default void end(Emitter<? super O> out) throws Exception {}
}
