package dev.pushback.catalyst.internal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import dev.pushback.catalyst.spi.Endpoint;

/**
 * Fiber scheduling (DESIGN N1, N15, C2, C3): the availability bitset, the bound endpoints, the
 * live fibers and the queue of fibers to check. A fiber is queued only when an endpoint it waits
 * on turns available, so a round costs what its ready endpoints cost, not what all fibers cost.
 * Catalyst thread only.
 */
final class Scheduler {
    final AvailabilityBits h_bits = new AvailabilityBits();
    private final ArrayDeque<Fiber> h_ready = new ArrayDeque<>();
    private final List<Fiber> h_fibers = new ArrayList<>();
    // Insertion-ordered, O(1) removal: an endpoint closing must not cost O(endpoints) (C5).
    private final Set<Endpoint> h_bound = new LinkedHashSet<>();
    int h_openEndpoints;
    long h_checks;

    /**
     * Binds the fibers' unbound endpoints, giving each fiber's new bits one word where they fit
     * (C2), registers the fibers as waiters and queues them for a first check; {@code setMasks}
     * sets a fiber's mask once its endpoints have bits.
     */
    void handleStart(List<Fiber> fibers, Consumer<Fiber> setMasks) {
        Access.EndpointHooks hooks = Access.endpoints();
        for (Fiber fiber : fibers) {
            List<Endpoint> unbound = new ArrayList<>();
            for (Endpoint endpoint : fiber.uses()) {
                if (hooks.bit(endpoint) < 0 && !endpoint.handleIsClosed() && !unbound.contains(endpoint)) {
                    unbound.add(endpoint);
                }
            }
            int[] bits = h_bits.allocate(unbound.size());
            for (int i = 0; i < bits.length; i++) {
                Endpoint endpoint = unbound.get(i);
                h_bound.add(endpoint);
                try {
                    hooks.bind(endpoint, bits[i]);
                } catch (Exception e) {
                    endpoint.handleClose(e);
                }
            }
        }
        for (Fiber fiber : fibers) {
            fiber.h_live = true;
            fiber.h_index = h_fibers.size();
            h_fibers.add(fiber);
            for (Endpoint endpoint : fiber.waitsOn()) {
                hooks.addWaiter(endpoint, fiber);
            }
        }
        for (Fiber fiber : fibers) {
            Throwable unstartable = handleClosedBeforeStart(fiber, hooks);
            if (unstartable != null) {
                fiber.handleFail(unstartable);
                continue;
            }
            setMasks.accept(fiber);
            handleWake(fiber);
        }
    }

    /**
     * Why a fiber cannot start: an endpoint it uses closed before it had a bit (its open failed,
     * or it was closed already). Such an endpoint has no bit to put in a mask.
     */
    private static Throwable handleClosedBeforeStart(Fiber fiber, Access.EndpointHooks hooks) {
        for (Endpoint endpoint : fiber.uses()) {
            if (hooks.bit(endpoint) < 0 && endpoint.handleIsClosed()) {
                Throwable failure = endpoint.closed().handle((ok, f) -> f).getNow(null);
                return failure != null ? failure : new IOException(endpoint.name() + " was closed before its graph started");
            }
        }
        return null;
    }

    /** Queues a fiber to be checked this round or the next (C3). */
    void handleWake(Fiber fiber) {
        if (!fiber.h_queued && fiber.h_live) {
            fiber.h_queued = true;
            h_ready.addLast(fiber);
        }
    }

    boolean handleHasReady() {
        return !h_ready.isEmpty();
    }

    /** Runs each queued fiber once, up to its budget; one whose budget ran out goes to the back (N15). */
    int handleRunFibers(int movesPerRound) {
        int moves = 0;
        int count = h_ready.size();
        for (int i = 0; i < count; i++) {
            Fiber fiber = h_ready.pollFirst();
            fiber.h_queued = false;
            h_checks++;
            if (!fiber.h_live) {
                continue;
            }
            moves += fiber.handleRun(movesPerRound);
            if (fiber.h_live && fiber.handleIsReady()) {
                handleWake(fiber);
            }
        }
        return moves;
    }

    /** Removes a fiber; false when it was already gone. */
    boolean handleRetire(Fiber fiber) {
        if (!fiber.h_live) {
            return false;
        }
        fiber.h_live = false;
        Fiber last = h_fibers.remove(h_fibers.size() - 1);
        if (last != fiber) {
            h_fibers.set(fiber.h_index, last);
            last.h_index = fiber.h_index;
        }
        fiber.h_index = -1;
        Access.EndpointHooks hooks = Access.endpoints();
        for (Endpoint endpoint : fiber.waitsOn()) {
            hooks.removeWaiter(endpoint, fiber);
        }
        return true;
    }

    void handleUnbind(Endpoint endpoint) {
        Access.EndpointHooks hooks = Access.endpoints();
        h_bits.free(hooks.bit(endpoint));
        hooks.unbound(endpoint);
        h_bound.remove(endpoint);
    }

    int handleFiberCount() {
        return h_fibers.size();
    }

    boolean handleHasFibers() {
        return !h_fibers.isEmpty();
    }

    /** The endpoints on the frontier: bit clear and some fiber waiting (N2). */
    List<Endpoint> handleFrontier() {
        List<Endpoint> frontier = new ArrayList<>();
        for (Endpoint endpoint : h_bound) {
            if (!endpoint.handleIsClosed() && endpoint.handleWaiterCount() > 0 && !endpoint.handleIsAvailable()) {
                frontier.add(endpoint);
            }
        }
        return frontier;
    }

    /**
     * Fails every fiber, then closes every endpoint still open: the catalyst is closing. What one
     * of them throws is reported and the others are closed all the same, so a close always ends.
     */
    void handleCloseAll(Throwable cause, java.util.function.BiConsumer<String, Throwable> errors) {
        for (Fiber fiber : new ArrayList<>(h_fibers)) {
            try {
                fiber.handleFail(cause);
            } catch (RuntimeException | Error e) {
                errors.accept("closing " + fiber.name() + " failed", e);
            }
        }
        for (Endpoint endpoint : new ArrayList<>(h_bound)) {
            try {
                endpoint.handleClose(endpoint.handleIsClosed() ? null : cause);
            } catch (RuntimeException | Error e) {
                errors.accept("closing " + endpoint.name() + " failed", e);
            }
        }
    }
}
