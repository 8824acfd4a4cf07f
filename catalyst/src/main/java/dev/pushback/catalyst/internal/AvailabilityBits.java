package dev.pushback.catalyst.internal;

import java.util.Arrays;

/**
 * The catalyst's availability bitset (DESIGN C2): one bit per endpoint, in a {@code long[]}.
 *
 * <p>Bits are handed out in groups, one group per graph being attached, so that the bits a fiber
 * checks sit in as few 64-bit words as possible; freed bits are reused lowest first. Not
 * thread-safe: owned by the catalyst thread.
 */
final class AvailabilityBits {
    long[] words = new long[1];
    private long[] allocated = new long[1];
    private int allocatedCount;
    /** Every word below this one is fully allocated: searches start here, not at word 0 (C5). */
    private int lowestFree;

    /**
     * Allocates {@code count} bits: all in the lowest word that has room for every one of them,
     * else spread over the lowest free bits. Allocated bits start clear.
     */
    int[] allocate(int count) {
        int[] bits = new int[count];
        if (count == 0) {
            return bits;
        }
        if (count <= 64) {
            for (int w = lowestFree; w < allocated.length; w++) {
                if (Long.bitCount(~allocated[w]) >= count) {
                    takeLowest(w, bits, 0, count);
                    return bits;
                }
            }
            grow(allocated.length + 1);
            takeLowest(allocated.length - 1, bits, 0, count);
            return bits;
        }
        int filled = 0;
        for (int w = lowestFree; filled < count; w++) {
            if (w == allocated.length) {
                grow(w + 1);
            }
            int take = Math.min(count - filled, Long.bitCount(~allocated[w]));
            takeLowest(w, bits, filled, take);
            filled += take;
        }
        return bits;
    }

    private void takeLowest(int word, int[] into, int from, int count) {
        for (int i = 0; i < count; i++) {
            long free = ~allocated[word];
            int bit = Long.numberOfTrailingZeros(free);
            allocated[word] |= 1L << bit;
            words[word] &= ~(1L << bit);
            into[from + i] = (word << 6) | bit;
        }
        allocatedCount += count;
        while (lowestFree < allocated.length && allocated[lowestFree] == -1L) {
            lowestFree++;
        }
    }

    private void grow(int length) {
        allocated = Arrays.copyOf(allocated, length);
        words = Arrays.copyOf(words, length);
    }

    void free(int bit) {
        long mask = 1L << bit;
        int word = bit >>> 6;
        assert (allocated[word] & mask) != 0 : "bit " + bit + " is not allocated";
        allocated[word] &= ~mask;
        words[word] &= ~mask;
        allocatedCount--;
        lowestFree = Math.min(lowestFree, word);
    }

    int allocatedCount() {
        return allocatedCount;
    }

    boolean get(int bit) {
        return (words[bit >>> 6] & (1L << bit)) != 0;
    }

    void set(int bit) {
        words[bit >>> 6] |= 1L << bit;
    }

    void clear(int bit) {
        words[bit >>> 6] &= ~(1L << bit);
    }
}
