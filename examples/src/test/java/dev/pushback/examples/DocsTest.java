package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docs show what the code prints, so they cannot go stale. In {@code README.md} and
 * {@code docs/*.md}, a fenced block right after a line
 *
 * <pre>{@code <!-- output: ARGS -->}</pre>
 *
 * is exactly what {@code java -jar pushback-examples.jar ARGS} prints — its stdout, then its
 * stderr — run as a process in an empty directory, with nothing on stdin and stdin, stdout and
 * stderr pipes, and it exits with 0. {@code ARGS} may end with {@code > /dev/null}: then stdout
 * goes there (a character device, as a terminal is: written directly, not bridged) and the block is
 * the stderr. A fenced block that looks like launcher output (a plan, a usage) must carry a marker.
 */
class DocsTest {
    /** The repository: the examples module's parent; the tests run in the module's directory. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern MARKER = Pattern.compile("<!--\\s*output:(.*?)-->");
    private static final String DEV_NULL = "> /dev/null";

    @TempDir
    Path dir;

    /** One marked block: where it is, what to run, what it must print. */
    record Example(String where, List<String> args, boolean stdoutToDevNull, String expected) {
        String command() {
            return String.join(" ", args) + (stdoutToDevNull ? " " + DEV_NULL : "");
        }
    }

    /** One fenced block: its first line number, its text (a newline after every line), its marker or null. */
    record Fence(int line, String text, String marker) {}

    private static List<Path> docs() throws IOException {
        assertThat(ROOT.resolve("pom.xml")).as("the repository root, from the examples module").isRegularFile();
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(file -> file.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** The fenced blocks of a Markdown file. */
    private static List<Fence> fences(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
        List<Fence> fences = new ArrayList<>();
        String marker = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher matcher = MARKER.matcher(line.trim());
            if (matcher.matches()) {
                marker = matcher.group(1).trim();
                continue;
            }
            if (line.startsWith("```")) {
                int start = i + 1;
                StringBuilder text = new StringBuilder();
                for (i = start; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                    text.append(lines.get(i)).append('\n');
                }
                assertThat(i).as("%s:%d: a fence without its end", doc.getFileName(), start).isLessThan(lines.size());
                fences.add(new Fence(start + 1, text.toString(), marker));
                marker = null;
                continue;
            }
            assertThat(marker == null || line.isBlank())
                .as("%s:%d: an output marker must come right before its fenced block", doc.getFileName(), i + 1).isTrue();
        }
        assertThat(marker).as("%s: an output marker at the end, without its block", doc.getFileName()).isNull();
        return fences;
    }

    private static List<Example> examples() throws IOException {
        List<Example> examples = new ArrayList<>();
        for (Path doc : docs()) {
            for (Fence block : fences(doc)) {
                String marker = block.marker();
                if (marker == null) {
                    continue;
                }
                boolean devNull = marker.endsWith(DEV_NULL);
                String command = devNull ? marker.substring(0, marker.length() - DEV_NULL.length()).trim() : marker;
                List<String> args = command.isEmpty() ? List.of() : Arrays.asList(command.split("\\s+"));
                examples.add(new Example(ROOT.relativize(doc) + ":" + block.line(), args, devNull, block.text()));
            }
        }
        return examples;
    }

    @TestFactory
    Stream<DynamicTest> everyMarkedBlockIsWhatTheLauncherPrints() throws IOException {
        return examples().stream().map(example -> DynamicTest.dynamicTest(example.where() + ": " + example.command(), () -> {
            Path work = Files.createDirectory(dir.resolve("run-" + example.where().replaceAll("[^A-Za-z0-9]", "-")));
            LauncherProcess.Result result = LauncherProcess.run(work,
                example.stdoutToDevNull() ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.PIPE,
                in -> { }, example.args().toArray(new String[0]));
            assertThat(result.exitCode()).as("%s: exit status; stderr: %s", example.where(), result.stderr()).isZero();
            String printed = new String(result.stdout(), StandardCharsets.UTF_8) + result.stderr();
            assertThat(printed).as("%s: the block is not what `%s` prints", example.where(), example.command())
                .isEqualTo(example.expected());
        }));
    }

    @Test
    void theGuideAndTheReadmeShowCheckedOutputAndNoUncheckedOne() throws IOException {
        List<Example> examples = examples();
        assertThat(examples).extracting(Example::where).anyMatch(where -> where.startsWith("README.md:"))
            .anyMatch(where -> where.startsWith("docs/GUIDE.md:"));
        assertThat(examples).as("an --explain example").anyMatch(example -> example.args().contains("--explain"));
        for (Path doc : docs()) {
            for (Fence block : fences(doc)) {
                boolean looksPrinted = block.text().startsWith("plan: ") || block.text().startsWith("usage: ");
                assertThat(!looksPrinted || block.marker() != null)
                    .as("%s:%d shows launcher output: mark it <!-- output: ARGS --> so that it is checked",
                        ROOT.relativize(doc), block.line())
                    .isTrue();
            }
        }
    }
}
