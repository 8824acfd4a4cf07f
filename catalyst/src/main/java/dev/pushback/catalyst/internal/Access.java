package dev.pushback.catalyst.internal;

import java.util.function.Function;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Endpoint;

/**
 * How the runtime reaches what the user and SPI types keep private: a {@link Catalyst}'s core and
 * an {@link Endpoint}'s bit and waiters. Each of those classes installs its part once, in its
 * static initializer, so the runtime can hold them without their showing runtime methods to users
 * (DESIGN section 7). Not exported outside the project's modules.
 */
public final class Access {
    /** The runtime's view of an endpoint; catalyst thread only. */
    public interface EndpointHooks {
        int bit(Endpoint endpoint);

        /** Gives the endpoint its bit and opens it. */
        void bind(Endpoint endpoint, int bit) throws Exception;

        void unbound(Endpoint endpoint);

        void addWaiter(Endpoint endpoint, Fiber fiber);

        void removeWaiter(Endpoint endpoint, Fiber fiber);
    }

    private static volatile Function<Catalyst, Core> cores;
    private static volatile EndpointHooks endpoints;

    private Access() {}

    /** Called once, by {@link Catalyst}'s static initializer. */
    public static void installCores(Function<Catalyst, Core> of) {
        if (cores != null) {
            throw new IllegalStateException("installed already");
        }
        cores = of;
    }

    /** Called once, by {@link Endpoint}'s static initializer. */
    public static void installEndpoints(EndpointHooks hooks) {
        if (endpoints != null) {
            throw new IllegalStateException("installed already");
        }
        endpoints = hooks;
    }

    static Core core(Catalyst catalyst) {
        return cores.apply(catalyst); // a catalyst exists, so its class has installed the function
    }

    static EndpointHooks endpoints() {
        return endpoints; // an endpoint exists, so its class has installed the hooks
    }
}
