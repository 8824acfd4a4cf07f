package dev.pushback.catalyst;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How a socket connects out (DESIGN N17): the connect's deadline and the socket's options, set
 * before the connect starts.
 *
 * <pre>{@code
 * Connection server = graph.connect(InetSocketAddress.createUnresolved("example.com", 7),
 *     ConnectOptions.defaults().withConnectTimeout(Duration.ofSeconds(5)).withReceiveBufferSize(1 << 20));
 * }</pre>
 *
 * @param connectTimeout how long the connect may take, name resolution included, on the
 *     catalyst's clock; {@link Duration#ZERO} sets none of its own (the system's, about two
 *     minutes on Linux, still applies)
 * @param tcpNoDelay {@code TCP_NODELAY}: a byte sink gathers small writes itself (DESIGN N16), so
 *     Nagle's algorithm would only delay them; ignored for a Unix domain socket
 * @param sendBufferSize {@code SO_SNDBUF} in bytes, 0 for the system's default
 * @param receiveBufferSize {@code SO_RCVBUF} in bytes, 0 for the system's default; set before the
 *     connect, so it shapes the TCP window the connection starts with
 * @param localAddress the address to bind before connecting, or null for any
 */
public record ConnectOptions(Duration connectTimeout, boolean tcpNoDelay, int sendBufferSize, int receiveBufferSize,
                             SocketAddress localAddress) {
    public ConnectOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative()) {
            throw new IllegalArgumentException("connectTimeout must not be negative: " + connectTimeout);
        }
        if (sendBufferSize < 0 || receiveBufferSize < 0) {
            throw new IllegalArgumentException("buffer sizes must not be negative: " + sendBufferSize + ", " + receiveBufferSize);
        }
    }

    /** A 30 s connect timeout, {@code TCP_NODELAY}, the system's buffer sizes, any local address. */
    public static ConnectOptions defaults() {
        return new ConnectOptions(Duration.ofSeconds(30), true, 0, 0, null);
    }

    public ConnectOptions withConnectTimeout(Duration connectTimeout) {
        return new ConnectOptions(connectTimeout, tcpNoDelay, sendBufferSize, receiveBufferSize, localAddress);
    }

    public ConnectOptions withTcpNoDelay(boolean tcpNoDelay) {
        return new ConnectOptions(connectTimeout, tcpNoDelay, sendBufferSize, receiveBufferSize, localAddress);
    }

    public ConnectOptions withSendBufferSize(int sendBufferSize) {
        return new ConnectOptions(connectTimeout, tcpNoDelay, sendBufferSize, receiveBufferSize, localAddress);
    }

    public ConnectOptions withReceiveBufferSize(int receiveBufferSize) {
        return new ConnectOptions(connectTimeout, tcpNoDelay, sendBufferSize, receiveBufferSize, localAddress);
    }

    public ConnectOptions withLocalAddress(SocketAddress localAddress) {
        return new ConnectOptions(connectTimeout, tcpNoDelay, sendBufferSize, receiveBufferSize, localAddress);
    }
}
