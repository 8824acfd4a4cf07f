package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;
import dev.pushback.catalyst.internal.Core;

/**
 * What IO internals throw does not leave a catalyst half alive: a selector that fails ends the
 * catalyst, once reported, every fiber and future failed with the cause, and its loop returns.
 */
class SelectorFailureTest {
    @Test
    void aFailedSelectorClosesTheCatalystReportedOnceAndFailsEveryFiber() throws Exception {
        List<String> reports = new CopyOnWriteArrayList<>();
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("doomed").withErrors((what, cause) -> reports.add(what + ": " + cause)));
        ManualSource<ByteBuffer> source = new ManualSource<>(catalyst, "waits");
        ManualSink<ByteBuffer> sink = new ManualSink<>(catalyst, "never written");
        Graph graph = Graph.on(catalyst);
        graph.from(source).to(sink);
        CompletableFuture<Void> fiber = graph.start();
        Thread loop = new Thread(catalyst::loop, "doomed");
        loop.start();
        catalyst.submit(() -> null).get(30, TimeUnit.SECONDS); // the loop is running, the fiber waits
        assertThat(fiber).isNotDone();

        selectorOf(catalyst).close(); // as if the system took it away: every select now throws

        loop.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(loop.isAlive()).as("the loop returned").isFalse();
        assertThat(catalyst.terminated()).isCompleted();
        assertThat(fiber).isCompletedExceptionally();
        Throwable why = null;
        try {
            fiber.get();
        } catch (ExecutionException e) {
            why = e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            why = e;
        }
        assertThat(why).isInstanceOf(CatalystClosedException.class).hasMessageContaining("selector failed");
        assertThat(why.getCause()).isInstanceOf(java.nio.channels.ClosedSelectorException.class);
        assertThat(reports.stream().filter(report -> report.contains("closing the catalyst")).count()).as("reported once: %s", reports)
            .isEqualTo(1);
        assertThat(catalyst.isClosed()).isTrue();
    }

    private static Selector selectorOf(Catalyst catalyst) throws ReflectiveOperationException {
        Core core = Core.of(catalyst);
        Field pollerField = Core.class.getDeclaredField("poller");
        pollerField.setAccessible(true);
        Object poller = pollerField.get(core);
        Field selectorField = poller.getClass().getDeclaredField("selector");
        selectorField.setAccessible(true);
        return (Selector) selectorField.get(poller);
    }
}
