package dev.pushback.dsl.flow;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.pushback.catalyst.internal.Core;
import dev.pushback.catalyst.Catalyst;

/**
 * A catalyst looping on its own thread, as the TCK needs: its publishers and subscribers are
 * driven from TCK threads and expect signals to arrive by themselves. The loop is retained, so
 * it runs while no graph is open, until {@link #close()}. Each TCK class makes one when TestNG
 * makes the class's instance, and closes it after its tests.
 */
final class RunningCatalyst implements AutoCloseable {
    final Catalyst catalyst;
    /** What the catalyst reported: the TCK fails graphs on purpose, and that is reported (N11). */
    final List<Throwable> reported = new CopyOnWriteArrayList<>();
    private final Thread thread;

    RunningCatalyst(String name) {
        catalyst = Catalyst.open(Catalyst.Config.defaults().withName(name).withErrors((what, cause) -> reported.add(cause)));
        catalyst.execute(Core.of(catalyst)::handleRetainLoop);
        thread = new Thread(catalyst::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        catalyst.close();
        thread.join();
    }
}
