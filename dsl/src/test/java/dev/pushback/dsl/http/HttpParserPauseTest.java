package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Pausing the parser leaves what it did not consume in the buffer, for backpressure. */
class HttpParserPauseTest {
    @Test
    void pausingAfterEachEventLeavesTheRestInTheBuffer() {
        List<String> events = new ArrayList<>();
        RequestParser[] parser = new RequestParser[1];
        parser[0] = new RequestParser(new RequestListener() {
            @Override
            public void onRequest(RequestHead head) {
                events.add("head " + head.target());
                parser[0].pause();
            }

            @Override
            public void onBody(ByteBuffer slice) {
                events.add("body " + StandardCharsets.ISO_8859_1.decode(slice));
                parser[0].pause();
            }

            @Override
            public void onRequestEnd() {
                events.add("end");
                parser[0].pause();
            }

            @Override
            public void onError(HttpError error) {
                events.add("error " + error.status());
            }
        });
        ByteBuffer input = ByteBuffer.wrap(("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /b HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        List<Integer> positions = new ArrayList<>();
        while (input.hasRemaining()) {
            parser[0].feed(input);
            positions.add(input.position());
        }
        assertThat(events).containsExactly("head /a", "body hello", "end", "head /b", "end");
        // head /a | body hello + end (the last slice ends the request) | head /b + end (no body)
        assertThat(positions).hasSize(3).isSorted();
        assertThat(positions.get(1)).as("after the first request, the second is still in the buffer")
            .isEqualTo("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello".length());
    }
}
