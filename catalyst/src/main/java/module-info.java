/**
 * The pushback runtime: a catalyst (one thread around a selector) that runs a fiber only when
 * every endpoint it touches is available (DESIGN N1).
 *
 * <ul>
 *   <li>{@code dev.pushback.catalyst}: what users hold: the {@code Catalyst}, its config and
 *       statistics, host-owned polling, and opaque {@code Source}/{@code Sink} handles;
 *   <li>{@code dev.pushback.catalyst.spi}: what endpoint authors write against, with the
 *       {@code handle}/{@code h_} threading contract in its package documentation;
 *   <li>the runtime itself (fibers, bits, scheduling, the built-in endpoints) is exported only to
 *       the project's own modules.
 * </ul>
 */
module dev.pushback.catalyst {
    requires transitive org.agrona;
    requires org.jctools.core;
    // Agrona and JCTools use sun.misc.Unsafe; requiring it here resolves it on the module path.
    requires jdk.unsupported;
    // The process's descriptor limit, for the connection budget (DESIGN N13).
    requires jdk.management;

    exports dev.pushback.catalyst;
    exports dev.pushback.catalyst.spi;
    exports dev.pushback.catalyst.internal to dev.pushback.compiler, dev.pushback.dsl;
    exports dev.pushback.catalyst.endpoint to dev.pushback.compiler, dev.pushback.dsl;
    exports dev.pushback.catalyst.flow to dev.pushback.dsl;
}
