package dev.pushback.jmh;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The grep a Java user writes with the JDK alone, the peer of the launcher's {@code grep} in
 * {@code jmh/lines-bench.sh}: {@code Files.lines(...).filter(...)} into a {@code BufferedWriter}
 * on stdout. {@code JdkGrep [-F] PATTERN FILE}.
 */
public final class JdkGrep {
    private JdkGrep() {}

    public static void main(String[] args) throws IOException {
        boolean literal = args[0].equals("-F");
        String pattern = args[literal ? 1 : 0];
        Path file = Path.of(args[literal ? 2 : 1]);
        Predicate<String> matches = literal ? line -> line.contains(pattern) : Pattern.compile(pattern).asPredicate();
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            lines.filter(matches).forEach(line -> {
                try {
                    out.write(line);
                    out.write('\n');
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        out.flush();
    }
}
