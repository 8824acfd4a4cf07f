package dev.pushback.compiler;

/** The graph cannot be compiled as written; the message says what to change. */
public final class CompileException extends IllegalArgumentException {
    public CompileException(String message) {
        super(message);
    }
}
