package dev.pushback.dsl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The system calls one thread makes, counted by a real {@code strace} attached to that thread
 * (the machine's own tool, not a mock). {@link #mark()} makes a call that stands out in the trace
 * (a {@code stat} of a path that does not exist), so that a test counts only what lies between
 * two marks.
 */
final class SyscallTrace {
    /** Calls the JVM makes on any thread for its own sake: locks and safepoints, signals, memory, clocks. None is IO. */
    static final Set<String> JVM_HOUSEKEEPING = Set.of("futex", "sched_yield", "restart_syscall", "rt_sigreturn",
        "rt_sigprocmask", "madvise", "mprotect", "mmap", "munmap", "gettid", "clock_gettime", "getrusage", "sysinfo");

    private static final String MARK = "/pushback-syscall-trace-mark";

    private final Process strace;
    private final Path output;

    private SyscallTrace(Process strace, Path output) {
        this.strace = strace;
        this.output = output;
    }

    /** Attaches strace to the calling thread; returns once it is attached. */
    static SyscallTrace ofCurrentThread() throws IOException {
        // "/proc/thread-self" links to "<pid>/task/<tid>": the kernel's id of this thread.
        String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        Path output = Files.createTempFile("strace", ".txt");
        Process strace = new ProcessBuilder("strace", "-p", tid, "-o", output.toString()).start();
        BufferedReader messages = new BufferedReader(new InputStreamReader(strace.getErrorStream(), StandardCharsets.UTF_8));
        String line = messages.readLine();
        if (line == null || !line.contains("attached")) {
            strace.destroyForcibly();
            throw new IOException("strace did not attach to thread " + tid + ": " + line);
        }
        return new SyscallTrace(strace, output);
    }

    /** A call that marks a point in the trace. */
    void mark() {
        Files.exists(Path.of(MARK));
    }

    /** Detaches strace; counts the calls by name between the first two marks. */
    Map<String, Integer> stopAndCountBetweenMarks() throws Exception {
        strace.destroy(); // SIGTERM: strace detaches and flushes its output
        if (!strace.waitFor(30, TimeUnit.SECONDS)) {
            strace.destroyForcibly();
            throw new IOException("strace did not stop");
        }
        List<String> lines = Files.readAllLines(output);
        Files.delete(output);
        Map<String, Integer> counts = new TreeMap<>();
        int marks = 0;
        for (String line : lines) {
            if (line.contains(MARK)) {
                if (++marks == 2) {
                    return counts;
                }
            } else if (marks == 1) {
                int paren = line.indexOf('(');
                if (paren > 0) {
                    counts.merge(line.substring(0, paren), 1, Integer::sum);
                }
            }
        }
        throw new IOException("the trace does not hold two marks: " + lines.size() + " lines");
    }
}
