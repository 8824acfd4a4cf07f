package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the request parser (Jazzer). In a normal test run it replays the
 * inputs in {@code HttpParserFuzzTestInputs/parse} (a regression test); {@code dsl/fuzz.sh} runs
 * real fuzzing for a set time. The first byte picks a split size; the rest is fed to the parser.
 *
 * <p>What must hold for any input: the parser never throws, reports events in the order the
 * listener contract promises, never reports anything after an error, keeps the buffer's position
 * at the bad byte on an error, and gives the same events whether the input comes whole or split.
 */
class HttpParserFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void parse(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int split = 1 + (data[0] & 0x3f);
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        List<String> whole = run(input, input.length == 0 ? 1 : input.length);
        List<String> pieces = run(input, split);
        assertThat(pieces).as("split every %d bytes", split).isEqualTo(whole);
    }

    private static List<String> run(byte[] input, int split) {
        List<String> events = new ArrayList<>();
        RequestParser parser = new RequestParser(new RequestListener() {
            private boolean inRequest;
            private boolean failed;

            @Override
            public void onRequest(RequestHead head) {
                assertThat(inRequest || failed).as("head inside a request or after an error").isFalse();
                inRequest = true;
                events.add("head " + head.method() + " " + head.target() + " " + head.headers().size() + " " + head.framing());
            }

            @Override
            public void onBody(ByteBuffer slice) {
                assertThat(inRequest && !failed).as("body outside a request").isTrue();
                byte[] bytes = new byte[slice.remaining()];
                slice.get(bytes);
                events.add("body " + new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
            }

            @Override
            public void onRequestEnd() {
                assertThat(inRequest && !failed).as("end outside a request").isTrue();
                inRequest = false;
                events.add("end");
            }

            @Override
            public void onError(HttpError error) {
                assertThat(failed).as("a second error").isFalse();
                assertThat(error.status()).isBetween(400, 599);
                failed = true;
                events.add("error " + error.status());
            }
        });
        for (int from = 0; from < input.length && !parser.isFailed(); from += split) {
            ByteBuffer piece = ByteBuffer.wrap(input, from, Math.min(split, input.length - from));
            parser.feed(piece);
            if (!parser.isFailed()) {
                assertThat(piece.hasRemaining()).as("an unpaused parser consumes everything").isFalse();
            }
        }
        // Body slices are cut where the input was cut: compare the bytes, not the slices.
        List<String> merged = new ArrayList<>();
        for (String event : events) {
            int last = merged.size() - 1;
            if (event.startsWith("body ") && last >= 0 && merged.get(last).startsWith("body ")) {
                merged.set(last, merged.get(last) + event.substring(5));
            } else {
                merged.add(event);
            }
        }
        return merged;
    }
}
