package dev.pushback.jmh;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The peer of pushback's {@code tee} in {@code jmh/tee-bench.sh}: the copy loop one writes by hand
 * with NIO. Standard input to standard output and to every file named, through one direct buffer
 * of the same size as pushback's chunk (64 KiB; {@code -Dchunk=} to change), with blocking
 * channels and no threads.
 *
 * <pre>{@code java -cp jmh/target/benchmarks.jar dev.pushback.jmh.NioTee out1 out2 < in > out}</pre>
 */
public final class NioTee {
    private NioTee() {}

    public static void main(String[] args) throws IOException {
        int chunk = Integer.getInteger("chunk", 64 * 1024);
        FileChannel in = new FileInputStream(FileDescriptor.in).getChannel();
        FileChannel out = new FileOutputStream(FileDescriptor.out).getChannel();
        FileChannel[] files = new FileChannel[args.length];
        for (int i = 0; i < args.length; i++) {
            files[i] = FileChannel.open(Path.of(args[i]),
                StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(chunk);
        try {
            while (in.read(buffer) >= 0) {
                buffer.flip();
                writeFully(out, buffer);
                for (FileChannel file : files) {
                    buffer.rewind();
                    writeFully(file, buffer);
                }
                buffer.clear();
            }
        } finally {
            for (FileChannel file : files) {
                file.close();
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
