package dev.pushback.catalyst.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** DESIGN N13: the connection budget is what the descriptor limit leaves, capped by the configured maximum. */
class DescriptorBudgetTest {
    @Test
    void theLimitLessWhatIsOpenAndAReserve() {
        assertThat(DescriptorBudget.connections(10_000, 1024, 24)).as("1024 - 24 - 128 (an eighth)").isEqualTo(872);
        assertThat(DescriptorBudget.connections(10_000, 256, 20)).as("256 - 20 - 64 (the least reserve)").isEqualTo(172);
        assertThat(DescriptorBudget.connections(10_000, 1_048_576, 30)).as("capped by the configured maximum").isEqualTo(10_000);
        assertThat(DescriptorBudget.connections(16, 1024, 24)).isEqualTo(16);
    }

    @Test
    void neverLessThanOneAndTheMaximumWhereTheSystemDoesNotSay() {
        assertThat(DescriptorBudget.connections(10_000, 64, 60)).as("nothing left: one, and accepts pause on EMFILE").isEqualTo(1);
        assertThat(DescriptorBudget.connections(500, -1, 10)).isEqualTo(500);
        assertThat(DescriptorBudget.connections(500, 1024, -1)).isEqualTo(500);
    }

    @Test
    void thisProcessHasABudget() {
        int budget = DescriptorBudget.connections(Integer.MAX_VALUE);
        assertThat(budget).isPositive().isLessThan(Integer.MAX_VALUE);
    }
}
