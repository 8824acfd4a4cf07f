package dev.pushback.examples;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.dsl.http.HttpClient;
import dev.pushback.dsl.http.HttpServer;
import dev.pushback.dsl.http.ReverseProxy;
import dev.pushback.dsl.tls.TlsClientConfig;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * {@code proxy --upstream URL [--host H] [--port P] [--workers N] [--max-connections N]
 * [--upstream-connections N] [--cafile F] [--tls-cert F --tls-key K]}: a reverse proxy to one
 * http or https origin ({@link ReverseProxy}), both bodies streamed under negotiation. Each worker
 * keeps its own pool of at most {@code --upstream-connections} connections to the upstream (64 by
 * default); {@code --cafile} is the PEM of the authorities an https upstream is checked against
 * (the JDK's by default); {@code --tls-cert}/{@code --tls-key} serve HTTPS. An upstream that
 * refuses or answers badly gets the client a 502, one that does not answer in 60 s a 504. SIGINT
 * or SIGTERM stops accepting and gives open exchanges five seconds.
 */
final class Proxy implements Launcher.Command {
    private static final long GRACE_SECONDS = 5;

    @Override
    public int run(Cli cli, String[] args) throws Exception {
        cli.noOperands();
        String upstreamText = cli.value("--upstream");
        if (upstreamText == null) {
            throw new Cli.UsageException("--upstream URL is required");
        }
        URI upstream;
        try {
            upstream = URI.create(upstreamText);
            ReverseProxy.to(HttpClient.create(HttpClient.Options.defaults()), upstream); // checks the URI
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageException("--upstream takes an http or https URL, not '" + upstreamText + "'");
        }
        String host = cli.value("--host") != null ? cli.value("--host") : "127.0.0.1";
        int port = EchoServer.number(cli, "--port", 8080);
        int maxConnections = EchoServer.number(cli, "--max-connections", HttpServer.Options.defaults().maxConnections());
        int workers = EchoServer.number(cli, "--workers", HttpServer.Options.defaults().workers());
        int upstreamConnections = EchoServer.number(cli, "--upstream-connections", 64);
        HttpServer.Options options = HttpServer.Options.defaults().withMaxConnections(maxConnections).withWorkers(workers);
        TlsServerConfig tls = EchoServer.tls(cli);
        if (tls != null) {
            options = options.withTls(tls);
        }
        HttpClient.Options clientOptions = HttpClient.Options.defaults().withMaxConnectionsPerOrigin(upstreamConnections);
        if (cli.value("--cafile") != null) {
            clientOptions = clientOptions.withTls(TlsClientConfig.trusting(Path.of(cli.value("--cafile"))));
        }
        HttpClient client = HttpClient.create(clientOptions);
        Catalyst catalyst = Catalyst.open(Catalyst.Config.defaults().withName("proxy").withErrors(Proxy::log));
        HttpServer server = HttpServer.listen(catalyst, new InetSocketAddress(host, port), options)
            .each(ReverseProxy.to(client, upstream));
        if (server.maxConnections() < maxConnections) {
            System.err.println("proxy: at most " + server.maxConnections() + " connections at once:"
                + " the process's descriptor limit (ulimit -n) leaves no more");
        }
        try {
            cli.out("listening on " + server.address().getHostString() + ":" + server.address().getPort() + "\n");
        } catch (Cli.PipeClosed | java.io.IOException e) {
            catalyst.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown(Duration.ofSeconds(GRACE_SECONDS)).get(GRACE_SECONDS + 5, TimeUnit.SECONDS);
            } catch (TimeoutException | InterruptedException | java.util.concurrent.ExecutionException late) {
                // closing anyway
            }
            client.close();
            catalyst.close();
        }, "proxy-shutdown"));
        catalyst.loop();
        return 0;
    }

    /** Failures go to stderr, once each: an upstream's or a client's IO error as one line, a bug with its stack trace. */
    private static void log(String what, Throwable cause) {
        if (cause instanceof dev.pushback.catalyst.CatalystClosedException) {
            return;
        }
        if (cause instanceof java.io.IOException) {
            System.err.println("proxy: " + what + ": " + cause.getMessage());
        } else {
            System.err.print("proxy: " + what + ": ");
            cause.printStackTrace(System.err);
        }
    }

    @Override
    public Cli.Options options() {
        return Cli.Options.NONE.valued("--upstream").valued("--host").valued("--port").valued("--workers")
            .valued("--max-connections").valued("--upstream-connections").valued("--cafile")
            .valued("--tls-cert").valued("--tls-key");
    }

    @Override
    public String usage() {
        return "proxy --upstream URL [--host H] [--port P] [--workers N] [--max-connections N] [--upstream-connections N]"
            + " [--cafile F] [--tls-cert F --tls-key K]   HTTP(S) reverse proxy";
    }

    @Override
    public boolean explains() {
        return false;
    }

    @Override
    public String note() {
        return "proxy stops on SIGINT or SIGTERM as echo-server does.";
    }
}
