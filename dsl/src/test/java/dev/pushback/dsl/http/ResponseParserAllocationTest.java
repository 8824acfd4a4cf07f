package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The response parser allocates per response, never per byte, even when fed one byte per call. */
class ResponseParserAllocationTest {

    private static final class Counting implements ResponseListener {
        long interims;
        long responses;
        long bodyBytes;
        long ends;
        HttpError error;

        @Override
        public void onInterim(ResponseHead head) {
            interims++;
        }

        @Override
        public void onResponse(ResponseHead head) {
            responses++;
        }

        @Override
        public void onBody(ByteBuffer slice) {
            bodyBytes += slice.remaining();
        }

        @Override
        public void onResponseEnd() {
            ends++;
        }

        @Override
        public void onError(HttpError e) {
            error = e;
        }
    }

    /** 100 Continue, a chunked response, one of known length, then one read until the close. */
    private static byte[] responses(int chunks, int chunkSize) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nServer: test\r\nTransfer-Encoding: chunked\r\n\r\n");
        String data = "x".repeat(chunkSize);
        for (int i = 0; i < chunks; i++) {
            sb.append(Integer.toHexString(chunkSize)).append(";n=").append(i).append("\r\n").append(data).append("\r\n");
        }
        sb.append("0\r\nTrailer: t\r\n\r\n");
        sb.append("HTTP/1.1 200 OK\r\nContent-Length: ").append(chunks * chunkSize).append("\r\n\r\n");
        sb.append(data.repeat(chunks));
        sb.append("HTTP/1.1 200 OK\r\n\r\n").append(data.repeat(chunks));
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void feedByteByByte(ResponseParser parser, ByteBuffer one, byte[] input) {
        parser.expect("POST");
        parser.expect("GET");
        parser.expect("GET");
        for (byte b : input) {
            one.clear();
            one.put(b);
            one.flip();
            parser.feed(one);
        }
        parser.endOfInput();
    }

    @Test
    void noAllocationPerByte() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        long thread = Thread.currentThread().getId();

        ByteBuffer one = ByteBuffer.allocateDirect(1);
        feedByteByByte(new ResponseParser(new Counting(), HttpLimits.DEFAULT), one, responses(50, 1000)); // warm up

        Counting counting = new Counting();
        ResponseParser parser = new ResponseParser(counting, HttpLimits.DEFAULT);
        byte[] input = responses(256, 4096); // 3 MiB of body
        long before = mx.getThreadAllocatedBytes(thread);
        feedByteByByte(parser, one, input);
        long allocated = mx.getThreadAllocatedBytes(thread) - before;

        assertThat(counting.error).isNull();
        assertThat(counting.interims).isEqualTo(1);
        assertThat(counting.responses).isEqualTo(3);
        assertThat(counting.ends).isEqualTo(3);
        assertThat(counting.bodyBytes).isEqualTo(3L * 256 * 4096);
        // a per-byte allocation of even one small object would be > 16 bytes x 3 MiB
        assertThat(allocated).as("bytes allocated for %d bytes fed one at a time", input.length)
                .isLessThan(64 * 1024);
    }
}
