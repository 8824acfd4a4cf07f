package dev.pushback.dsl;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import dev.pushback.catalyst.Catalyst;

/** Test steps on a catalyst driven by the test thread: no sleeps, no other threads. */
public final class Drive {
    private Drive() {}

    /** Runs {@code action} on the catalyst, then the fibers it made ready, in one round. */
    public static void step(Catalyst catalyst, Runnable action) {
        catalyst.execute(action);
        catalyst.runOnce(0);
    }

    /** Reads state on the catalyst thread. */
    public static <T> T read(Catalyst catalyst, Callable<T> query) {
        CompletableFuture<T> result = catalyst.submit(query);
        catalyst.runOnce(0);
        return result.join();
    }

    public static void rounds(Catalyst catalyst, int count) {
        for (int i = 0; i < count; i++) {
            catalyst.runOnce(0);
        }
    }

    /** Runs rounds (blocking up to 10 ms each) until {@code done}; fails after {@code maxRounds}. */
    public static void until(Catalyst catalyst, int maxRounds, BooleanSupplier done) {
        for (int i = 0; i < maxRounds; i++) {
            if (done.getAsBoolean()) {
                return;
            }
            catalyst.runOnce(10);
        }
        if (!done.getAsBoolean()) {
            throw new AssertionError("not done after " + maxRounds + " rounds");
        }
    }
}
