/**
 * The endpoint SPI: what a custom source, sink or protocol stage is written against.
 *
 * <h2>Threading: the {@code handle} and {@code h_} convention (DESIGN T3)</h2>
 *
 * <p>A catalyst is one thread. Every method named {@code handleSomething} runs on that thread
 * only, and every field named {@code h_something} is touched only there; such methods never block
 * (DESIGN T4). A method without the prefix is safe from any thread. With assertions on
 * ({@code -ea}), {@code handle} methods check that they run on the catalyst
 * ({@code assert reactor.handleAssertOwner();}). A helper thread of an endpoint (a blocking bridge)
 * reaches the catalyst only through {@link dev.pushback.catalyst.spi.Reactor#execute}.
 *
 * <h2>Availability (DESIGN N1, N2)</h2>
 *
 * <p>An endpoint owns one availability bit, set while it is known available: a source can give an
 * element, a sink can take one. It is sticky: an endpoint clears it
 * ({@code handleClearAvailable()}) only when an operation proves it unavailable (a read that gave
 * nothing, a partial write), and is then <em>armed</em> ({@code handleArm()}): it arranges to learn
 * when it is available again (register interest, start a timer, wake a helper) and sets the bit
 * ({@code handleSetAvailable()}) when it is. A fiber runs only while every bit of its mask is set.
 *
 * <h2>Failure (DESIGN N11)</h2>
 *
 * <p>An endpoint whose IO fails on its own — a read or write that threw outside a fiber's move, a
 * connection that could not be made — calls {@code handleFail(cause)} (on a source or a sink): it
 * closes with {@code cause}, and the fibers that use it fail now with that one cause, reported
 * once, while the other fibers and the catalyst go on.
 *
 * <h2>Memory (DESIGN N3)</h2>
 *
 * <p>A sink holds at most one pending element; an endpoint that holds data bytes counts them with
 * {@link dev.pushback.catalyst.spi.Reactor#handleRetain} and declares its worst case in
 * {@code retainedBound()}, which a plan adds into its bound. Buffers come from the catalyst's
 * {@link dev.pushback.catalyst.spi.BufferPool} and go back when the endpoint closes.
 *
 * <h2>A custom sink</h2>
 *
 * <pre>{@code
 * final class CountingSink extends AbstractSink<String> {
 *     private long h_count;
 *
 *     CountingSink(Catalyst catalyst) { super(catalyst, "count"); }
 *
 *     @Override public void handleAccept(String element) { h_count++; }      // always writable
 *     @Override protected boolean handleHasPending() { return false; }
 *     @Override protected void handleFinish() { System.out.println(h_count); }
 * }
 * graph.from(...).map(Object::toString).to(new CountingSink(catalyst));
 * }</pre>
 *
 * <p>{@link dev.pushback.catalyst.spi.AbstractByteSource} and
 * {@link dev.pushback.catalyst.spi.AbstractByteSink} do the chunk, line and pending-buffer
 * bookkeeping for byte endpoints; a channel endpoint registers its channel through
 * {@link dev.pushback.catalyst.spi.Reactor#handleRegister} and hears readiness through a
 * {@link dev.pushback.catalyst.spi.ReadyHandler}.
 */
package dev.pushback.catalyst.spi;
