package dev.pushback.catalyst;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** DESIGN C2: bits of one fiber in as few words as possible; freed bits reused lowest first. */
class AvailabilityBitsTest {
    @Test
    void c2_aGroupThatFitsInAWordGetsOneWord() {
        AvailabilityBits bits = new AvailabilityBits();
        bits.allocate(62);
        int[] group = bits.allocate(3); // only 2 bits left in word 0: the whole group goes to word 1
        assertThat(group).containsExactly(64, 65, 66);
        int[] pair = bits.allocate(2); // fits in word 0's last two bits
        assertThat(pair).containsExactly(62, 63);
    }

    @Test
    void c2_freedBitsAreReusedLowestFirst() {
        AvailabilityBits bits = new AvailabilityBits();
        int[] first = bits.allocate(10);
        bits.free(first[7]);
        bits.free(first[2]);
        bits.free(first[5]);
        assertThat(bits.allocate(1)).containsExactly(2);
        assertThat(bits.allocate(2)).containsExactly(5, 7);
        assertThat(bits.allocate(1)).containsExactly(10);
    }

    @Test
    void c2_largeGroupsSpillOverTheFewestWords() {
        AvailabilityBits bits = new AvailabilityBits();
        int[] group = bits.allocate(130);
        assertThat(group[0]).isZero();
        assertThat(group[129]).isEqualTo(129);
        assertThat(bits.allocatedCount()).isEqualTo(130);
    }

    @Test
    void allocatedBitsStartClearAndFreeingClears() {
        AvailabilityBits bits = new AvailabilityBits();
        int bit = bits.allocate(1)[0];
        assertThat(bits.get(bit)).isFalse();
        bits.set(bit);
        assertThat(bits.get(bit)).isTrue();
        bits.free(bit);
        int again = bits.allocate(1)[0];
        assertThat(again).isEqualTo(bit);
        assertThat(bits.get(again)).isFalse();
    }
}
