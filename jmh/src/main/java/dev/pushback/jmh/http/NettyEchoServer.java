package dev.pushback.jmh.http;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.List;

import javax.net.ssl.SSLException;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * The Netty 4.2 peer of {@code echo-server} for {@code jmh/http-bench.sh} and
 * {@code jmh/slow-consumer.sh}: NIO transport, one event-loop thread (accepting and serving),
 * {@link HttpServerCodec}. A request with a body gets 200 and its bytes streamed back (chunked if
 * the request was chunked, else with its Content-Length); a request without one gets
 * {@code Hello, World!}. By default the body moves under backpressure: reading stops while the
 * channel is not writable. {@code --ignore-writability} writes whatever arrives, as a naive
 * handler would.
 *
 * <p>{@code --tls-cert F --tls-key K} (a PEM chain and its PKCS#8 PEM key) serves HTTPS the way
 * the HTTPS peer of {@code jmh/http-bench.sh} should: an {@code SslHandler} first in the pipeline,
 * from {@code SslContextBuilder.forServer} with the JDK's {@code SSLEngine}
 * ({@link SslProvider#JDK}, as pushback uses), TLS 1.3 only and {@code TLS_AES_128_GCM_SHA256}
 * only, pinned here because Netty sets its own suite list on the engine rather than the JDK's
 * defaults.
 *
 * <p>{@code java -cp jmh/target/benchmarks.jar dev.pushback.jmh.http.NettyEchoServer
 * [--host H] [--port P] [--ignore-writability] [--tls-cert F --tls-key K]}; prints
 * {@code listening on HOST:PORT}.
 */
public final class NettyEchoServer {
    private static final byte[] HELLO = "Hello, World!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private NettyEchoServer() {
    }

    /** The one suite and protocol every HTTPS server of the benchmarks is pinned to. */
    static final String TLS_PROTOCOL = "TLSv1.3";
    static final String TLS_SUITE = "TLS_AES_128_GCM_SHA256";

    public static void main(String[] args) throws InterruptedException, SSLException {
        String host = "127.0.0.1";
        int port = 8080;
        boolean ignoreWritability = false;
        String cert = null;
        String key = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--ignore-writability" -> ignoreWritability = true;
                case "--tls-cert" -> cert = args[++i];
                case "--tls-key" -> key = args[++i];
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        SslContext tls = cert == null ? null : serverContext(new File(cert), new File(key));
        boolean backpressure = !ignoreWritability;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Channel server = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    if (tls != null) {
                        channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                    }
                    channel.pipeline().addLast(new HttpServerCodec(), new HttpServerExpectContinueHandler(),
                        new Echo(backpressure));
                }
            })
            .bind(host, port).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        System.out.println("listening on " + bound.getHostString() + ":" + bound.getPort());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully().syncUninterruptibly()));
        server.closeFuture().sync();
    }

    /** A server context on the JDK's engine, TLS 1.3 and {@link #TLS_SUITE} only. */
    static SslContext serverContext(File cert, File key) throws SSLException {
        return SslContextBuilder.forServer(cert, key)
            .sslProvider(SslProvider.JDK)
            .protocols(TLS_PROTOCOL)
            .ciphers(List.of(TLS_SUITE))
            .build();
    }

    /** One per connection: echoes the body as it arrives, responses in request order. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        private final boolean backpressure;
        private HttpRequest request;
        private boolean echoing;
        private boolean head;

        Echo(boolean backpressure) {
            this.backpressure = backpressure;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest req) {
                if (req.decoderResult().isFailure()) {
                    io.netty.util.ReferenceCountUtil.release(msg);
                    ctx.close();
                    return;
                }
                request = req;
                head = HttpMethod.HEAD.equals(req.method());
                boolean chunked = HttpUtil.isTransferEncodingChunked(req);
                long length = HttpUtil.getContentLength(req, 0L);
                echoing = chunked || length > 0;
                if (echoing) {
                    HttpResponse res = new DefaultHttpResponse(req.protocolVersion(), HttpResponseStatus.OK);
                    if (chunked) {
                        HttpUtil.setTransferEncodingChunked(res, true);
                    } else {
                        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
                    }
                    keepAliveHeader(req, res);
                    ctx.write(res);
                }
            }
            if (msg instanceof HttpContent content) {
                if (echoing) {
                    ctx.write(content instanceof LastHttpContent ? content : new DefaultHttpContent(content.content()));
                    if (content instanceof LastHttpContent) {
                        finish(ctx);
                    }
                } else {
                    content.release();
                    if (content instanceof LastHttpContent) {
                        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(HELLO);
                        FullHttpResponse res = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK, body);
                        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                            .setInt(HttpHeaderNames.CONTENT_LENGTH, HELLO.length);
                        keepAliveHeader(request, res);
                        ctx.write(res);
                        finish(ctx);
                    }
                }
                if (backpressure && !ctx.channel().isWritable()) {
                    ctx.flush();
                    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
                }
            }
        }

        private static void keepAliveHeader(HttpRequest req, HttpResponse res) {
            if (HttpUtil.isKeepAlive(req) && !req.protocolVersion().isKeepAliveDefault()) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }

        private void finish(ChannelHandlerContext ctx) {
            echoing = false;
            if (!HttpUtil.isKeepAlive(request)) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (backpressure) {
                if (!ctx.channel().isWritable()) {
                    ctx.flush();
                }
                ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
