package dev.pushback.examples;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;


import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.Feed;
import dev.pushback.dsl.Graph;

/**
 * {@code grep [-F] [-v] [-c] [-i] PATTERN [FILE...]}: the lines that match, like GNU grep — a
 * {@code java.util.regex} pattern, or a literal with {@code -F}; stdin for no FILE or {@code -}.
 * Exit status 0 when a line was selected, 1 when none was, 2 on an error.
 *
 * <p>It is the guide's first pipeline: lines are views of the read chunk (no copy), matched as
 * bytes, and written as they are. An ASCII literal is searched in the bytes. A regex sees a line
 * of ASCII bytes through a reused character view, without decoding it; a line with other bytes
 * is decoded from UTF-8, so that {@code .} or {@code [^a]} matches one character, as GNU grep's
 * does in a UTF-8 locale.
 */
final class Grep implements Launcher.Command {
    @Override
    public int run(Cli cli, String[] args) throws Exception {
        boolean literal = cli.flag('F');
        boolean invert = cli.flag('v');
        boolean count = cli.flag('c');
        boolean ignoreCase = cli.flag('i');
        if (args.length == 0) {
            throw new Cli.UsageException("missing PATTERN");
        }
        String pattern = args[0];
        String[] inputs = args.length == 1 ? new String[] {"-"} : java.util.Arrays.copyOfRange(args, 1, args.length);
        LineMatcher matcher;
        try {
            matcher = LineMatcher.of(pattern, literal, ignoreCase);
        } catch (PatternSyntaxException e) {
            throw new Cli.UsageException("invalid pattern: " + e.getDescription() + " near index " + e.getIndex());
        }
        boolean named = inputs.length > 1;
        boolean selected = false;
        boolean failed = false;
        for (String input : inputs) {
            String label = input.equals("-") ? "(standard input)" : input;
            try (Catalyst catalyst = cli.catalyst()) {
                Graph graph = Graph.on(catalyst);
                Feed<ByteBuffer> feed = input.equals("-") ? cli.stdin(graph) : graph.read(Path.of(input));
                boolean keep = !invert;
                Feed<ByteBuffer> lines = feed.rawLines().filter(line -> matcher.test(line) == keep);
                if (count) {
                    CompletableFuture<Long> counted = lines.count();
                    cli.run(graph);
                    long n = counted.join();
                    selected |= n > 0;
                    cli.out((named ? label + ":" + n : Long.toString(n)) + "\n");
                } else {
                    long[] matched = {0};
                    byte[] prefix = (label + ":").getBytes(StandardCharsets.UTF_8);
                    lines.map(line -> {
                        matched[0]++;
                        return named ? prefixed(prefix, line) : terminated(line);
                    }).to(cli.stdout(graph));
                    cli.run(graph);
                    selected |= matched[0] > 0;
                }
            } catch (java.io.IOException e) {
                cli.print(e);
                if (cli.stdoutFailed(e)) {
                    return 2; // nothing more can be written
                }
                failed = true;
            }
        }
        return failed ? 2 : selected ? 0 : 1;
    }

    /** The line as it is, or, when it is a last line without a newline, a copy with one. */
    private static ByteBuffer terminated(ByteBuffer line) {
        if (line.hasRemaining() && line.get(line.limit() - 1) == '\n') {
            return line;
        }
        return ByteBuffer.allocate(line.remaining() + 1).put(line).put((byte) '\n').flip();
    }

    /** {@code FILE:line}, as GNU grep prints a match from one of several files. */
    private static ByteBuffer prefixed(byte[] prefix, ByteBuffer line) {
        boolean newline = line.hasRemaining() && line.get(line.limit() - 1) == '\n';
        ByteBuffer out = ByteBuffer.allocate(prefix.length + line.remaining() + (newline ? 0 : 1));
        out.put(prefix).put(line);
        if (!newline) {
            out.put((byte) '\n');
        }
        return out.flip();
    }

    @Override
    public Cli.Options options() {
        return Cli.Options.flags("Fvci");
    }

    /** GNU grep names files as they are: "grep: a b: No such file or directory". */
    @Override
    public boolean quotesNames() {
        return false;
    }

    /** GNU grep: "grep: (standard input): Is a directory". */
    @Override
    public String stdinName() {
        return "(standard input)";
    }

    @Override
    public String usage() {
        return "grep [-F] [-v] [-c] [-i] PATTERN [FILE...]   lines that match (exit 0), none (1), error (2)";
    }

    /** Whether a line (its bytes, the newline excluded) matches. */
    abstract static class LineMatcher implements Predicate<ByteBuffer> {
        static LineMatcher of(String pattern, boolean literal, boolean ignoreCase) {
            boolean ascii = pattern.chars().allMatch(c -> c < 0x80);
            if (literal && ascii) {
                return new Literal(pattern.getBytes(StandardCharsets.US_ASCII), ignoreCase);
            }
            int flags = ignoreCase ? Pattern.CASE_INSENSITIVE | (ascii ? 0 : Pattern.UNICODE_CASE) : 0;
            Pattern compiled = Pattern.compile(literal ? Pattern.quote(pattern) : pattern, flags);
            return new Regex(compiled);
        }

        /** The length of the line without its newline. */
        static int end(ByteBuffer line) {
            int limit = line.limit();
            return limit > line.position() && line.get(limit - 1) == '\n' ? limit - 1 : limit;
        }
    }

    /** A literal searched in the bytes; {@code -i} folds ASCII letters. */
    static final class Literal extends LineMatcher {
        private final byte[] needle;
        private final boolean ignoreCase;

        Literal(byte[] needle, boolean ignoreCase) {
            this.needle = ignoreCase ? lower(needle) : needle;
            this.ignoreCase = ignoreCase;
        }

        private static byte[] lower(byte[] bytes) {
            byte[] lower = bytes.clone();
            for (int i = 0; i < lower.length; i++) {
                lower[i] = fold(lower[i]);
            }
            return lower;
        }

        private static byte fold(byte b) {
            return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
        }

        @Override
        public boolean test(ByteBuffer line) {
            int from = line.position();
            int last = end(line) - needle.length;
            if (needle.length == 0) {
                return true;
            }
            return ignoreCase ? foldedAt(line, from, last) >= 0 : at(line, from, last) >= 0;
        }

        /**
         * Where the needle starts, from {@code from} to {@code last}, or -1. Candidates for its
         * first byte are found eight bytes a step, as a word compared with eight copies of it.
         */
        private int at(ByteBuffer line, int from, int last) {
            byte first = needle[0];
            long firsts = (first & 0xffL) * 0x0101010101010101L;
            boolean big = line.order() == java.nio.ByteOrder.BIG_ENDIAN;
            int i = from;
            while (i + Long.BYTES - 1 <= last) {
                long word = line.getLong(i);
                if (big) {
                    word = Long.reverseBytes(word);
                }
                long x = word ^ firsts;
                long found = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
                if (found == 0) {
                    i += Long.BYTES;
                    continue;
                }
                int candidate = i + (Long.numberOfTrailingZeros(found) >>> 3); // the lowest flag is exact
                if (matchesAt(line, candidate)) {
                    return candidate;
                }
                i = candidate + 1;
            }
            for (; i <= last; i++) {
                if (line.get(i) == first && matchesAt(line, i)) {
                    return i;
                }
            }
            return -1;
        }

        private boolean matchesAt(ByteBuffer line, int at) {
            for (int j = 1; j < needle.length; j++) {
                if (line.get(at + j) != needle[j]) {
                    return false;
                }
            }
            return true;
        }

        private int foldedAt(ByteBuffer line, int from, int last) {
            for (int i = from; i <= last; i++) {
                int j = 0;
                while (j < needle.length && fold(line.get(i + j)) == needle[j]) {
                    j++;
                }
                if (j == needle.length) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A regex: an ASCII line through one reused view, no copy; another line decoded from UTF-8. */
    static final class Regex extends LineMatcher {
        private final Matcher h_matcher; // reused line to line, on the catalyst thread
        private final Latin1 h_view = new Latin1();

        Regex(Pattern pattern) {
            this.h_matcher = pattern.matcher("");
        }

        @Override
        public boolean test(ByteBuffer line) {
            int from = line.position();
            int end = end(line);
            for (int i = from; i < end; i++) {
                if (line.get(i) < 0) { // a byte of a multi-byte character
                    ByteBuffer bytes = line.duplicate();
                    bytes.limit(end);
                    return h_matcher.reset(StandardCharsets.UTF_8.decode(bytes)).find();
                }
            }
            h_view.of(line, from, end);
            return h_matcher.reset(h_view).find();
        }
    }

    /** Bytes seen as characters, one per byte. */
    static final class Latin1 implements CharSequence {
        private ByteBuffer bytes;
        private int from;
        private int length;

        void of(ByteBuffer buffer, int start, int end) {
            this.bytes = buffer;
            this.from = start;
            this.length = end - start;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public char charAt(int index) {
            return (char) (bytes.get(from + index) & 0xff);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            Latin1 sub = new Latin1();
            sub.of(bytes, from + start, from + end);
            return sub;
        }

        @Override
        public String toString() {
            char[] chars = new char[length];
            for (int i = 0; i < length; i++) {
                chars[i] = charAt(i);
            }
            return new String(chars);
        }
    }

}
