package dev.pushback.compiler.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.endpoint.ManualSink;

/** DESIGN C4: every pipeline shape gets its own stage classes, so its call sites stay monomorphic. */
class SpecializerTest {
    private static Function<Object, Object> plusOne() {
        return x -> (Integer) x + 1; // one lambda class, however often called
    }

    @Test
    void c4_theSameShapeSharesItsCopiesAndAnotherShapeGetsItsOwn() {
        try (Catalyst catalyst = Catalyst.open()) {
            ManualSink<Object> sink = new ManualSink<>(catalyst, "s");
            Stage first = Stages.map(plusOne(), Stages.sink(sink));
            Stage second = Stages.map(plusOne(), Stages.sink(sink));
            Function<Object, Object> other = x -> x;
            Stage third = Stages.map(other, Stages.sink(sink));
            assertThat(first.getClass()).isSameAs(second.getClass());
            assertThat(first.getClass()).isNotSameAs(third.getClass()).isNotSameAs(MapStage.class);
            assertThat(first.getClass().isHidden()).isTrue();
            assertThat(first.getClass().getName()).startsWith(MapStage.class.getName());
        }
    }

    @Test
    void c4_copiesBehaveLikeTheirTemplate() throws Exception {
        try (Catalyst catalyst = Catalyst.open()) {
            ManualSink<Object> sink = new ManualSink<>(catalyst, "s");
            Stage chain = Stages.map(plusOne(), Stages.filter((java.util.function.Predicate<Object>) x -> (Integer) x % 2 == 0,
                Stages.map(plusOne(), Stages.sink(sink))));
            catalyst.execute(() -> {
                try {
                    for (int i = 0; i < 6; i++) {
                        chain.accept(i);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            catalyst.runOnce(0);
            assertThat(sink.handleReceived()).containsExactly(3, 5, 7);
        }
    }
}
