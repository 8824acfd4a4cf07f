package dev.pushback.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The examples launcher: {@code java -jar pushback-examples.jar COMMAND [ARGS]}. Exit codes follow
 * coreutils: 0 on success, 1 with a one-line message on an IO error, 2 for a usage error (an
 * option the command does not take, or {@code --explain} on a command that has no plan to print),
 * and 141, silently, when the reader of standard output has gone (EPIPE), as a shell shows a
 * process that SIGPIPE killed.
 */
public final class Launcher {
    /** One subcommand. */
    interface Command {
        /** Runs the command; returns the exit code. */
        int run(Cli cli, String[] args) throws Exception;

        String usage();

        /** The options it takes besides -h/--help and --explain, which every command takes. */
        default Cli.Options options() {
            return Cli.Options.NONE;
        }

        /** What its messages call standard input: {@code -}, as cat does. */
        default String stdinName() {
            return "-";
        }

        /** Whether its messages quote a file name as a shell would need it, as cat and tee do: {@code 'a b'}. */
        default boolean quotesNames() {
            return true;
        }

        /** What its messages call standard output when writing it fails: {@code write error}, as cat does. */
        default String stdoutName() {
            return "write error";
        }

        /** Whether the command runs one graph whose plan {@code --explain} can print. */
        default boolean explains() {
            return true;
        }

        /** A line for the help after the list of commands, or null. */
        default String note() {
            return null;
        }
    }

    static final Map<String, Command> COMMANDS = new TreeMap<>(Map.of(
        "tee", new Tee(),
        "cat", new Cat(),
        "grep", new Grep(),
        "interleave", new Interleave(),
        "pv", new Pv(),
        "echo-server", new EchoServer(),
        "nc", new Nc(),
        "embed", new Embed(),
        "proxy", new Proxy()));

    private Launcher() {}

    public static void main(String[] args) {
        System.exit(run(args, System.err));
    }

    static int run(String[] args, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            usage(err);
            return 0;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            err.println("pushback: unknown command '" + args[0] + "'");
            usage(err);
            return 2;
        }
        Cli cli;
        try {
            cli = Cli.parse(args[0], err, command, Arrays.asList(args).subList(1, args.length));
        } catch (Cli.UsageException e) {
            err.println(args[0] + ": " + e.getMessage());
            err.println("usage: " + command.usage());
            return 2;
        }
        if (cli.help()) {
            err.println("usage: " + command.usage());
            if (command.note() != null) {
                err.println(command.note());
            }
            return 0;
        }
        try {
            if (cli.explain() && !command.explains()) {
                throw new Cli.UsageException("--explain: " + args[0] + " has no plan to print; --explain is for "
                    + String.join(", ", explaining()));
            }
            return command.run(cli, cli.operands());
        } catch (Cli.UsageException e) {
            err.println(args[0] + ": " + e.getMessage());
            err.println("usage: " + command.usage());
            return 2;
        } catch (Exception e) {
            if (Cli.brokenPipe(e)) {
                return Cli.SIGPIPE_STATUS;
            }
            cli.print(e);
            return 1;
        }
    }

    private static void usage(PrintStream err) {
        err.println("usage: java -jar pushback-examples.jar COMMAND [--explain] [ARGS]");
        err.println("commands:");
        for (Command command : COMMANDS.values()) {
            err.println("  " + command.usage());
        }
        err.println("--explain prints the compiled plan to stderr before running (" + String.join(", ", explaining()) + ").");
        err.println("COMMAND --help prints the usage of one command.");
        for (Command command : COMMANDS.values()) {
            if (command.note() != null) {
                err.println(command.note());
            }
        }
    }

    /** The commands that take --explain. */
    private static List<String> explaining() {
        List<String> names = new ArrayList<>();
        COMMANDS.forEach((name, command) -> {
            if (command.explains()) {
                names.add(name);
            }
        });
        return names;
    }
}
