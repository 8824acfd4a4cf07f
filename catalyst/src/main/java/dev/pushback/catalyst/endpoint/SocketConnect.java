package dev.pushback.catalyst.endpoint;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import dev.pushback.catalyst.spi.Interest;
import dev.pushback.catalyst.spi.Reactor;

/**
 * The connect of one socket, from its start to the connection or the failure (DESIGN N17): a host
 * name is looked up on the resolver (never on the catalyst thread) and handed back with
 * {@link Reactor#execute}; the connect is non-blocking, finished on {@code OP_CONNECT}; a timer on
 * the catalyst's clock bounds the whole, lookup included. Until it is over, the socket's sides
 * keep their bits clear (see {@link ChannelRegistration}), so no fiber using them moves.
 *
 * <p>A failure is an {@link IOException} that names the address as it was given: a {@link
 * ConnectException} ("connect to 127.0.0.1:1 refused"), an {@link UnknownHostException} ("cannot
 * resolve no-such-host.invalid") or a {@link SocketTimeoutException} ("connect to 10.0.0.1:80
 * timed out after 2 s"). Catalyst thread only, but for the lookup itself.
 */
final class SocketConnect {
    /** What hears the outcome: the sides of a plain socket ({@link ChannelRegistration}) or a TLS session. */
    interface Target {
        /** The socket is connected. */
        void handleConnected();

        /** The connect failed with {@code cause}, which names the address. */
        void handleConnectFailed(IOException cause);
    }

    /** A timeout longer than this (a century) is none: its deadline would overflow the clock. */
    private static final Duration LONGEST = Duration.ofDays(36_500);

    private final Reactor reactor;
    private final Target registration;
    private final SocketChannel channel;
    private final SocketAddress address;
    private final String target;
    private final Duration timeout;
    private final Executor resolver;
    private final CompletableFuture<Void> outcome = new CompletableFuture<>();
    private Interest h_interest;
    private boolean h_started;
    private boolean h_over;
    private long h_timer = -1;

    SocketConnect(Reactor reactor, Target registration, SocketChannel channel, SocketAddress address,
                  Duration timeout, Executor resolver) {
        this.reactor = reactor;
        this.registration = registration;
        this.channel = channel;
        this.address = address;
        this.target = describe(address);
        this.timeout = timeout;
        this.resolver = resolver;
    }

    /** Completes on the catalyst thread when the socket has connected, or exceptionally with why not. */
    CompletableFuture<Void> outcome() {
        return outcome;
    }

    /**
     * The socket is registered and a side has opened: the connect starts, in a task of its own.
     * Started from a task, its failure finds the fibers of the graph that opened the side waiting
     * already, however fast it comes (a refused Unix domain connect fails at once), and fails them
     * rather than a graph half started. Later calls do nothing.
     */
    void handleStart(Interest interest) {
        if (h_started) {
            return;
        }
        h_started = true;
        h_interest = interest;
        reactor.execute(this::handleBegin);
    }

    private void handleBegin() {
        if (h_over) {
            return; // both sides closed before it began: the catalyst closed, or their fibers ended
        }
        long nanos = nanos(timeout);
        if (nanos > 0) {
            h_timer = reactor.handleScheduleAt(reactor.nanoTime() + nanos, this::handleTimedOut);
        }
        if (address instanceof InetSocketAddress inet && inet.isUnresolved()) {
            handleResolve(inet.getHostString(), inet.getPort());
        } else {
            handleConnect(address);
        }
    }

    private void handleResolve(String host, int port) {
        try {
            resolver.execute(() -> lookUp(host, port));
        } catch (RejectedExecutionException busy) {
            handleFail(cannotResolve(host, NameResolver.WAITING + " lookups are waiting already", busy));
        }
    }

    /** On the resolver's thread: the lookup, then its result back to the catalyst; no catalyst state here (T2). */
    private void lookUp(String host, int port) {
        InetSocketAddress resolved = null;
        IOException failure = null;
        try {
            resolved = new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException | RuntimeException e) {
            failure = cannotResolve(host, null, e);
        }
        InetSocketAddress found = resolved;
        IOException lost = failure;
        try {
            reactor.execute(() -> handleResolved(found, lost));
        } catch (RejectedExecutionException closed) {
            // the catalyst has closed, and the socket with it: nobody waits for the answer
        }
    }

    private void handleResolved(InetSocketAddress resolved, IOException failure) {
        if (h_over) {
            return; // timed out, or closed, while the lookup ran
        }
        if (failure != null) {
            handleFail(failure);
        } else {
            handleConnect(resolved);
        }
    }

    private void handleConnect(SocketAddress remote) {
        try {
            if (channel.connect(remote)) {
                handleConnected();
            } else {
                h_interest.handleSetOps(SelectionKey.OP_CONNECT);
            }
        } catch (IOException | RuntimeException e) {
            handleFail(failed(e));
        }
    }

    /** The key reported {@code OP_CONNECT}: connected, refused, or (spuriously) not yet. */
    void handleConnectable() {
        if (h_over) {
            return;
        }
        try {
            if (channel.finishConnect()) {
                handleConnected();
            } else {
                h_interest.handleSetOps(SelectionKey.OP_CONNECT);
            }
        } catch (IOException | RuntimeException e) {
            handleFail(failed(e));
        }
    }

    private void handleTimedOut() {
        h_timer = -1;
        if (!h_over) {
            handleFail(new SocketTimeoutException("connect to " + target + " timed out after " + text(timeout)));
        }
    }

    private void handleConnected() {
        handleOver();
        registration.handleConnected();
        outcome.complete(null);
    }

    private void handleFail(IOException cause) {
        handleOver();
        registration.handleConnectFailed(cause);
        outcome.completeExceptionally(cause);
    }

    /** Both sides closed before the connect was over: it stops here, its socket closed with them. */
    void handleAbandon() {
        if (!h_over) {
            handleOver();
            outcome.completeExceptionally(new ConnectException("connect to " + target + " abandoned: the socket closed"));
        }
    }

    private void handleOver() {
        h_over = true;
        if (h_timer >= 0) {
            reactor.handleCancelTimer(h_timer);
            h_timer = -1;
        }
    }

    private IOException failed(Exception e) {
        String message = String.valueOf(e.getMessage());
        ConnectException failure = e instanceof ConnectException && message.toLowerCase(java.util.Locale.ROOT).contains("refused")
            ? new ConnectException("connect to " + target + " refused")
            : new ConnectException("connect to " + target + " failed: " + (e.getMessage() != null ? message : e.toString()));
        failure.initCause(e);
        return failure;
    }

    private static UnknownHostException cannotResolve(String host, String why, Exception cause) {
        UnknownHostException failure = new UnknownHostException("cannot resolve " + host + (why != null ? ": " + why : ""));
        failure.initCause(cause);
        return failure;
    }

    /** An address as failure messages name it: {@code host:port}, {@code [v6]:port}, or a socket file's path. */
    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return unix.getPath().toString();
        }
        return String.valueOf(address);
    }

    /** The timeout in nanoseconds, 0 for none. */
    private static long nanos(Duration timeout) {
        return timeout.compareTo(LONGEST) > 0 ? 0 : timeout.toNanos();
    }

    /** {@code 2 s}, {@code 1500 ms}: the timeout as it was set. */
    static String text(Duration duration) {
        if (duration.getNano() == 0) {
            return duration.getSeconds() + " s";
        }
        if (duration.getNano() % 1_000_000 == 0) {
            return duration.toMillis() + " ms";
        }
        return duration.toNanos() + " ns";
    }
}
