package dev.pushback.dsl.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.pushback.catalyst.Catalyst;

/**
 * An echo server in its own JVM, for tests that need a low descriptor limit ({@code ulimit -n})
 * without lowering the test JVM's. Prints {@code listening PORT MAX}; then obeys stdin, a command
 * a line: {@code exhaust} opens /dev/null until the process is out of descriptors ({@code
 * exhausted N}), {@code release} closes them ({@code released}), {@code rounds} prints the
 * catalyst's rounds. Failures the server reports go to stderr as {@code report: WHAT: CAUSE}.
 */
public final class DescriptorChild {
    private DescriptorChild() {}

    public static void main(String[] args) throws Exception {
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("child")
            .withErrors((what, cause) -> System.err.println("report: " + what + ": " + cause)));
        HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress("127.0.0.1", 0),
            HttpServer.Options.defaults().withWorkers(1)).each(HttpServerTest::echo);
        Thread loop = new Thread(catalyst::loop, "child");
        loop.start();
        // Loaded now: a class first loaded while the process is out of descriptors cannot be read
        // from a directory on the class path (a jar, open already, would not mind).
        System.out.println("rounds " + catalyst.stats().rounds());
        System.out.println("listening " + server.address().getPort() + " " + server.maxConnections());
        List<FileChannel> hogs = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            switch (line) {
                case "exhaust" -> {
                    try {
                        while (true) {
                            hogs.add(FileChannel.open(Path.of("/dev/null")));
                        }
                    } catch (IOException outOfDescriptors) {
                        System.out.println("exhausted " + hogs.size());
                    }
                }
                case "release" -> {
                    for (FileChannel hog : hogs) {
                        hog.close();
                    }
                    hogs.clear();
                    System.out.println("released");
                }
                case "rounds" -> System.out.println("rounds " + catalyst.stats().rounds());
                default -> System.out.println("unknown " + line);
            }
        }
        server.shutdown(java.time.Duration.ofSeconds(5)).get();
        catalyst.close();
        loop.join();
    }
}
