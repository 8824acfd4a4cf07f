package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Split independence beyond the corpus: random one-byte mutations of every corpus input (the
 * bytes that matter to the grammar) must give the same events, error offset included, whether
 * fed whole or in pieces.
 */
class HttpSplitFuzzTest {

    private static final byte[] ALPHABET = {
        '\r', '\n', ' ', '\t', ':', ';', '=', '"', '\\', ',', '0', '9', 'a', 'F', 'z', '/', '.', 0, 0x7f,
        (byte) 0x80, (byte) 0xff
    };

    /** Events as text; adjacent body pieces are merged, since their cut points may differ. */
    private static final class Trace implements RequestListener {
        final StringBuilder events = new StringBuilder();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        private void flushBody() {
            if (body.size() > 0) {
                events.append("B[").append(body.toString(StandardCharsets.ISO_8859_1)).append("]\n");
                body.reset();
            }
        }

        @Override
        public void onRequest(RequestHead head) {
            flushBody();
            events.append("R").append(head).append('\n');
        }

        @Override
        public void onBody(ByteBuffer slice) {
            byte[] b = new byte[slice.remaining()];
            slice.get(b);
            body.writeBytes(b);
        }

        @Override
        public void onRequestEnd() {
            flushBody();
            events.append("E\n");
        }

        @Override
        public void onError(HttpError error) {
            flushBody();
            events.append("X").append(error).append('\n');
        }

        String result() {
            flushBody();
            return events.toString();
        }
    }

    private static String run(byte[] raw, int split, HttpLimits limits) {
        Trace trace = new Trace();
        RequestParser parser = new RequestParser(trace, limits);
        for (int off = 0; off < raw.length; off += split) {
            parser.feed(ByteBuffer.wrap(raw, off, Math.min(split, raw.length - off)));
        }
        return trace.result();
    }

    @Test
    @SuppressWarnings("unchecked")
    void mutatedCorpusIsSplitIndependent() throws IOException {
        SplittableRandom random = new SplittableRandom(20261122L);
        HttpLimits small = new HttpLimits(40, 80, 20);
        int inputs = 0;
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> c : HttpCorpusTest.cases()) {
            byte[] original = Base64.getDecoder().decode((String) c.get("raw_b64"));
            for (int m = 0; m < 30; m++) {
                byte[] raw = mutate(original, random);
                HttpLimits limits = m % 3 == 0 ? small : HttpLimits.DEFAULT;
                String whole = run(raw, Math.max(1, raw.length), limits);
                inputs++;
                for (int split : new int[] {1, 2, 3, 5, 8, 13, 1 + random.nextInt(Math.max(1, raw.length))}) {
                    String pieces = run(raw, split, limits);
                    if (!pieces.equals(whole)) {
                        failures.add(c.get("src") + ":" + c.get("line") + " mutant "
                                + new String(raw, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n")
                                + " split " + split + "\n whole:\n" + whole + " split:\n" + pieces);
                    }
                }
            }
        }
        assertThat(inputs).isEqualTo(134 * 30);
        assertThat(failures).as(failures.isEmpty() ? "" : failures.get(0)).isEmpty();
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
