package dev.pushback.jmh.tls;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

/**
 * The Netty 4.2 peer of {@code nc --tls} and {@code nc -l --tls-cert F --tls-key K} for
 * {@code jmh/tls-bulk.sh}: one TLS connection (the JDK's {@code SSLEngine}, TLS 1.3,
 * {@code TLS_AES_128_GCM_SHA256}, as {@code jmh/http-bench.sh} pins every server), one NIO event
 * loop, either side sending a count of zero bytes or receiving and discarding until the peer
 * closes. The sender writes 64 KiB slices of one buffer while the channel is writable (so it
 * moves under Netty's backpressure, as nc moves under pushback's), and once the last one is
 * written to the socket sends close_notify ({@code SslHandler.closeOutbound}) and waits for the
 * peer to close, as nc does at the end of its input. The receiver prints
 * {@code received N bytes in T ms} on stderr when the connection has ended, T from the TCP
 * connection (so the handshake is in it) to its end. Either way the process exits
 * after its one connection.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.pushback.jmh.tls.NettyTlsBulk --listen 127.0.0.1 0 \
 *     --tls-cert cert.pem --tls-key key.pem --receive          # prints "listening on HOST:PORT"
 * java -cp jmh/target/benchmarks.jar dev.pushback.jmh.tls.NettyTlsBulk --connect 127.0.0.1 PORT \
 *     --cafile cert.pem --send 1073741824
 * </pre>
 */
public final class NettyTlsBulk {
    private static final String PROTOCOL = "TLSv1.3";
    private static final String SUITE = "TLS_AES_128_GCM_SHA256";
    private static final int CHUNK = 64 * 1024;

    private NettyTlsBulk() {
    }

    public static void main(String[] args) throws Exception {
        boolean listen = false;
        String host = null;
        int port = -1;
        String cert = null;
        String key = null;
        String cafile = null;
        long send = -1;
        boolean receive = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--listen", "--connect" -> {
                    listen = args[i].equals("--listen");
                    host = args[++i];
                    port = Integer.parseInt(args[++i]);
                }
                case "--tls-cert" -> cert = args[++i];
                case "--tls-key" -> key = args[++i];
                case "--cafile" -> cafile = args[++i];
                case "--send" -> send = Long.parseLong(args[++i]);
                case "--receive" -> receive = true;
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (host == null || (send >= 0) == receive || (listen ? cert == null || key == null : cafile == null)) {
            throw new IllegalArgumentException("usage: (--listen HOST PORT --tls-cert F --tls-key K"
                + " | --connect HOST PORT --cafile F) (--send BYTES | --receive)");
        }
        SslContext tls = listen
            ? SslContextBuilder.forServer(new File(cert), new File(key))
                .sslProvider(SslProvider.JDK).protocols(PROTOCOL).ciphers(List.of(SUITE)).build()
            : SslContextBuilder.forClient().trustManager(new File(cafile))
                .sslProvider(SslProvider.JDK).protocols(PROTOCOL).ciphers(List.of(SUITE))
                .endpointIdentificationAlgorithm("HTTPS").build();
        long bytes = send;
        boolean server = listen;
        String peerHost = host;
        int peerPort = port;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<Channel> accepted = new CompletableFuture<>();
            ChannelInitializer<SocketChannel> init = new ChannelInitializer<>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    if (server) {
                        channel.parent().close(); // one connection, as nc -l takes
                    }
                    channel.pipeline().addLast(server ? tls.newHandler(channel.alloc())
                        : tls.newHandler(channel.alloc(), peerHost, peerPort));
                    channel.pipeline().addLast(bytes >= 0 ? new Sender(bytes) : new Receiver());
                    accepted.complete(channel);
                }
            };
            Channel connection;
            if (listen) {
                Channel acceptor = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(init).bind(host, port).sync().channel();
                InetSocketAddress bound = (InetSocketAddress) acceptor.localAddress();
                System.out.println("listening on " + bound.getHostString() + ":" + bound.getPort());
                System.out.flush();
                connection = accepted.get();
            } else {
                connection = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(init)
                    .connect(host, port).sync().channel();
            }
            connection.closeFuture().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Writes {@code remaining} zero bytes while the channel is writable, then sends close_notify. */
    private static final class Sender extends ChannelInboundHandlerAdapter {
        private final ByteBuf chunk = Unpooled.unreleasableBuffer(Unpooled.buffer(CHUNK).writeZero(CHUNK));
        private long remaining;
        private boolean closing;

        Sender(long bytes) {
            remaining = bytes;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            pump(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump(ctx);
            ctx.fireChannelWritabilityChanged();
        }

        private void pump(ChannelHandlerContext ctx) {
            ChannelFuture last = null;
            while (remaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK, remaining);
                last = ctx.write(chunk.retainedSlice(0, n));
                remaining -= n;
            }
            ctx.flush();
            if (remaining == 0 && !closing && last != null) {
                closing = true;
                // Once the last record is in the socket (a close before would drop what still waits
                // in the outbound buffer): close_notify only, then the peer's own close_notify and
                // close end the connection. Closing the socket here instead would reset it if the
                // peer's records (its session ticket) were still unread, and the peer would lose
                // what it had not read yet.
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                last.addListener(done -> ssl.closeOutbound());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("send: " + cause);
            ctx.close();
        }
    }

    /** Counts and drops what arrives; closes when the peer's close_notify or end of stream does. */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        private long received;
        private long start;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            start = System.nanoTime();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof SslCloseCompletionEvent) {
                ctx.close();
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            System.err.printf("received %d bytes in %.1f ms%n", received, (System.nanoTime() - start) / 1e6);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("receive: " + cause);
            ctx.close();
        }
    }
}
