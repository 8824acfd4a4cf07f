package dev.pushback.jmh.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The JDK ({@code com.sun.net.httpserver}) peer of {@code echo-server} for
 * {@code jmh/http-bench.sh}: handlers run on an executor of one thread. A request with a body
 * gets 200 and its bytes streamed back (chunked if the request was chunked, else with its
 * Content-Length); a request without one gets {@code Hello, World!}. The copy is blocking, so a
 * client that does not read its response stops the upload once the socket buffers are full.
 * TCP_NODELAY is on ({@code -Dsun.net.httpserver.nodelay=false} turns it off).
 *
 * <p>{@code java -cp jmh/target/benchmarks.jar dev.pushback.jmh.http.JdkEchoServer [--host H]
 * [--port P]}; prints {@code listening on HOST:PORT}.
 */
public final class JdkEchoServer {
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private JdkEchoServer() {
    }

    public static void main(String[] args) throws IOException {
        String host = "127.0.0.1";
        int port = 8080;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        // TCP_NODELAY, as the other servers have: without it the separate writes of head and body
        // meet delayed ACKs and every keep-alive exchange waits ~40 ms
        System.setProperty("sun.net.httpserver.nodelay", System.getProperty("sun.net.httpserver.nodelay", "true"));
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        server.setExecutor(executor);
        server.createContext("/", JdkEchoServer::echo);
        server.start();
        System.out.println("listening on " + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            executor.shutdownNow();
        }));
    }

    private static void echo(HttpExchange exchange) throws IOException {
        String encoding = exchange.getRequestHeaders().getFirst("Transfer-Encoding");
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        boolean chunked = encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked");
        long size = !chunked && length != null ? Long.parseLong(length.trim()) : 0;
        try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
            if (chunked || size > 0) {
                exchange.sendResponseHeaders(200, chunked ? 0 : size);
                in.transferTo(out);
            } else {
                in.transferTo(OutputStream.nullOutputStream());
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                if ("HEAD".equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Content-Length", Integer.toString(HELLO.length));
                    exchange.sendResponseHeaders(200, -1);
                } else {
                    exchange.sendResponseHeaders(200, HELLO.length);
                    out.write(HELLO);
                }
            }
        }
    }
}
