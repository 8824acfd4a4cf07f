package dev.pushback.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module boundary as a user meets it (DESIGN section 7): the README's program and its
 * {@code module-info.java}, compiled against the library's modules and run with
 * {@code java -p ... -m app/app.Main} and no other flag; and a module that reaches for the
 * runtime's internals does not compile.
 */
class ModulePathTest {
    private static final Pattern LIBRARY = Pattern.compile(
        ".*([/\\\\](catalyst|compiler|dsl)[/\\\\]target[/\\\\]classes"
            + "|pushback-(catalyst|compiler|dsl)-[^/\\\\]*\\.jar"
            + "|[/\\\\](agrona|jctools-core)-[^/\\\\]*\\.jar)$");

    @TempDir
    Path dir;

    @Test
    void theReadmeProgramRunsOnTheModulePathWithNoFlags() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Path sources = dir.resolve("src");
        write(sources.resolve("module-info.java"), block(readme, "user-module"));
        write(sources.resolve("app").resolve("Main.java"), block(readme, "user-main"));
        Path classes = dir.resolve("classes");
        String modulePath = modulePath();

        String errors = compile(modulePath, classes, sources.resolve("module-info.java"), sources.resolve("app").resolve("Main.java"));
        assertThat(errors).as("javac").isEmpty();

        List<String> command = List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-p", modulePath + File.pathSeparator + classes,
            "-m", "app/app.Main");
        Process process = new ProcessBuilder(command).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(process.getErrorStream()));
        try (var stdin = process.getOutputStream()) {
            stdin.write("hello\n\nmodule path\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the program exits").isTrue();
        assertThat(new String(err.get(), StandardCharsets.UTF_8)).as("stderr").isEmpty();
        assertThat(process.exitValue()).isZero();
        assertThat(new String(out.get(), StandardCharsets.UTF_8)).isEqualTo("HELLO\nMODULE PATH\n");
    }

    @Test
    void theGuidesCustomEndpointCompilesAgainstTheSpiAndPacesItsFeeder() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "GUIDE.md"));
        Path sources = dir.resolve("src");
        write(sources.resolve("module-info.java"), "module app { requires dev.pushback.dsl; }\n");
        write(sources.resolve("app").resolve("PacedSink.java"), block(guide, "spi-example"));
        write(sources.resolve("app").resolve("Main.java"), """
            package app;

            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.ArrayList;
            import java.util.List;

            import dev.pushback.catalyst.Catalyst;
            import dev.pushback.dsl.Graph;

            public final class Main {
                public static void main(String[] args) throws Exception {
                    try (Catalyst catalyst = Catalyst.open()) {
                        Graph graph = Graph.on(catalyst);
                        List<String> got = new ArrayList<>();
                        PacedSink<String> paced = new PacedSink<>(catalyst, Duration.ofMillis(1), 10, got::add);
                        graph.read(Path.of(args[0])).lines().to(paced);
                        graph.run();
                        var waits = catalyst.submit(paced::handleWaits);
                        catalyst.runOnce(0);
                        System.out.println(got.size() + " " + got.get(0) + " " + got.get(99) + " " + waits.join());
                    }
                }
            }
            """);
        Path input = dir.resolve("lines.txt");
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 100; i++) {
            lines.append("line ").append(i).append('\n');
        }
        Files.writeString(input, lines);
        Path classes = dir.resolve("classes");
        String modulePath = modulePath();
        assertThat(compile(modulePath, classes, sources.resolve("module-info.java"),
            sources.resolve("app").resolve("PacedSink.java"), sources.resolve("app").resolve("Main.java"))).as("javac").isEmpty();
        Process process = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-ea", "-p", modulePath + File.pathSeparator + classes, "-m", "app/app.Main", input.toString()).start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(process.getErrorStream()));
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the program exits").isTrue();
        assertThat(new String(err.get(), StandardCharsets.UTF_8)).as("stderr").isEmpty();
        assertThat(new String(out.get(), StandardCharsets.UTF_8)).isEqualTo("100 line 1 line 100 10\n");
    }

    @Test
    void theGuidesClientSendsStdinToAServerAndPrintsTheReply() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "GUIDE.md"));
        Path sources = dir.resolve("src");
        write(sources.resolve("module-info.java"), "module app { requires dev.pushback.dsl; }\n");
        write(sources.resolve("app").resolve("Client.java"), block(guide, "connect-example"));
        Path classes = dir.resolve("classes");
        String modulePath = modulePath();
        assertThat(compile(modulePath, classes, sources.resolve("module-info.java"), sources.resolve("app").resolve("Client.java")))
            .as("javac").isEmpty();
        // The server: upper-cases what it reads until the client's FIN, then closes.
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()) {
            server.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            int port = ((java.net.InetSocketAddress) server.getLocalAddress()).getPort();
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (java.nio.channels.SocketChannel peer = server.accept()) {
                    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4096);
                    while (peer.read(buffer.clear()) >= 0) {
                        byte[] upper = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII)
                            .toUpperCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
                        java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(upper);
                        while (out.hasRemaining()) {
                            peer.write(out);
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-ea", "-p", modulePath + File.pathSeparator + classes, "-m", "app/app.Client", "127.0.0.1", Integer.toString(port))
                .start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(process.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> LauncherProcess.readAll(process.getErrorStream()));
            try (var stdin = process.getOutputStream()) {
                stdin.write("hello\nmodule path\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the program exits").isTrue();
            assertThat(new String(err.get(), StandardCharsets.UTF_8)).as("stderr").isEmpty();
            assertThat(process.exitValue()).isZero();
            assertThat(new String(out.get(), StandardCharsets.UTF_8)).isEqualTo("HELLO\nMODULE PATH\n");
            served.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void theRuntimeIsNotExportedToUsers() throws Exception {
        Path sources = dir.resolve("src");
        write(sources.resolve("module-info.java"), "module sneaky { requires dev.pushback.dsl; }\n");
        write(sources.resolve("sneaky").resolve("Peek.java"), """
            package sneaky;

            public final class Peek {
                public static Object core(dev.pushback.catalyst.Catalyst catalyst) {
                    return dev.pushback.catalyst.internal.Core.of(catalyst);
                }
            }
            """);
        String errors = compile(modulePath(), dir.resolve("classes"),
            sources.resolve("module-info.java"), sources.resolve("sneaky").resolve("Peek.java"));
        assertThat(errors).contains("package dev.pushback.catalyst.internal is not visible");
    }

    /** The library's modules and their two dependencies, from this test's own class path. */
    private static String modulePath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (LIBRARY.matcher(entry).matches()) {
                entries.add(entry);
            }
        }
        assertThat(entries).as("catalyst, compiler, dsl, agrona, jctools on the class path").hasSize(5);
        return String.join(File.pathSeparator, entries);
    }

    private static String compile(String modulePath, Path classes, Path... files) throws IOException {
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> arguments = new ArrayList<>(List.of("--release", "17", "-p", modulePath, "-d", classes.toString()));
        for (Path file : files) {
            arguments.add(file.toString());
        }
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        javac.run(null, null, errors, arguments.toArray(new String[0]));
        return errors.toString(StandardCharsets.UTF_8);
    }

    /** The fenced block after {@code <!-- name -->} in the README. */
    private static String block(String markdown, String name) {
        Matcher matcher = Pattern.compile("<!-- " + Pattern.quote(name) + " -->\\s*```\\w*\\n(.*?)```", Pattern.DOTALL)
            .matcher(markdown);
        assertThat(matcher.find()).as("README block " + name).isTrue();
        return matcher.group(1);
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
