package dev.pushback.dsl.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parser allocates per request, never per byte, even when fed one byte per call. */
class HttpParserAllocationTest {

    private static final class Counting implements RequestListener {
        long requests;
        long bodyBytes;
        long ends;
        HttpError error;

        @Override
        public void onRequest(RequestHead head) {
            requests++;
        }

        @Override
        public void onBody(ByteBuffer slice) {
            bodyBytes += slice.remaining();
        }

        @Override
        public void onRequestEnd() {
            ends++;
        }

        @Override
        public void onError(HttpError e) {
            error = e;
        }
    }

    private static byte[] request(int chunks, int chunkSize) {
        StringBuilder sb = new StringBuilder("POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\n"
                + "User-Agent: test\r\nTransfer-Encoding: chunked\r\n\r\n");
        String data = "x".repeat(chunkSize);
        for (int i = 0; i < chunks; i++) {
            sb.append(Integer.toHexString(chunkSize)).append(";n=").append(i).append("\r\n").append(data).append("\r\n");
        }
        sb.append("0\r\nTrailer: t\r\n\r\n");
        sb.append("POST /fixed HTTP/1.1\r\nContent-Length: ").append(chunks * chunkSize).append("\r\n\r\n");
        for (int i = 0; i < chunks; i++) {
            sb.append(data);
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void feedByteByByte(RequestParser parser, ByteBuffer one, byte[] input) {
        for (byte b : input) {
            one.clear();
            one.put(b);
            one.flip();
            parser.feed(one);
        }
    }

    @Test
    void noAllocationPerByte() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        long thread = Thread.currentThread().getId();

        Counting counting = new Counting();
        RequestParser parser = new RequestParser(counting);
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        feedByteByByte(parser, one, request(50, 1000)); // warm up

        byte[] input = request(256, 4096); // 2 requests, 2 MiB of body
        long before = mx.getThreadAllocatedBytes(thread);
        feedByteByByte(parser, one, input);
        long allocated = mx.getThreadAllocatedBytes(thread) - before;

        assertThat(counting.error).isNull();
        assertThat(counting.ends).isEqualTo(4);
        assertThat(counting.bodyBytes).isEqualTo(2L * (50 * 1000 + 256 * 4096));
        // a per-byte allocation of even one small object would be > 16 bytes x 2 MiB
        assertThat(allocated).as("bytes allocated for %d bytes fed one at a time", input.length)
                .isLessThan(64 * 1024);
    }
}
