package dev.pushback.dsl;

import java.util.HexFormat;
import java.util.Random;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the random graphs (Jazzer): the input drives {@link RandomGraphTest}'s
 * generator and readiness schedule instead of a seed, and the same checks run (the reference
 * model, the N3 bounds after every round, nothing retained, open or lent at the end). In a normal
 * test run it replays the inputs in {@code RandomGraphFuzzTestInputs/graph} (a regression test);
 * {@code dsl/fuzz.sh [DURATION] RandomGraphFuzzTest} runs real fuzzing for a set time.
 *
 * <p>The first byte picks the mode: even for byte chunks with partial writes, odd for typed
 * elements with blocking sinks. The rest feeds an {@link InputRandom}, which the run uses where
 * the seeded test uses {@code new Random(seed)}: one input byte per draw, so one mutated byte
 * changes one decision (the graph's shape first, then the elements' counts and sizes, then the
 * schedule, step by step).
 */
class RandomGraphFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void graph(byte[] data) {
        boolean typed = data.length > 0 && (data[0] & 1) != 0;
        String failure = RandomGraphTest.runFuzzed(typed, label(data), new InputRandom(data, 1));
        if (failure != null) {
            throw new AssertionError(failure);
        }
    }

    private static String label(byte[] data) {
        if (data.length == 0) {
            return "the empty fuzz input";
        }
        int shown = Math.min(data.length, 256);
        return "fuzz input of " + data.length + " bytes (hex " + HexFormat.of().formatHex(data, 0, shown)
            + (shown < data.length ? "..." : "") + ")";
    }

    /**
     * A {@link Random} whose draws come from the fuzz input, then, once the input is used up, from
     * a fixed stream, the same for every input (so every input is a complete run, and a short input
     * a run like a seeded one). Each call of {@link #next(int)} takes one input byte: the byte is
     * the top of the result and is repeated below it, so that both what reads the high bits
     * ({@code nextInt} of a power of two, {@code nextBoolean}, {@code nextDouble}) and what reads
     * the low ones ({@code nextInt(bound)}'s remainder) depend on the whole byte.
     * {@code nextInt(bound)} may draw again (Random's rejection of a biased value), which only
     * takes the next byte, and the fixed stream ends any such loop as it ends a seeded one.
     *
     * <p>The bytes of the elements' payloads ({@link #nextBytes}) come from a fixed stream of
     * their own and take no input: they only feed the stages' hashes, and would otherwise use up
     * most of the input before the schedule starts. The payloads' lengths are drawn as usual.
     */
    static final class InputRandom extends Random {
        private static final long serialVersionUID = 1L;

        private final byte[] input;
        private int at;
        private final Random payloads = new Random(0x9A710ADL);

        InputRandom(byte[] input, int from) {
            super(0x5EED_F0A1L);
            this.input = input;
            this.at = Math.min(from, input.length);
        }

        @Override
        protected int next(int bits) {
            if (at < input.length) {
                int b = input[at++] & 0xff;
                return (b * 0x01010101) >>> (32 - bits);
            }
            return super.next(bits);
        }

        @Override
        public void nextBytes(byte[] bytes) {
            payloads.nextBytes(bytes);
        }
    }
}
