package dev.pushback.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.AbstractSource;
import dev.pushback.catalyst.endpoint.ManualSink;
import dev.pushback.catalyst.endpoint.ManualSource;

/** N11: an endpoint that cannot open, or is closed before its graph starts, fails its fiber only. */
class EndpointOpenFailureTest {
    /** A source whose open fails, as a device that is gone would. */
    static final class Unopenable extends AbstractSource<String> {
        Unopenable(Catalyst catalyst) {
            super(catalyst, "unopenable");
        }

        @Override
        protected void handleOpen() throws IOException {
            throw new IOException("unopenable: no such device");
        }

        @Override
        public String handlePoll() {
            throw new AssertionError("never polled");
        }
    }

    @Test
    void aSourceThatCannotOpenFailsItsFiberAndTheOtherGraphRuns() throws Exception {
        List<String> errors = new ArrayList<>();
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> errors.add(cause.getMessage())))) {
            Graph broken = Graph.on(catalyst);
            ManualSink<String> brokenSink = new ManualSink<>(catalyst, "broken sink");
            CompletableFuture<Void> brokenDone = broken.from(new Unopenable(catalyst)).to(brokenSink);
            broken.start();
            Graph healthy = Graph.on(catalyst);
            ManualSource<String> source = new ManualSource<>(catalyst, "healthy");
            CompletableFuture<List<String>> collected = healthy.from(source).collect(java.util.stream.Collectors.toList());
            healthy.start();
            catalyst.execute(() -> {
                source.handlePush("still");
                source.handlePush("running");
                source.handleFinish();
                source.handleSetReadable(true);
            });
            catalyst.loop();
            assertThat(brokenDone).failsWithin(1, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withMessageContaining("unopenable: no such device");
            assertThat(collected.get(1, TimeUnit.SECONDS)).containsExactly("still", "running");
            assertThat(errors).contains("unopenable: no such device");
        }
    }

    @Test
    void aSinkClosedBeforeItsGraphStartsFailsTheFiber() throws Exception {
        try (Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withErrors((what, cause) -> { }))) {
            ManualSink<String> closedEarly = new ManualSink<>(catalyst, "closed early");
            catalyst.submit(() -> {
                closedEarly.handleClose(null);
                return null;
            });
            catalyst.runOnce(0);
            Graph graph = Graph.on(catalyst);
            ManualSource<String> source = new ManualSource<>(catalyst, "source");
            graph.from(source).to(closedEarly);
            CompletableFuture<Void> done = graph.start();
            catalyst.loop();
            assertThat(done).failsWithin(1, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withMessageContaining("closed early was closed before its graph started");
        }
    }
}
