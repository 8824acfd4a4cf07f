package dev.pushback.catalyst;

import java.nio.channels.SelectableChannel;


import dev.pushback.catalyst.internal.Core;
import java.util.Objects;

/**
 * A catalyst whose poll loop belongs to its host (DESIGN section 6): reading it gives the frontier
 * — the channels it waits on, with their operations, and how long the host may block — and the
 * host writes back the readiness it saw. The catalyst itself never selects and never blocks.
 *
 * <pre>{@code
 * Selector mine = Selector.open();                  // the host's own poll loop
 * HostedPolling hosted = HostedPolling.open(Catalyst.Config.defaults(), mine::wakeup);
 * Graph graph = Graph.on(hosted.catalyst());
 * ... build and start a graph ...
 * while (!done.isDone()) {
 *     long nanos = hosted.readFrontier((channel, ops) -> {
 *         SelectionKey key = channel.keyFor(mine);
 *         if (key == null) channel.register(mine, ops, hosted); else key.interestOps(ops);
 *     });
 *     mine.select(key -> { if (key.attachment() == hosted) hosted.ready(key.channel(), key.readyOps()); }, millis(nanos));
 *     hosted.run();
 * }
 * }</pre>
 *
 * <p>The methods are called by the host's thread; each takes the catalyst for its duration, so the
 * host must not run the catalyst any other way at the same time. {@link Catalyst#execute} and
 * {@link Catalyst#close()} from other threads call the host's {@code wakeup}.
 */
public final class HostedPolling {
    /** Receives one entry of the frontier. */
    @FunctionalInterface
    public interface FrontierVisitor {
        /**
         * The catalyst now waits for {@code ops} on {@code channel}; 0 means for nothing. A channel
         * the catalyst closes is not reported: closing it cancels the host's keys already.
         */
        void interest(SelectableChannel channel, int ops) throws Exception;
    }

    private final Catalyst catalyst;
    private final Core core;

    private HostedPolling(Catalyst.Config config, Runnable wakeup) {
        this.catalyst = new Catalyst(config, Objects.requireNonNull(wakeup, "wakeup"));
        this.core = Core.of(catalyst);
    }

    /**
     * A hosted catalyst.
     *
     * @param wakeup makes the host's blocking poll return (for a {@link java.nio.channels.Selector},
     *     its {@code wakeup}); called from any thread
     */
    public static HostedPolling open(Catalyst.Config config, Runnable wakeup) {
        return new HostedPolling(config, wakeup);
    }

    /** The catalyst to build graphs on. */
    public Catalyst catalyst() {
        return catalyst;
    }

    /**
     * Reports what changed in the frontier since the last read (the whole frontier on the first),
     * then returns how long the host may block before it must call {@link #run()}: 0 when work
     * already waits, {@link Long#MAX_VALUE} when only readiness can bring more.
     *
     * @return nanoseconds the host may block
     */
    public long readFrontier(FrontierVisitor visitor) throws Exception {
        return core.hostedReadFrontier(visitor);
    }

    /** The host saw {@code channel} ready for {@code readyOps}; ignored for channels the catalyst no longer has. */
    public void ready(SelectableChannel channel, int readyOps) {
        core.hostedReady(channel, readyOps);
    }

    /** One round without polling: queued tasks, due timers, the fibers that readiness made runnable. */
    public int run() {
        return core.hostedRun();
    }
}
