package dev.pushback.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.dsl.Graph;

/** What every command shares: its name, flags, error messages and how a graph is run. */
final class Cli {
    /** A command line that does not parse. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private final String name;
    private final PrintStream err;
    private final boolean explain;
    private final boolean append;
    private final boolean help;
    private final String[] operands;
    // Identity: the same failure object, reported by the catalyst and then thrown by the graph.
    private final Set<Throwable> reported = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));

    Cli(String name, PrintStream err, List<String> args) {
        this.name = name;
        this.err = err;
        List<String> rest = new ArrayList<>();
        boolean explainFlag = false;
        boolean appendFlag = false;
        boolean helpFlag = false;
        boolean flags = true;
        for (String arg : args) {
            if (flags && arg.equals("--")) {
                flags = false;
            } else if (flags && arg.equals("--explain")) {
                explainFlag = true;
            } else if (flags && (arg.equals("-a") || arg.equals("--append"))) {
                appendFlag = true;
            } else if (flags && (arg.equals("-h") || arg.equals("--help"))) {
                helpFlag = true;
            } else {
                rest.add(arg);
            }
        }
        this.explain = explainFlag;
        this.append = appendFlag;
        this.help = helpFlag;
        this.operands = rest.toArray(new String[0]);
    }

    String name() {
        return name;
    }

    String[] operands() {
        return operands;
    }

    boolean append() {
        return append;
    }

    /** Whether -h or --help was given. */
    boolean help() {
        return help;
    }

    /** Whether --explain was given. */
    boolean explain() {
        return explain;
    }

    PrintStream err() {
        return err;
    }

    /**
     * A catalyst for a command. Its failures are printed once, as one line like coreutils
     * ({@code cat: stdout: Broken pipe}); a failure that also ends the command is not printed again.
     */
    Catalyst catalyst() {
        return Catalyst.open(Catalyst.Config.defaults().withName(name).withErrors(this::report));
    }

    private void report(String what, Throwable cause) {
        if (cause instanceof CatalystClosedException || !reported.add(cause)) {
            return;
        }
        err.println(name + ": " + describe(cause));
    }

    /** Whether {@code failure} was printed already by the catalyst's reporter. */
    boolean reported(Throwable failure) {
        return reported.contains(failure);
    }

    /** Starts the graph, prints its plan with --explain, and runs the catalyst until it is done. */
    void run(Graph graph) throws Exception {
        CompletableFuture<Void> done = graph.start();
        if (explain) {
            graph.catalyst().execute(() -> err.print(graph.explain()));
        }
        graph.catalyst().loop();
        try {
            done.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** One line, like coreutils: "FILE: No such file or directory", "stdout: Broken pipe". */
    static String describe(Throwable failure) {
        if (failure instanceof NoSuchFileException e) {
            return e.getFile() + ": No such file or directory";
        }
        if (failure instanceof AccessDeniedException e) {
            return e.getFile() + ": Permission denied";
        }
        if (failure instanceof FileSystemException e && e.getReason() != null) {
            return e.getFile() + ": " + e.getReason();
        }
        if (failure instanceof IOException && failure.getMessage() != null) {
            return failure.getMessage();
        }
        return failure.toString();
    }
}
