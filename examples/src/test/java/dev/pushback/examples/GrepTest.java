package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grep} against GNU grep, the peer a user knows: the same output and exit status for the
 * same arguments, on files with long and short lines, a last line without a newline, several
 * files, and stdin. GNU grep runs with {@code -E} where the pattern is a regex, since
 * {@code java.util.regex} is closer to extended than to basic syntax.
 */
class GrepTest {
    @TempDir
    Path dir;

    private Path text;
    private Path other;

    @BeforeEach
    void files() throws Exception {
        Random random = new Random(42);
        String[] words = {"alpha", "Beta", "gamma", "delta", "ERROR", "error", "warn", "ok", "42", "x-y", "héllo", "naïve"};
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            int n = random.nextInt(12);
            for (int j = 0; j < n; j++) {
                out.append(words[random.nextInt(words.length)]).append(j + 1 < n ? " " : "");
            }
            if (i % 997 == 0) {
                out.append("x".repeat(70_000)); // a line over a chunk: carried, never split
            }
            out.append('\n');
        }
        out.append("last line without a newline ERROR");
        text = Files.writeString(dir.resolve("text"), out.toString(), StandardCharsets.UTF_8);
        other = Files.writeString(dir.resolve("other"), "ok\nnot this\nERROR here\n", StandardCharsets.UTF_8);
    }

    @Test
    void matchesWhatGnuGrepMatches() throws Exception {
        String t = text.toString();
        String o = other.toString();
        List<String[]> cases = List.of(
            new String[] {"-F", "ERROR", t},
            new String[] {"-F", "-i", "error", t},
            new String[] {"-F", "-v", "a", t},
            new String[] {"-F", "-c", "gamma", t},
            new String[] {"-F", "héllo", t},
            new String[] {"-F", "ERROR", t, o},
            new String[] {"-c", "-F", "ok", t, o},
            new String[] {"^alpha", t},
            new String[] {"[0-9]+ ok$", t},
            new String[] {"-i", "^beta gamma", t},
            new String[] {"-v", "-c", "a|e", t},
            new String[] {"na.ve", t},
            new String[] {"-F", "no such words", t},
            new String[] {"-c", "zzz", t});
        for (String[] args : cases) {
            Run ours = ours(args);
            Run gnu = gnu(args);
            assertThat(ours.exitCode()).as("exit status of grep %s", String.join(" ", args)).isEqualTo(gnu.exitCode());
            assertThat(ours.stdout()).as("output of grep %s", String.join(" ", args)).isEqualTo(gnu.stdout());
        }
    }

    @Test
    void readsStdinAndReportsMissingFilesLikeGnuGrep() throws Exception {
        LauncherProcess.Result stdin = LauncherProcess.run(dir, "one\ntwo\nthree".getBytes(StandardCharsets.UTF_8), "grep", "t");
        assertThat(stdin.exitCode()).isZero();
        assertThat(new String(stdin.stdout(), StandardCharsets.UTF_8)).isEqualTo("two\nthree\n");

        LauncherProcess.Result missing = LauncherProcess.run(dir, new byte[0], "grep", "ok", "nope", other.toString());
        assertThat(missing.exitCode()).as("an error wins over a match").isEqualTo(2);
        assertThat(missing.stderr()).isEqualTo("grep: nope: No such file or directory\n");
        assertThat(new String(missing.stdout(), StandardCharsets.UTF_8)).isEqualTo(other + ":ok\n");

        LauncherProcess.Result bad = LauncherProcess.run(dir, new byte[0], "grep", "(", other.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).startsWith("grep: invalid pattern: Unclosed group");

        LauncherProcess.Result usage = LauncherProcess.run(dir, new byte[0], "grep", "-q", "x");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.stderr()).startsWith("grep: invalid option -- 'q'");
    }

    record Run(int exitCode, String stdout) {}

    private Run ours(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("grep"));
        command.addAll(List.of(args));
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], command.toArray(new String[0]));
        assertThat(result.stderr()).as("stderr of grep %s", String.join(" ", args)).isEmpty();
        return new Run(result.exitCode(), new String(result.stdout(), StandardCharsets.UTF_8));
    }

    private Run gnu(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("grep"));
        if (!List.of(args).contains("-F")) {
            command.add("-E");
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("LC_ALL", "C.UTF-8");
        Process process = builder.redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] out = LauncherProcess.readAll(process.getInputStream());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
