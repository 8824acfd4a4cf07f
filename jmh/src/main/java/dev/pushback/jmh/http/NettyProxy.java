package dev.pushback.jmh.http;

import java.net.InetSocketAddress;
import java.net.URI;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The Netty 4.2 peer of pushback's reverse proxy for {@code jmh/proxy-bench.sh} and
 * {@code jmh/proxy-memory.sh}: a TCP relay, not an HTTP proxy. Each accepted connection gets one
 * outbound connection to the upstream, and bytes are copied both ways as they are. Both channels
 * run with {@code AUTO_READ} off on one event-loop thread, and each side reads its next buffer only
 * once the previous one has been written to the other side, so at most one buffer per direction is
 * in flight: that is the whole of its backpressure, and it bounds its memory against a slow client.
 * Because it never parses HTTP, it does less than an HTTP proxy must (no header rewriting, no
 * connection pool, one upstream connection per client connection); it is the cheapest correct
 * relay Netty offers, so a lower bound on what an HTTP proxy on Netty would cost.
 *
 * <p>{@code java -cp jmh/target/benchmarks.jar dev.pushback.jmh.http.NettyProxy --upstream
 * http://127.0.0.1:8080 [--host H] [--port P]}; prints {@code listening on HOST:PORT}.
 */
public final class NettyProxy {
    private NettyProxy() {
    }

    public static void main(String[] args) throws InterruptedException {
        String host = "127.0.0.1";
        int port = 8080;
        InetSocketAddress upstream = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--upstream" -> {
                    URI uri = URI.create(args[++i]);
                    upstream = InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
                }
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (upstream == null) {
            throw new IllegalArgumentException("--upstream http://HOST:PORT is required");
        }
        InetSocketAddress target = new InetSocketAddress(upstream.getHostString(), upstream.getPort());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Channel server = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    channel.pipeline().addLast(new Inbound(target));
                }
            })
            .bind(host, port).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        System.out.println("listening on " + bound.getHostString() + ":" + bound.getPort());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully().syncUninterruptibly()));
        server.closeFuture().sync();
    }

    /** The client's side: opens the upstream connection, then relays what the client sends. */
    private static final class Inbound extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress target;
        private Channel outbound;

        Inbound(InetSocketAddress target) {
            this.target = target;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel inbound = ctx.channel();
            // the same event loop: both halves of a relay touch each other without hand-offs
            outbound = new Bootstrap()
                .group(inbound.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new Relay(inbound))
                .connect(target)
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        inbound.read();
                    } else {
                        inbound.close();
                    }
                })
                .channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel inbound = ctx.channel();
            // the next read only once this buffer is out: one buffer in flight per direction
            outbound.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    inbound.read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (outbound != null) {
                closeAfterFlush(outbound);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeAfterFlush(ctx.channel());
        }
    }

    /** The upstream's side: relays what the upstream sends back to the client. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel inbound;

        Relay(Channel inbound) {
            this.inbound = inbound;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel outbound = ctx.channel();
            inbound.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    outbound.read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterFlush(inbound);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeAfterFlush(ctx.channel());
        }
    }

    /** Closes once whatever is queued on the channel has been written. */
    private static void closeAfterFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
