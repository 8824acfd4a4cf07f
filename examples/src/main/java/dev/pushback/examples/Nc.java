package dev.pushback.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.ConnectOptions;
import dev.pushback.dsl.Connection;
import dev.pushback.dsl.Graph;
import dev.pushback.dsl.Listener;
import dev.pushback.dsl.tls.TlsClientConfig;
import dev.pushback.dsl.tls.TlsServerConfig;

/**
 * {@code nc [-v] HOST PORT}, {@code nc -l [-v] [HOST] PORT}, and {@code -U PATH} for a Unix domain
 * socket: standard input to the socket and the socket to standard output, both under negotiation
 * (DESIGN N1, N17). At the end of stdin the socket's output is shut down and nc waits for the peer
 * to finish, as {@code nc -N} does. {@code -l} accepts one connection (on every interface unless
 * HOST says otherwise), then does the same; with {@code -v} it says where it listens. Exit status
 * 0, or 1 with a one-line message on an IO error ({@code nc: connect to 127.0.0.1:9 refused}).
 *
 * <p>TLS (DESIGN N18): {@code --tls} connects over TLS, checking the server's certificate against
 * the JDK's authorities or {@code --cafile F} (PEM) and its name against HOST; {@code --insecure}
 * checks neither. {@code -l --tls-cert F --tls-key K} serves TLS with that PEM chain and key. A
 * failed handshake is one line naming the address and status 1.
 */
final class Nc implements Launcher.Command {
    // Long options without a letter of their own: these stand for them among the flags.
    private static final char TLS = '\u0001';
    private static final char INSECURE = '\u0002';

    @Override
    public int run(Cli cli, String[] operands) throws Exception {
        boolean listen = cli.flag('l');
        boolean unix = cli.flag('U');
        SocketAddress address = address(listen, unix, operands);
        TlsClientConfig client = client(cli, listen, unix);
        TlsServerConfig server = server(cli, listen, unix);
        try (Catalyst catalyst = cli.catalyst()) {
            if (!listen) {
                Graph graph = Graph.on(catalyst);
                Connection peer = client == null ? graph.connect(address)
                    : graph.connect((InetSocketAddress) address, ConnectOptions.defaults(), client);
                copy(cli, graph, peer);
                try {
                    cli.run(graph);
                } catch (IOException e) {
                    cli.print(e);
                    return 1;
                }
                return 0;
            }
            Listener[] listener = new Listener[1];
            boolean[] failed = {false};
            java.util.function.BiConsumer<Graph, Connection> once = (graph, peer) -> {
                listener[0].close(); // one connection, as nc -l takes
                copy(cli, graph, peer);
                graph.start().whenComplete((ok, failure) -> failed[0] = failure != null);
            };
            listener[0] = server == null ? Listener.open(catalyst, address, 1, once)
                : Listener.open(catalyst, address, 1, server, once);
            if (cli.flag('v')) {
                System.err.println("nc: listening on " + where(listener[0].localAddress()));
            }
            catalyst.loop();
            return failed[0] ? 1 : 0;
        } catch (IOException e) {
            cli.print(e);
            return 1;
        }
    }

    /** The TLS client config of {@code --tls}, {@code --cafile} and {@code --insecure}, or null for none. */
    private static TlsClientConfig client(Cli cli, boolean listen, boolean unix) throws Cli.UsageException, IOException {
        String cafile = cli.value("--cafile");
        if (!cli.flag(TLS)) {
            if (cafile != null || cli.flag(INSECURE)) {
                throw new Cli.UsageException((cafile != null ? "--cafile" : "--insecure") + " needs --tls");
            }
            return null;
        }
        if (listen) {
            throw new Cli.UsageException("-l serves TLS with --tls-cert F --tls-key K, not --tls");
        }
        if (unix) {
            throw new Cli.UsageException("--tls is for TCP, not -U");
        }
        if (cafile != null && cli.flag(INSECURE)) {
            throw new Cli.UsageException("--insecure checks no certificate: --cafile is for checking one");
        }
        TlsClientConfig config = cafile != null ? TlsClientConfig.trusting(Path.of(cafile)) : TlsClientConfig.defaults();
        return cli.flag(INSECURE) ? config.insecureTrustAnyCertificateAndHostname() : config;
    }

    /** The TLS server config of {@code -l --tls-cert F --tls-key K}, or null for none. */
    private static TlsServerConfig server(Cli cli, boolean listen, boolean unix) throws Cli.UsageException, IOException {
        String cert = cli.value("--tls-cert");
        String key = cli.value("--tls-key");
        if (cert == null && key == null) {
            return null;
        }
        if (!listen) {
            throw new Cli.UsageException((cert != null ? "--tls-cert" : "--tls-key") + " is for -l; a client takes --tls");
        }
        if (cert == null || key == null) {
            throw new Cli.UsageException((cert == null ? "--tls-key" : "--tls-cert") + " needs "
                + (cert == null ? "--tls-cert" : "--tls-key"));
        }
        if (unix) {
            throw new Cli.UsageException("TLS is for TCP, not -U");
        }
        return TlsServerConfig.fromPem(Path.of(cert), Path.of(key));
    }

    /** Stdin to the peer, the peer to stdout. */
    private static void copy(Cli cli, Graph graph, Connection peer) {
        cli.stdin(graph).to(peer.sink()); // the end of stdin shuts down the socket's output
        graph.from(peer.source()).to(cli.stdout(graph)); // until the peer's end of stream
    }

    private static SocketAddress address(boolean listen, boolean unix, String[] operands) throws Cli.UsageException {
        if (unix) {
            if (operands.length != 1) {
                throw new Cli.UsageException("-U takes one PATH");
            }
            return UnixDomainSocketAddress.of(Path.of(operands[0]));
        }
        if (listen && operands.length == 1) {
            return new InetSocketAddress(port(operands[0]));
        }
        if (operands.length != 2) {
            throw new Cli.UsageException(listen ? "-l takes [HOST] PORT" : "takes HOST PORT");
        }
        // Unresolved: the catalyst looks the name up off its thread (N17).
        return listen ? new InetSocketAddress(operands[0], port(operands[1]))
            : InetSocketAddress.createUnresolved(operands[0], port(operands[1]));
    }

    private static int port(String text) throws Cli.UsageException {
        try {
            int port = Integer.parseInt(text);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new Cli.UsageException("not a port: " + text);
        }
    }

    private static String where(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort() : address.toString();
    }

    @Override
    public String usage() {
        return "nc [-l] [-U] [-v] [--tls [--cafile F] [--insecure]] [--tls-cert F --tls-key K] [HOST] PORT|PATH"
            + "   stdin to a socket, the socket to stdout";
    }

    @Override
    public Cli.Options options() {
        return Cli.Options.flags("lUv").alias("--tls", TLS).alias("--insecure", INSECURE).valued("--cafile")
            .valued("--tls-cert").valued("--tls-key");
    }

    @Override
    public boolean explains() {
        return false;
    }

    @Override
    public String note() {
        return "nc shuts down its output at the end of stdin and waits for the peer to finish, as nc -N does.";
    }
}
