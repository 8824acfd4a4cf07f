package dev.pushback.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.CatalystClosedException;
import dev.pushback.dsl.Graph;

/** What every command shares: its name, its options, error messages and how a graph is run. */
final class Cli {
    /** A command line that does not parse. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /**
     * The options one command takes, besides {@code -h}/{@code --help} and {@code --explain},
     * which every command takes: single-letter flags (bundled as {@code -Fvc}), long names for
     * some of them ({@code --append} for {@code -a}), and long options with a value
     * ({@code --port 8080} or {@code --port=8080}).
     */
    static final class Options {
        static final Options NONE = new Options("", Map.of(), Set.of());

        private final String flags;
        private final Map<String, Character> longFlags;
        private final Set<String> valued;

        private Options(String flags, Map<String, Character> longFlags, Set<String> valued) {
            this.flags = flags;
            this.longFlags = longFlags;
            this.valued = valued;
        }

        /** The single-letter flags, as one string: {@code "Fvci"}. */
        static Options flags(String letters) {
            return new Options(letters, Map.of(), Set.of());
        }

        /** A long name for a flag: {@code --append} for {@code -a}. */
        Options alias(String longName, char flag) {
            Map<String, Character> longs = new HashMap<>(longFlags);
            longs.put(longName, flag);
            return new Options(flags, Map.copyOf(longs), valued);
        }

        /** A long option that takes a value: {@code --port}. */
        Options valued(String longName) {
            Set<String> names = new HashSet<>(valued);
            names.add(longName);
            return new Options(flags, longFlags, Set.copyOf(names));
        }
    }

    private final String name;
    private final PrintStream err;
    private final Launcher.Command command;
    private final boolean explain;
    private final boolean help;
    private final Set<Character> flags;
    private final Map<String, String> values;
    private final String[] operands;
    // Identity: the same failure object, reported by the catalyst and then thrown by the graph.
    private final Set<Throwable> reported = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));

    private Cli(String name, PrintStream err, Launcher.Command command, boolean explain, boolean help,
            Set<Character> flags, Map<String, String> values, String[] operands) {
        this.name = name;
        this.err = err;
        this.command = command;
        this.explain = explain;
        this.help = help;
        this.flags = flags;
        this.values = values;
        this.operands = operands;
    }

    /**
     * Parses a command's arguments as GNU getopt does: options may come before, between or after
     * the operands; {@code --} ends the options; a lone {@code -} is an operand (stdin, where a
     * command reads files). {@code -h} or {@code --help} stops the parse: the command shows its
     * usage and runs nothing.
     *
     * @throws UsageException an option the command does not take, or a value missing
     */
    static Cli parse(String name, PrintStream err, Launcher.Command command, List<String> args) throws UsageException {
        Options options = command.options();
        boolean explain = false;
        Set<Character> flags = new HashSet<>();
        Map<String, String> values = new LinkedHashMap<>();
        List<String> operands = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                operands.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (arg.startsWith("--")) {
                int equals = arg.indexOf('=');
                String option = equals < 0 ? arg : arg.substring(0, equals);
                String inline = equals < 0 ? null : arg.substring(equals + 1);
                if (option.equals("--help")) {
                    return new Cli(name, err, command, explain, true, flags, values, new String[0]);
                }
                if (options.valued.contains(option)) {
                    if (inline == null) {
                        if (i + 1 == args.size()) {
                            throw new UsageException("option '" + option + "' requires an argument");
                        }
                        inline = args.get(++i);
                    }
                    values.put(option, inline);
                    continue;
                }
                if (inline != null && (option.equals("--explain") || options.longFlags.containsKey(option))) {
                    throw new UsageException("option '" + option + "' doesn't allow an argument");
                }
                if (option.equals("--explain")) {
                    explain = true;
                } else if (options.longFlags.containsKey(option)) {
                    flags.add(options.longFlags.get(option));
                } else {
                    throw new UsageException("unrecognized option '" + arg + "'");
                }
                continue;
            }
            if (arg.startsWith("-") && arg.length() > 1) {
                for (char flag : arg.substring(1).toCharArray()) {
                    if (flag == 'h') {
                        return new Cli(name, err, command, explain, true, flags, values, new String[0]);
                    }
                    if (options.flags.indexOf(flag) < 0) {
                        throw new UsageException("invalid option -- '" + flag + "'");
                    }
                    flags.add(flag);
                }
                continue;
            }
            operands.add(arg);
        }
        return new Cli(name, err, command, explain, false, flags, values, operands.toArray(new String[0]));
    }

    String name() {
        return name;
    }

    String[] operands() {
        return operands;
    }

    /** For a command that takes no operands: the first one given is a usage error, as coreutils says it. */
    void noOperands() throws UsageException {
        if (operands.length > 0) {
            throw new UsageException("extra operand '" + operands[0] + "'");
        }
    }

    /** Whether the single-letter flag (or its long name) was given. */
    boolean flag(char letter) {
        return flags.contains(letter);
    }

    /** The value of a long option ({@code "--port"}), the last one given, or null. */
    String value(String longName) {
        return values.get(longName);
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
