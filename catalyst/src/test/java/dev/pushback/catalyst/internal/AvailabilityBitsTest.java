package dev.pushback.catalyst.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** DESIGN C2: bits of one allocation share the lowest word with room; freed bits are reused lowest first. */
class AvailabilityBitsTest {
    @Test
    void allocatesLikeAFullScanFromWordZero() {
        for (long seed = 0; seed < 50; seed++) {
            Random random = new Random(seed);
            AvailabilityBits bits = new AvailabilityBits();
            Reference reference = new Reference();
            List<Integer> live = new ArrayList<>();
            for (int step = 0; step < 2_000; step++) {
                if (live.isEmpty() || random.nextInt(3) > 0) {
                    int count = random.nextInt(10) == 0 ? 1 + random.nextInt(150) : 1 + random.nextInt(6);
                    int[] got = bits.allocate(count);
                    int[] expected = reference.allocate(count);
                    assertThat(got).as("seed %d step %d count %d", seed, step, count).containsExactly(expected);
                    for (int bit : got) {
                        live.add(bit);
                    }
                } else {
                    int bit = live.remove(random.nextInt(live.size()));
                    bits.free(bit);
                    reference.free(bit);
                }
                assertThat(bits.allocatedCount()).isEqualTo(live.size());
            }
        }
    }

    @Test
    void aFreedBitIsReusedBeforeAHigherOne() {
        AvailabilityBits bits = new AvailabilityBits();
        int[] first = bits.allocate(200);
        bits.free(first[3]);
        bits.free(first[130]);
        assertThat(bits.allocate(1)).containsExactly(first[3]);
        assertThat(bits.allocate(1)).containsExactly(first[130]);
        assertThat(bits.allocate(1)).containsExactly(200);
    }

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

    /** The allocation rule as first written: scan every word from 0. */
    private static final class Reference {
        long[] allocated = new long[1];

        int[] allocate(int count) {
            int[] into = new int[count];
            if (count <= 64) {
                for (int w = 0; w < allocated.length; w++) {
                    if (Long.bitCount(~allocated[w]) >= count) {
                        take(w, into, 0, count);
                        return into;
                    }
                }
                allocated = Arrays.copyOf(allocated, allocated.length + 1);
                take(allocated.length - 1, into, 0, count);
                return into;
            }
            int filled = 0;
            for (int w = 0; filled < count; w++) {
                if (w == allocated.length) {
                    allocated = Arrays.copyOf(allocated, w + 1);
                }
                int take = Math.min(count - filled, Long.bitCount(~allocated[w]));
                take(w, into, filled, take);
                filled += take;
            }
            return into;
        }

        private void take(int word, int[] into, int from, int count) {
            for (int i = 0; i < count; i++) {
                int bit = Long.numberOfTrailingZeros(~allocated[word]);
                allocated[word] |= 1L << bit;
                into[from + i] = (word << 6) | bit;
            }
        }

        void free(int bit) {
            allocated[bit >>> 6] &= ~(1L << bit);
        }
    }
}
