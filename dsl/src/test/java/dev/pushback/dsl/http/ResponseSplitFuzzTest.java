package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Split independence beyond the table and the corpus: random one-byte mutations of every corpus
 * response (the bytes that matter to the grammar), answering GET or HEAD requests, with or
 * without an end of input, must give the same events, error offsets included, whether fed whole
 * or in pieces, and never break the listener contract.
 */
class ResponseSplitFuzzTest {

    private static final byte[] ALPHABET = {
        '\r', '\n', ' ', '\t', ':', ';', '=', '"', '\\', ',', '0', '1', '9', 'a', 'F', 'z', '/', '.', 'H', 0, 0x7f,
        (byte) 0x80, (byte) 0xff
    };

    @Test
    void mutatedCorpusIsSplitIndependent() throws IOException {
        SplittableRandom random = new SplittableRandom(20261202L);
        HttpLimits small = new HttpLimits(24, 60, 20);
        List<Map<String, Object>> cases = ResponseCorpusTest.cases();
        int inputs = 0;
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            byte[] original = Base64.getDecoder().decode((String) c.get("raw_b64"));
            for (int m = 0; m < 30; m++) {
                byte[] raw = mutate(original, random);
                HttpLimits limits = m % 3 == 0 ? small : HttpLimits.DEFAULT;
                String[] methods = new String[1 + random.nextInt(3)];
                for (int i = 0; i < methods.length; i++) {
                    methods[i] = random.nextInt(4) == 0 ? "HEAD" : "GET";
                }
                boolean eof = random.nextBoolean();
                ResponseTrace whole = ResponseTrace.run(methods, raw, new int[0], eof, limits);
                inputs++;
                if (!whole.violations.isEmpty()) {
                    failures.add(describe(c, raw, methods, eof) + " breaks the contract: " + whole.violations);
                }
                for (int split : new int[] {1, 2, 3, 7, 1 + random.nextInt(Math.max(1, raw.length))}) {
                    int[] cuts = new int[Math.max(0, (raw.length - 1) / split)];
                    Arrays.setAll(cuts, i -> (i + 1) * split);
                    ResponseTrace pieces = ResponseTrace.run(methods, raw, cuts, eof, limits);
                    if (!pieces.events.equals(whole.events) || !pieces.violations.isEmpty()) {
                        failures.add(describe(c, raw, methods, eof) + " split " + split + "\n whole:\n "
                                + String.join("\n ", whole.events) + "\n split:\n " + String.join("\n ", pieces.events)
                                + "\n " + pieces.violations);
                    }
                }
            }
        }
        assertThat(inputs).isEqualTo(cases.size() * 30);
        assertThat(failures).as(failures.isEmpty() ? "" : failures.get(0)).isEmpty();
    }

    private static String describe(Map<String, Object> c, byte[] raw, String[] methods, boolean eof) {
        return c.get("src") + ":" + c.get("line") + " mutant " + Arrays.toString(methods) + " "
                + new String(raw, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n")
                + (eof ? " <EOF>" : "");
    }

    private static byte[] mutate(byte[] in, SplittableRandom random) {
        if (in.length == 0) {
            return in;
        }
        int at = random.nextInt(in.length);
        byte b = ALPHABET[random.nextInt(ALPHABET.length)];
        switch (random.nextInt(3)) {
            case 0: {
                byte[] out = in.clone();
                out[at] = b;
                return out;
            }
            case 1: {
                byte[] out = new byte[in.length + 1];
                System.arraycopy(in, 0, out, 0, at);
                out[at] = b;
                System.arraycopy(in, at, out, at + 1, in.length - at);
                return out;
            }
            default: {
                byte[] out = new byte[in.length - 1];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + 1, out, at, in.length - at - 1);
                return out;
            }
        }
    }
}
