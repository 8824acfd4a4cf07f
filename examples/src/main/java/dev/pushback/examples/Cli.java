package dev.pushback.examples;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
import dev.pushback.catalyst.Sink;
import dev.pushback.dsl.Feed;
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

    /**
     * The reader of an output pipe has gone (EPIPE; stdout's, as in {@code ... | head -1}): the
     * command stops, silently, as SIGPIPE would stop it.
     */
    static final class PipeClosed extends Exception {
        PipeClosed(Throwable cause) {
            super("Broken pipe", cause);
        }
    }

    /** The exit status of a process killed by SIGPIPE, as a shell shows it: 128 + 13. */
    static final int SIGPIPE_STATUS = 141;

    // Standard output outside a graph; never closed, which would close descriptor 1.
    private static final FileChannel STDOUT = new FileOutputStream(FileDescriptor.out).getChannel();

    private final String name;
    private final PrintStream err;
    private final Launcher.Command command;
    private final boolean explain;
    private final boolean help;
    private final Set<Character> flags;
    private final Map<String, String> values;
    private final String[] operands;
    // Identity: the same failure object, reported by the catalyst and then thrown by the graph.
    private final Set<Throwable> reported = identitySet();
    // Failures of standard output itself, which messages call by the command's name for it.
    private final Set<Throwable> stdoutFailures = identitySet();
    private final List<Sink<ByteBuffer>> stdouts = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stdinUsed;

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

    private static Set<Throwable> identitySet() {
        return Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));
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
     * ({@code cat: /tmp: Is a directory}); a failure that also ends the command is not printed
     * again, and standard output's reader going away (EPIPE) is not printed at all.
     */
    Catalyst catalyst() {
        return Catalyst.open(Catalyst.Config.defaults().withName(name).withErrors(this::report));
    }

    /** Standard input, for a command that reads it: its failures are named as the command names stdin. */
    Feed<ByteBuffer> stdin(Graph graph) {
        stdinUsed = true;
        return graph.stdin();
    }

    /** Standard output, for a command that writes it: its failures are named as the command names stdout. */
    Sink<ByteBuffer> stdout(Graph graph) {
        Sink<ByteBuffer> stdout = graph.stdout();
        stdouts.add(stdout);
        return stdout;
    }

    /**
     * Whether {@code failure} is standard output's own (a write to it failed), not a failure of
     * the graph that closed stdout with it, as a failing fiber closes its sinks (DESIGN N11).
     */
    boolean stdoutFailed(Throwable failure) {
        return stdoutFailures.contains(failure) || (!reported(failure) && stdoutClosedWith(failure));
    }

    /** Whether a standard output sink of this command has closed with {@code failure}. */
    private boolean stdoutClosedWith(Throwable failure) {
        synchronized (stdouts) {
            for (Sink<ByteBuffer> stdout : stdouts) {
                if (stdout.closed().isCompletedExceptionally() && stdout.closed().handle((ok, t) -> t).getNow(null) == failure) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The catalyst's reporter. A sink that fails on its own closes before its fiber fails and
     * reports it; a direct write fails in the sink stage, which the report names.
     */
    private void report(String what, Throwable cause) {
        if (cause instanceof CatalystClosedException || !reported.add(cause) || brokenPipe(cause)) {
            return;
        }
        if (what.endsWith(" in sink stdout") || what.equals("stdout failed while finishing") || stdoutClosedWith(cause)) {
            stdoutFailures.add(cause);
        }
        err.println(name + ": " + describe(cause));
    }

    /** Prints a failure the command met, unless the catalyst's reporter printed it already. */
    void print(Throwable failure) {
        if (!reported(failure)) {
            if (stdoutFailed(failure)) {
                stdoutFailures.add(failure);
            }
            reported.add(failure);
            err.println(name + ": " + describe(failure));
        }
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
            Throwable cause = e.getCause();
            if (brokenPipe(cause)) {
                throw new PipeClosed(cause);
            }
            throw cause instanceof Exception failure ? failure : e;
        }
    }

    /**
     * Writes {@code text} to standard output now, outside any graph (a count, a status line).
     *
     * @throws PipeClosed the reader of standard output has gone
     */
    void out(String text) throws IOException, PipeClosed {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        try {
            while (bytes.hasRemaining()) {
                STDOUT.write(bytes);
            }
        } catch (IOException e) {
            if (brokenPipe(e)) {
                throw new PipeClosed(e);
            }
            stdoutFailures.add(e);
            throw e;
        }
    }

    /** A file name in a message: as it is, or quoted as GNU coreutils quotes it for a shell ({@code 'a b'}). */
    private String quote(String file) {
        return command.quotesNames() ? shellQuoted(file) : file;
    }

    /**
     * {@code name}, or quoted as a shell would need it, as GNU's {@code quotef} does: {@code 'a b'},
     * {@code "it's"}, {@code 'a'\''b"c'}.
     */
    static String shellQuoted(String name) {
        boolean plain = !name.isEmpty() && name.charAt(0) != '~' && name.charAt(0) != '#';
        for (int i = 0; i < name.length() && plain; i++) {
            char c = name.charAt(i);
            plain = c > 0x7f || Character.isLetterOrDigit(c) || "%+,-./@_~#{}".indexOf(c) >= 0;
        }
        if (plain) {
            return name;
        }
        if (name.indexOf('\'') < 0) {
            return "'" + name + "'";
        }
        if (name.chars().noneMatch(c -> "\"$`\\!".indexOf(c) >= 0)) {
            return '"' + name + '"';
        }
        return "'" + name.replace("'", "'\\''") + "'";
    }

    /** The reason the OS gave: the message of the innermost IOException ("Broken pipe"), which endpoints wrap with their name. */
    private static String reason(Throwable failure) {
        Throwable innermost = failure;
        while (innermost.getCause() instanceof IOException cause) {
            innermost = cause;
        }
        return innermost.getMessage() != null ? innermost.getMessage() : innermost.toString();
    }

    /**
     * Whether a failure is a write to a pipe whose reader has gone (EPIPE): what kills a coreutils
     * command with SIGPIPE, which the JVM ignores, so that the write fails with this instead.
     */
    static boolean brokenPipe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PipeClosed) {
                return true;
            }
            if (t instanceof IOException && t.getCause() == null && "Broken pipe".equals(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /**
     * One line for a failure, {@code NAME: REASON} as coreutils prints it: the name of the file
     * (the command's own name for stdin or stdout: {@code -}, {@code write error}) and the reason
     * the OS gave ({@code No such file or directory}, {@code Is a directory}).
     */
    private String describe(Throwable failure) {
        if (stdoutFailures.contains(failure)) {
            return command.stdoutName() + ": " + reason(failure);
        }
        if (failure instanceof NoSuchFileException e) {
            return quote(e.getFile()) + ": No such file or directory";
        }
        if (failure instanceof AccessDeniedException e) {
            return quote(e.getFile()) + ": Permission denied";
        }
        if (failure instanceof FileSystemException e && e.getReason() != null) {
            return quote(e.getFile()) + ": " + e.getReason();
        }
        if (failure instanceof IOException && failure.getMessage() != null) {
            String message = failure.getMessage();
            // An endpoint names itself: "stdin: Is a directory", "/tmp: Is a directory".
            if (stdinUsed && message.startsWith("stdin: ")) {
                return command.stdinName() + message.substring("stdin".length());
            }
            String file = null;
            for (String operand : operands) {
                if (message.startsWith(operand + ": ") && (file == null || operand.length() > file.length())) {
                    file = operand;
                }
            }
            return file == null ? message : quote(file) + message.substring(file.length());
        }
        return failure.toString();
    }
}
