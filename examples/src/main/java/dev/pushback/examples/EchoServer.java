package dev.pushback.examples;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.http.HttpRequest;
import dev.pushback.dsl.http.HttpResponse;
import dev.pushback.dsl.http.HttpServer;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * {@code echo-server [--host H] [--port P] [--workers N] [--max-connections N] [--tls-cert F --tls-key K]}: a
 * request with a body gets 200
 * and the same bytes streamed back (chunked if the request was chunked, else with its
 * Content-Length); GET or HEAD without a body gets {@code Hello, World!}. The body moves under
 * negotiation: a client that does not read its response stops the server reading its upload.
 * SIGINT or SIGTERM stops accepting and lets open exchanges finish, for up to five seconds. With
 * {@code --tls-cert} (a PEM certificate chain, the server's own first) and {@code --tls-key} (its PEM
 * key) it serves HTTPS ({@code HttpServer.Options.withTls}); a file that cannot be read is one line
 * and status 1, one of the pair without the other a usage error.
 */
final class EchoServer implements Launcher.Command {
    private static final long GRACE_SECONDS = 5;

    @Override
    public int run(Cli cli, String[] args) throws Exception {
        cli.noOperands();
        String host = cli.value("--host") != null ? cli.value("--host") : "127.0.0.1";
        int port = number(cli, "--port", 8080);
        int maxConnections = number(cli, "--max-connections", HttpServer.Options.defaults().maxConnections());
        int workers = number(cli, "--workers", HttpServer.Options.defaults().workers());
        HttpServer.Options options = HttpServer.Options.defaults().withMaxConnections(maxConnections).withWorkers(workers);
        TlsServerConfig tls = tls(cli);
        if (tls != null) {
            options = options.withTls(tls);
        }
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("echo-server").withErrors(EchoServer::log));
        HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress(host, port),
            options).each(EchoServer::echo);
        if (server.maxConnections() < maxConnections) {
            System.err.println("echo-server: at most " + server.maxConnections() + " connections at once:"
                + " the process's descriptor limit (ulimit -n) leaves no more");
        }
        try {
            cli.out("listening on " + server.address().getHostString() + ":" + server.address().getPort() + "\n");
        } catch (Cli.PipeClosed | java.io.IOException e) {
            catalyst.close(); // nobody to tell where it listens: it stops before serving
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown(Duration.ofSeconds(GRACE_SECONDS)).get(GRACE_SECONDS + 5, TimeUnit.SECONDS);
            } catch (TimeoutException | InterruptedException | java.util.concurrent.ExecutionException late) {
                // closing anyway
            }
            catalyst.close();
        }, "echo-server-shutdown"));
        catalyst.loop();
        return 0;
    }

    /** The key material of {@code --tls-cert} and {@code --tls-key}, or null for plain HTTP. */
    static TlsServerConfig tls(Cli cli) throws Cli.UsageException, java.io.IOException {
        String cert = cli.value("--tls-cert");
        String key = cli.value("--tls-key");
        if (cert == null && key == null) {
            return null;
        }
        if (cert == null || key == null) {
            throw new Cli.UsageException((cert == null ? "--tls-key" : "--tls-cert") + " needs "
                + (cert == null ? "--tls-cert" : "--tls-key"));
        }
        return TlsServerConfig.fromPem(Path.of(cert), Path.of(key));
    }

    /** A server's failures go to stderr, once each: a client's IO error as one line, a bug with its stack trace. */
    private static void log(String what, Throwable cause) {
        if (cause instanceof dev.pushback.catalyst.CatalystClosedException) {
            return;
        }
        if (cause instanceof java.io.IOException) {
            System.err.println("echo-server: " + what + ": " + cause);
        } else {
            System.err.print("echo-server: " + what + ": ");
            cause.printStackTrace(System.err);
        }
    }

    static void echo(HttpRequest req, HttpResponse res) {
        if (req.hasBody()) {
            String length = req.header("Content-Length");
            if (length != null) {
                res.header("Content-Length", length);
            }
            req.body().to(res);
        } else {
            res.header("Content-Type", "text/plain");
            res.send("Hello, World!");
        }
    }

    static int number(Cli cli, String option, int otherwise) throws Cli.UsageException {
        String value = cli.value(option);
        if (value == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new Cli.UsageException(option + " takes a number, not '" + value + "'");
        }
    }

    @Override
    public Cli.Options options() {
        return Cli.Options.NONE.valued("--host").valued("--port").valued("--workers").valued("--max-connections")
            .valued("--tls-cert").valued("--tls-key");
    }

    @Override
    public String usage() {
        return "echo-server [--host H] [--port P] [--workers N] [--max-connections N] [--tls-cert F --tls-key K]"
            + "   HTTP(S) echo server";
    }

    /** Each exchange compiles a graph of its own: there is no one plan to print. */
    @Override
    public boolean explains() {
        return false;
    }

    @Override
    public String note() {
        return "echo-server stops on SIGINT or SIGTERM: it stops accepting, gives open exchanges " + GRACE_SECONDS
            + " s to finish, then closes what is still open.";
    }
}
