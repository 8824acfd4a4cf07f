package dev.pushback.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the launcher as a real process — a separate JVM with real stdin/stdout/stderr pipes — the
 * way a user runs it. Stdout is consumed by a thread (digested, or kept when small).
 */
final class LauncherProcess {
    private static final long TIMEOUT_SECONDS = 120;

    record Result(int exitCode, byte[] stdout, String stderr) {}

    private LauncherProcess() {}

    static Process start(Path workDir, String... args) throws IOException {
        return start(workDir, ProcessBuilder.Redirect.PIPE, args);
    }

    /** Starts with stdout sent to {@code stdout}: a pipe, or {@code DISCARD} for /dev/null. */
    static Process start(Path workDir, ProcessBuilder.Redirect stdout, String... args) throws IOException {
        return new ProcessBuilder(command(args)).directory(workDir.toFile()).redirectOutput(stdout).start();
    }

    /** The command line that runs the launcher with {@code args}. */
    static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Launcher.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Runs the launcher with {@code args} inside a bash {@code script} that names it {@code "$@"}
     * (as in {@code "$@" | head -n 1; exit "${PIPESTATUS[0]}"}); the result is the script's exit
     * status, the launcher's stdout where the script leaves it, and its stderr.
     */
    static Result inShell(Path workDir, String script, byte[] stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        command.addAll(command(args));
        return run(new ProcessBuilder(command).directory(workDir.toFile()), in -> in.write(stdin));
    }

    /** Runs a peer ({@code cat}, {@code tee}: GNU coreutils) the same way, in the C locale. */
    static Result peer(Path workDir, ProcessBuilder.Redirect stdout, byte[] stdin, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectOutput(stdout);
        builder.environment().put("LC_ALL", "C");
        return run(builder, in -> in.write(stdin));
    }

    private static Result run(ProcessBuilder builder, Feeder feeder) throws Exception {
        Process process = builder.start();
        return finish(process, feeder);
    }

    /** Runs with {@code stdin} fed by {@code feeder} and stdout kept in memory. */
    static Result run(Path workDir, Feeder feeder, String... args) throws Exception {
        return run(workDir, ProcessBuilder.Redirect.PIPE, feeder, args);
    }

    /** Runs with {@code stdin} fed by {@code feeder} and stdout kept in memory (empty when discarded). */
    static Result run(Path workDir, ProcessBuilder.Redirect stdout, Feeder feeder, String... args) throws Exception {
        return finish(start(workDir, stdout, args), feeder);
    }

    private static Result finish(Process process, Feeder feeder) throws Exception {
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        try (OutputStream in = process.getOutputStream()) {
            feeder.feed(in);
        } catch (IOException ignored) {
            // the process may exit without reading all of its input
        }
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("launcher did not exit within " + TIMEOUT_SECONDS + " s");
        }
        return new Result(process.exitValue(), out.get(), new String(err.get()));
    }

    static Result run(Path workDir, byte[] stdin, String... args) throws Exception {
        return run(workDir, in -> in.write(stdin), args);
    }

    static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @FunctionalInterface
    interface Feeder {
        void feed(OutputStream stdin) throws IOException;
    }
}
