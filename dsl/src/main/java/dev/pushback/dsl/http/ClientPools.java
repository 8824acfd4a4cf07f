package dev.pushback.dsl.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.spi.Reactor;

/**
 * An {@link HttpClient}'s connections on one catalyst, a pool per origin (DESIGN section 4,
 * client session). A pool holds at most {@code maxConnectionsPerOrigin} connections, idle or
 * busy; an exchange takes an idle one (the most recently used: the least likely to have been
 * closed by the server), or opens one while there is room, or waits. The waiting exchanges are
 * the ones whose graphs have started — a request beyond the limit is a graph that does not move
 * yet, not a buffer — and a connection that comes free goes to the one that has waited longest.
 * Catalyst thread only, but for {@link #catalyst()}.
 */
final class ClientPools {
    private final Catalyst catalyst;
    private final Reactor reactor;
    private final HttpClient.Options options;
    private final Map<Origin, Pool> h_pools = new HashMap<>();
    private boolean h_closed;

    ClientPools(Catalyst catalyst, HttpClient.Options options) {
        this.catalyst = catalyst;
        this.reactor = Reactor.of(catalyst);
        this.options = options;
        reactor.execute(() -> reactor.handleAtClose(this::handleCloseAll));
    }

    Catalyst catalyst() {
        return catalyst;
    }

    /** One origin's connections and the exchanges that wait for one. */
    final class Pool {
        final Origin origin;
        private final ArrayDeque<ClientConnection> h_idle = new ArrayDeque<>();
        private final ArrayDeque<ClientExchange> h_waiting = new ArrayDeque<>();
        private final List<ClientConnection> h_open = new ArrayList<>();

        Pool(Origin origin) {
            this.origin = origin;
        }

        void handleAcquire(ClientExchange exchange) {
            ClientConnection connection = h_idle.pollLast();
            if (connection != null) {
                connection.handleBegin(exchange);
            } else if (h_open.size() < options.maxConnectionsPerOrigin() && !h_closed) {
                handleOpenFor(exchange);
            } else if (h_closed) {
                exchange.handleFail(exchange.handleFailure("the HTTP client is closed", null, false));
            } else {
                h_waiting.addLast(exchange);
            }
        }

        private void handleOpenFor(ClientExchange exchange) {
            ClientConnection connection = new ClientConnection(catalyst, this, options);
            h_open.add(connection); // first: a connect that fails at once leaves the pool in handleClosed
            try {
                connection.handleConnect(exchange);
            } catch (java.io.IOException | RuntimeException e) { // no socket for it: out of descriptors, a bad local address
                h_open.remove(connection);
                exchange.handleFail(exchange.handleFailure("cannot connect to " + origin + ": " + e.getMessage(), e, false));
            }
        }

        /** {@code connection} finished an exchange and can serve another. */
        void handleIdle(ClientConnection connection) {
            ClientExchange next = h_waiting.pollFirst();
            if (next != null) {
                connection.handleBegin(next);
            } else if (h_closed) {
                connection.handleClose();
            } else {
                h_idle.addLast(connection);
            }
        }

        /** {@code connection} closed: its place goes to the exchange that waited longest, on a new connection. */
        void handleClosed(ClientConnection connection) {
            h_open.remove(connection);
            h_idle.remove(connection);
            ClientExchange next = h_waiting.pollFirst();
            if (next != null) {
                handleOpenFor(next);
            }
            if (h_open.isEmpty() && h_waiting.isEmpty()) {
                h_pools.remove(origin, this);
            }
        }

        void handleWithdraw(ClientExchange exchange) {
            h_waiting.remove(exchange);
        }

        /** Connections open now, idle or busy. */
        int handleOpenCount() {
            return h_open.size();
        }
    }

    void handleAcquire(ClientExchange exchange) {
        h_pools.computeIfAbsent(exchange.origin(), Pool::new).handleAcquire(exchange);
    }

    void handleWithdraw(ClientExchange exchange) {
        Pool pool = h_pools.get(exchange.origin());
        if (pool != null) {
            pool.handleWithdraw(exchange);
        }
    }

    /** The pool of {@code origin}, or null when it holds no connection. */
    Pool handlePool(Origin origin) {
        return h_pools.get(origin);
    }

    /** The catalyst closes: so do the sockets, and every connection with them. */
    private void handleCloseAll() {
        h_closed = true;
        for (Pool pool : List.copyOf(h_pools.values())) {
            for (ClientConnection connection : List.copyOf(pool.h_open)) {
                connection.handleClose();
            }
        }
    }

    /** The client closes: idle connections close now, busy ones after their exchange. */
    void handleClose() {
        h_closed = true;
        for (Pool pool : List.copyOf(h_pools.values())) {
            for (ClientConnection connection : List.copyOf(pool.h_idle)) {
                connection.handleClose();
            }
        }
    }
}
