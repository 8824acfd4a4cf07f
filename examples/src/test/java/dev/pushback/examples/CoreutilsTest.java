package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher behaves like coreutils: each command takes its own options, and an unknown one is
 * a usage error; messages name the file and the OS reason (checked against GNU cat and tee run on
 * the same files), an output that fails leaving tee's others going on, and a closed stdout ending
 * every command quietly with status 141. Real processes, real pipes (a bash pipeline into
 * {@code head}), real files and devices.
 */
class CoreutilsTest {
    private static final List<String> COMMANDS = List.of("tee", "cat", "grep", "interleave", "pv", "echo-server", "embed");
    private static final ProcessBuilder.Redirect PIPE = ProcessBuilder.Redirect.PIPE;

    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Numbered lines, about {@code size} bytes. */
    private static byte[] lines(int size) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < size; i++) {
            text.append("line ").append(i).append('\n');
        }
        return bytes(text.toString());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    // ---------------------------------------------------------------- options

    @Test
    void everyCommandRejectsAnUnknownOptionWithItsUsageAndExit2() throws Exception {
        for (String command : COMMANDS) {
            LauncherProcess.Result shortOption = LauncherProcess.run(dir, new byte[0], command, "-z", "f");
            assertThat(shortOption.exitCode()).as("%s -z", command).isEqualTo(2);
            assertThat(shortOption.stderr()).as("%s -z", command)
                .startsWith(command + ": invalid option -- 'z'\nusage: " + command + " ");
            assertThat(shortOption.stdout()).as("%s -z ran nothing", command).isEmpty();
            LauncherProcess.Result longOption = LauncherProcess.run(dir, new byte[0], command, "--zap");
            assertThat(longOption.exitCode()).as("%s --zap", command).isEqualTo(2);
            assertThat(longOption.stderr()).as("%s --zap", command)
                .startsWith(command + ": unrecognized option '--zap'\nusage: " + command + " ");
        }
        assertThat(dir.resolve("-z")).as("tee -z f created no file named -z").doesNotExist();
        assertThat(dir.resolve("f")).as("nor f").doesNotExist();
    }

    @Test
    void onlyTeeTakesA() throws Exception {
        for (String command : List.of("cat", "grep", "interleave", "pv")) {
            LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], command, "-a", "x");
            assertThat(result.exitCode()).as(command).isEqualTo(2);
            assertThat(result.stderr()).as(command).startsWith(command + ": invalid option -- 'a'\n");
        }
        LauncherProcess.Result append = LauncherProcess.run(dir, bytes("x\n"), "cat", "--append");
        assertThat(append.exitCode()).isEqualTo(2);
        assertThat(append.stderr()).startsWith("cat: unrecognized option '--append'\n");
    }

    @Test
    void optionsMayComeAfterOperandsAndDoubleDashEndsThem() throws Exception {
        Files.writeString(dir.resolve("log"), "before\n");
        LauncherProcess.Result after = LauncherProcess.run(dir, bytes("after\n"), "tee", "log", "--append");
        assertThat(after.exitCode()).as(after.stderr()).isZero();
        assertThat(Files.readString(dir.resolve("log"))).isEqualTo("before\nafter\n");

        LauncherProcess.Result dashed = LauncherProcess.run(dir, bytes("into -z\n"), "tee", "--", "-z");
        assertThat(dashed.exitCode()).as(dashed.stderr()).isZero();
        assertThat(Files.readString(dir.resolve("-z"))).isEqualTo("into -z\n");

        LauncherProcess.Result cat = LauncherProcess.run(dir, bytes("stdin\n"), "cat", "--", "-z", "-");
        assertThat(cat.exitCode()).as(cat.stderr()).isZero();
        assertThat(text(cat.stdout())).as("-z is a file after --, a lone - is stdin").isEqualTo("into -z\nstdin\n");

        LauncherProcess.Result grep = LauncherProcess.run(dir, new byte[0], "grep", "-c", "--", "-z", "-z", "-");
        assertThat(grep.exitCode()).as(grep.stderr()).isZero();
        assertThat(text(grep.stdout())).isEqualTo("-z:1\n(standard input):0\n");

        LauncherProcess.Result bundled = LauncherProcess.run(dir, bytes("A\nb\n"), "grep", "-vi", "a");
        assertThat(text(bundled.stdout())).isEqualTo("b\n");
    }

    @Test
    void optionValuesAndOperandsAreCheckedPerCommand() throws Exception {
        LauncherProcess.Result missing = LauncherProcess.run(dir, new byte[0], "embed", "--mib");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).startsWith("embed: option '--mib' requires an argument\nusage: embed ");
        LauncherProcess.Result inline = LauncherProcess.run(dir, new byte[0], "echo-server", "--port=http");
        assertThat(inline.exitCode()).isEqualTo(2);
        assertThat(inline.stderr()).startsWith("echo-server: --port takes a number, not 'http'\nusage: echo-server ");
        LauncherProcess.Result extra = LauncherProcess.run(dir, new byte[0], "echo-server", "8080");
        assertThat(extra.exitCode()).isEqualTo(2);
        assertThat(extra.stderr()).startsWith("echo-server: extra operand '8080'\nusage: echo-server ");
        LauncherProcess.Result flagValue = LauncherProcess.run(dir, new byte[0], "tee", "--append=yes");
        assertThat(flagValue.exitCode()).isEqualTo(2);
        assertThat(flagValue.stderr()).startsWith("tee: option '--append' doesn't allow an argument\n");
    }

    @Test
    void helpAndExplainStillWorkForEveryCommand() throws Exception {
        for (String command : COMMANDS) {
            for (String help : List.of("-h", "--help")) {
                LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], command, help);
                assertThat(result.exitCode()).as("%s %s", command, help).isZero();
                assertThat(result.stderr()).as("%s %s", command, help).startsWith("usage: " + command + " ");
            }
        }
        Files.writeString(dir.resolve("one"), "one\n");
        LauncherProcess.Result explained = LauncherProcess.run(dir, new byte[0], "cat", "one", "--explain");
        assertThat(explained.exitCode()).as(explained.stderr()).isZero();
        assertThat(text(explained.stdout())).isEqualTo("one\n");
        assertThat(explained.stderr()).startsWith("plan: 1 fiber").contains("source one", "sink stdout");
    }

    // ---------------------------------------------------------------- messages, against GNU

    /**
     * Ours and GNU's, run by the same bash {@code script} that names the command {@code "$@"}
     * (to redirect its stdin or stdout): the same exit status, stdout and stderr.
     */
    private void sameAsGnu(String script, String... command) throws Exception {
        LauncherProcess.Result ours = LauncherProcess.inShell(dir, script, new byte[0], command);
        List<String> gnu = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        gnu.addAll(List.of(command));
        LauncherProcess.Result theirs = LauncherProcess.peer(dir, PIPE, new byte[0], gnu.toArray(new String[0]));
        String what = script.replace("\"$@\"", String.join(" ", command));
        assertThat(ours.stderr()).as("stderr of %s", what).isEqualTo(theirs.stderr());
        assertThat(ours.exitCode()).as("exit status of %s", what).isEqualTo(theirs.exitCode());
        assertThat(text(ours.stdout())).as("stdout of %s", what).isEqualTo(text(theirs.stdout()));
    }

    @Test
    void catNamesTheFileAndTheReasonAsGnuCatDoes() throws Exception {
        Files.writeString(dir.resolve("present"), "here\n");
        Files.createDirectory(dir.resolve("a dir"));
        Files.write(dir.resolve("big"), random(3 << 20, 7));
        sameAsGnu("\"$@\"", "cat", "/tmp");
        sameAsGnu("\"$@\"", "cat", "nope");
        sameAsGnu("\"$@\"", "cat", "nope", "present", "/tmp", "present");
        sameAsGnu("\"$@\"", "cat", "a dir", "it's", "a b");
        sameAsGnu("\"$@\" < /tmp", "cat");
        sameAsGnu("\"$@\" < /tmp", "cat", "present", "-", "present");
        sameAsGnu("\"$@\" > /dev/full", "cat", "present"); // a small write, gathered to the end of the round
        sameAsGnu("\"$@\" > /dev/full", "cat", "big");
        sameAsGnu("\"$@\" < big > /dev/full", "cat");
    }

    @Test
    void teeNamesTheFileAndTheReasonAsGnuTeeDoes() throws Exception {
        Files.writeString(dir.resolve("present"), "here\n");
        sameAsGnu("\"$@\" < present", "tee", "/nonexistent/x");
        sameAsGnu("\"$@\" < present", "tee", "/tmp", "a b/c", "it's/x", "copy");
        sameAsGnu("\"$@\" < /tmp", "tee");
        sameAsGnu("\"$@\" < present > /dev/full", "tee");
    }

    @Test
    void aTeeOutputThatFailsIsReportedAndTheCopyToTheOthersGoesOnAsInGnuTee() throws Exception {
        byte[] input = random(20 << 20, 11);
        Files.write(dir.resolve("input"), input);
        for (boolean gnu : List.of(false, true)) {
            String[] command = {"tee", "a", "/nonexistent/x", "/dev/full", "/tmp", "b"};
            LauncherProcess.Result result = gnu
                ? LauncherProcess.peer(dir, PIPE, input, command)
                : LauncherProcess.run(dir, input, command);
            String who = gnu ? "GNU tee" : "tee";
            assertThat(result.exitCode()).as(who).isEqualTo(1);
            assertThat(result.stderr()).as(who).isEqualTo("tee: /nonexistent/x: No such file or directory\n"
                + "tee: /tmp: Is a directory\ntee: /dev/full: No space left on device\n");
            assertThat(result.stdout()).as("%s: stdout", who).isEqualTo(input);
            assertThat(Files.readAllBytes(dir.resolve("a"))).as("%s: a", who).isEqualTo(input);
            assertThat(Files.readAllBytes(dir.resolve("b"))).as("%s: b", who).isEqualTo(input);
            Files.delete(dir.resolve("a"));
            Files.delete(dir.resolve("b"));
        }
    }

    @Test
    void teeWithAFullStdoutGoesOnWritingItsFilesAsGnuTeeDoes() throws Exception {
        byte[] input = random(5 << 20, 12);
        Files.write(dir.resolve("input"), input);
        sameAsGnu("\"$@\" < input > /dev/full", "tee", "a");
        assertThat(Files.readAllBytes(dir.resolve("a"))).isEqualTo(input);
        LauncherProcess.Result ours = LauncherProcess.inShell(dir, "\"$@\" < input > /dev/full", new byte[0], "tee", "b");
        assertThat(ours.stderr()).isEqualTo("tee: 'standard output': No space left on device\n");
        assertThat(Files.readAllBytes(dir.resolve("b"))).isEqualTo(input);
    }

    @Test
    void grepNamesStdinAndStdoutAsGnuGrepDoes() throws Exception {
        LauncherProcess.Result stdin = LauncherProcess.inShell(dir, "\"$@\" < /tmp", new byte[0], "grep", "x");
        assertThat(stdin.exitCode()).isEqualTo(2);
        assertThat(stdin.stderr()).isEqualTo("grep: (standard input): Is a directory\n");
        Files.writeString(dir.resolve("x"), "x\n");
        LauncherProcess.Result full = LauncherProcess.inShell(dir, "\"$@\" > /dev/full", new byte[0], "grep", "x", "x");
        assertThat(full.exitCode()).isEqualTo(2);
        assertThat(full.stderr()).isEqualTo("grep: write error: No space left on device\n");
        LauncherProcess.Result count = LauncherProcess.inShell(dir, "\"$@\" > /dev/full", new byte[0], "grep", "-c", "x", "x");
        assertThat(count.exitCode()).isEqualTo(2);
        assertThat(count.stderr()).isEqualTo("grep: write error: No space left on device\n");
    }

    // ---------------------------------------------------------------- EPIPE

    /** A progress line of pv: all it may print when stdout goes. */
    private static String withoutProgress(String stderr) {
        return stderr.replaceAll("\r[^\r\n]* \\[[^\\]]*/s\\]", "");
    }

    @Test
    void everyStreamingCommandIntoHeadExitsQuietlyWith141() throws Exception {
        byte[] input = lines(20 << 20); // far more than a pipe, the bridge and head take
        Files.write(dir.resolve("lines"), input);
        List<String[]> commands = List.of(
            new String[] {"tee", "copy"},
            new String[] {"cat", "lines"},
            new String[] {"cat", "-"},
            new String[] {"grep", "-F", "line", "lines"},
            new String[] {"interleave", "lines", "-"},
            new String[] {"pv", "lines"},
            new String[] {"pv"});
        for (String[] command : commands) {
            LauncherProcess.Result result = LauncherProcess.inShell(dir,
                "\"$@\" | head -n 1 > head.out; exit \"${PIPESTATUS[0]}\"", input, command);
            String what = String.join(" ", command) + " | head -n 1";
            assertThat(result.exitCode()).as("%s; stderr: %s", what, result.stderr()).isEqualTo(141);
            assertThat(withoutProgress(result.stderr())).as("%s says nothing", what).isEmpty();
            assertThat(Files.readString(dir.resolve("head.out"))).as("%s", what).isEqualTo("line 0\n");
        }
    }

    @Test
    void teeIntoAFifoWhoseReaderGoesExitsQuietlyWith141AsGnuTeeDoes() throws Exception {
        Files.write(dir.resolve("input"), random(8 << 20, 31));
        // The FIFO opens once head opens it; head takes a byte and exits; tee has megabytes left to write.
        String script = "mkfifo fifo && { head -c 1 fifo > /dev/null & } && \"$@\" fifo < input > out; status=$?; rm fifo; exit $status";
        sameAsGnu(script, "tee");
    }

    @Test
    void everyCommandWhoseStdoutHasNoReaderExitsQuietlyWith141() throws Exception {
        Files.writeString(dir.resolve("x"), "x\n");
        List<String[]> commands = List.of(
            new String[] {"tee", "copy"},
            new String[] {"cat", "x"},
            new String[] {"grep", "x", "x"},
            new String[] {"grep", "-c", "x", "x"},
            new String[] {"interleave", "x"},
            new String[] {"pv", "x"},
            new String[] {"embed", "--mode", "loop", "--mib", "1"},
            new String[] {"echo-server", "--port", "0"});
        for (String[] command : commands) {
            // The pipe's reader has exited (and bash waited for it) before the command starts.
            LauncherProcess.Result result = LauncherProcess.inShell(dir,
                "exec 3> >(exec true); wait $!; \"$@\" >&3 3>&-", bytes("x\n"), command);
            String what = String.join(" ", command);
            assertThat(result.exitCode()).as("%s; stderr: %s", what, result.stderr()).isEqualTo(141);
            assertThat(withoutProgress(result.stderr())).as("%s says nothing", what).isEmpty();
        }
    }

    // ---------------------------------------------------------------- interleave, pv

    @Test
    void interleaveKeepsALastLineWithoutANewlineAsItWas() throws Exception {
        Files.writeString(dir.resolve("ab"), "a\nb");
        Files.writeString(dir.resolve("xy"), "x\ny\n");
        LauncherProcess.Result alone = LauncherProcess.run(dir, new byte[0], "interleave", "ab");
        assertThat(alone.exitCode()).as(alone.stderr()).isZero();
        assertThat(text(alone.stdout())).isEqualTo("a\nb");

        LauncherProcess.Result both = LauncherProcess.run(dir, new byte[0], "interleave", "ab", "xy");
        assertThat(both.exitCode()).as(both.stderr()).isZero();
        String out = text(both.stdout());
        List<String> lines = List.of(out.split("\n"));
        assertThat(lines).containsExactlyInAnyOrder("a", "b", "x", "y");
        assertThat(lines.indexOf("a")).isLessThan(lines.indexOf("b"));
        assertThat(lines.indexOf("x")).isLessThan(lines.indexOf("y"));
        // "b" as it was when it came last; else a newline keeps it from the line after it
        assertThat(out).isEqualTo(out.endsWith("b") ? String.join("\n", lines) : String.join("\n", lines) + "\n");
    }

    @Test
    void interleaveReportsALineOverTheLimitForItsInputAloneAndTheOthersGoOn() throws Exception {
        int limit = Interleave.MAX_LINE;
        StringBuilder ok = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            ok.append("ok ").append(i).append('\n');
        }
        Files.writeString(dir.resolve("ok"), ok);
        String longest = "L".repeat(limit - 1) + "\n"; // as long as a line may be, its newline included
        Files.writeString(dir.resolve("long"), "before\n" + longest + "x".repeat(limit) + "\nafter\n");
        byte[] stdin = bytes("in\n" + "y".repeat(3 * limit) + "\nnever\n");
        LauncherProcess.Result result = LauncherProcess.run(dir, stdin, "interleave", "long", "ok", "-");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr().lines().sorted().toList()).containsExactly(
            "interleave: -: line longer than " + limit + " bytes",
            "interleave: long: line longer than " + limit + " bytes");
        List<String> lines = List.of(text(result.stdout()).split("\n"));
        assertThat(lines.stream().filter(line -> line.startsWith("ok ")).toList())
            .as("the other input, whole and in order").isEqualTo(List.of(ok.toString().split("\n")));
        assertThat(lines.stream().filter(line -> !line.startsWith("ok ")).toList())
            .as("the long inputs up to their long line").containsExactlyInAnyOrder("before", longest.strip(), "in");
    }

    @Test
    void interleaveReportsAFileItCannotReadAndGoesOnWithTheOthers() throws Exception {
        Files.writeString(dir.resolve("ok"), "ok\n");
        Files.createDirectory(dir.resolve("sub"));
        LauncherProcess.Result result = LauncherProcess.run(dir, new byte[0], "interleave", "nope", "ok", "sub");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr()).isEqualTo("interleave: nope: No such file or directory\ninterleave: sub: Is a directory\n");
        assertThat(text(result.stdout())).isEqualTo("ok\n");
    }

    @Test
    void pvReadsItsFilesInOrderAsCatDoes() throws Exception {
        byte[] one = random(3 << 20, 21);
        byte[] two = bytes("two\n");
        byte[] stdin = random(100_000, 22);
        Files.write(dir.resolve("one"), one);
        Files.write(dir.resolve("two"), two);
        LauncherProcess.Result result = LauncherProcess.run(dir, stdin, "pv", "one", "-", "two");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo(concat(one, stdin, two));
        assertThat(withoutProgress(result.stderr())).isEqualTo("\n");
        assertThat(result.stderr()).as("the last line counts every input").containsPattern("\r3\\.1 MiB \\d+:\\d\\d:\\d\\d \\[[^\\]]+/s\\]\n$");

        LauncherProcess.Result missing = LauncherProcess.run(dir, new byte[0], "pv", "nope", "two", "/tmp", "two");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).startsWith("pv: nope: No such file or directory\npv: /tmp: Is a directory\n");
        assertThat(text(missing.stdout())).isEqualTo("two\ntwo\n");
    }
}
