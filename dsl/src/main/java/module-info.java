/**
 * The pushback API users write: dataflow graphs ({@code dev.pushback.dsl}: {@code Graph},
 * {@code Feed}, {@code Listener}), the backpressured HTTP/1.1 server
 * ({@code dev.pushback.dsl.http}) and TLS key material and trust ({@code dev.pushback.dsl.tls}).
 *
 * <pre>{@code
 * module my.app {
 *     requires dev.pushback.dsl;   // brings the catalyst and the compiler's user types with it
 * }
 * }</pre>
 */
module dev.pushback.dsl {
    requires transitive dev.pushback.compiler;

    exports dev.pushback.dsl;
    exports dev.pushback.dsl.http;
    exports dev.pushback.dsl.tls;
}
