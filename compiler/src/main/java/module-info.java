/**
 * The pushback compiler: turns the graph the dsl builds into fibers with availability masks and
 * fused bodies (DESIGN C1–C4).
 *
 * <p>Users see {@code dev.pushback.compiler}: a compiled {@code Plan}, the {@code Transform} of
 * a stateful stage, and {@code CompileException}. The graph IR and the compiler itself are
 * exported only to the dsl.
 */
module dev.pushback.compiler {
    requires transitive dev.pushback.catalyst;

    exports dev.pushback.compiler;
    exports dev.pushback.compiler.ir to dev.pushback.dsl;
    exports dev.pushback.compiler.internal to dev.pushback.dsl;
}
