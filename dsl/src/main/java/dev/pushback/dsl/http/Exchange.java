package dev.pushback.dsl.http;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import dev.pushback.catalyst.Catalyst;
import dev.pushback.catalyst.internal.Fiber;
import dev.pushback.catalyst.spi.Reactor;
import dev.pushback.compiler.internal.CompiledPlan;
import dev.pushback.dsl.Graph;

/**
 * The exchange a connection serves now — one at a time, in order: calls the handler, starts the
 * graph it built (if any), and tells the connection when the exchange is over and whether it
 * failed. One per connection, reused for every request.
 *
 * <p>A failure is reported once through the catalyst's error reporter ({@link Reactor#handleReport}),
 * with the request line: here when the handler throws or answers wrongly, or when the graph
 * fails without a fiber failing (a response shorter than its {@code Content-Length}); a
 * fiber that fails — a stage of the graph threw — is reported by the catalyst, so not here. A
 * response closed because the connection went away is no failure of the handler's, and is
 * not reported.
 */
final class Exchange {
    private final Catalyst catalyst;
    private final Reactor reactor;
    private final HttpConnection connection;
    private final ConnectionOutput output;
    private final HttpServer.Handler handler;
    private RequestHead h_head;
    private HttpRequest h_request;
    private ResponseSink h_response;
    private CompiledPlan h_plan;
    private Throwable h_failedAtStart;
    private Throwable h_abort; // what the connection closed the response with

    Exchange(Catalyst catalyst, HttpConnection connection, ConnectionOutput output, HttpServer.Handler handler) {
        this.catalyst = catalyst;
        this.reactor = Reactor.of(catalyst);
        this.connection = connection;
        this.output = output;
        this.handler = handler;
    }

    /**
     * Starts an exchange: calls the handler, then starts the exchange's graph; a response the
     * graph does not feed (a {@code send}, or no body) is framed at once, with no graph to run.
     *
     * @return true when the exchange is over already: answered, or failed ({@link #handleFailedAtStart()})
     * @throws IOException when the socket failed
     */
    boolean handleStart(RequestHead head) throws IOException {
        h_head = head;
        h_plan = null;
        h_failedAtStart = null;
        h_abort = null;
        output.handleActive();
        ResponseSink response = new ResponseSink(catalyst, output, head.method().equals("HEAD"),
            head.version() == HttpVersion.HTTP_1_0, head.keepAlive());
        HttpRequest request = new HttpRequest(head, catalyst, connection);
        h_response = response;
        h_request = request;
        try {
            handler.handle(request, response.facade());
        } catch (Throwable e) {
            return handleFail("HTTP handler failed on ", e);
        }
        Graph graph = request.usedGraph();
        CompletableFuture<Void> done;
        try {
            if (graph == null) {
                response.handleFrameWhole(); // send(), or no body: nothing to compile
                return true;
            }
            CompiledPlan plan = (CompiledPlan) graph.compile();
            if (!plan.endpoints().contains(response)) {
                response.handleFrameWhole(); // the graph does something else with the request (reads its body)
            } else if (response.sent()) {
                throw new IllegalStateException("the response has a body from send() and one from the graph");
            }
            h_plan = plan;
            done = graph.start();
        } catch (RuntimeException e) { // a response that does not add up, a graph that does not compile
            return handleFail("HTTP handler failed on ", e);
        }
        // At the end of the round that completes it: the next pipelined exchange starts in the
        // same round, and its response may share the write (see ConnectionOutput). The next
        // exchange starts only once this one is done, so the completion is always the current one's.
        done.whenComplete((ok, failure) -> {
            if (catalyst.inCatalyst()) {
                reactor.handleAtRoundEnd(() -> handleDone(failure));
            } else {
                catalyst.execute(() -> handleDone(failure));
            }
        });
        return false;
    }

    /** Why the exchange ended as it started, or null when it was answered. */
    Throwable handleFailedAtStart() {
        return h_failedAtStart;
    }

    private boolean handleFail(String what, Throwable failure) {
        reactor.handleReport(handleWhat(what), failure);
        h_response.handleClose(failure); // nothing is framed from it any more, whoever still feeds it
        h_failedAtStart = failure;
        return true;
    }

    private void handleDone(Throwable failure) {
        if (failure != null && failure != h_abort && !handleAFiberFailed()) {
            reactor.handleReport(handleWhat("HTTP exchange failed on "), failure);
        }
        connection.handleExchangeDone(failure);
    }

    /** What failed, for the report: {@code what} and the request line. */
    private String handleWhat(String what) {
        return h_head == null ? what + "a request" : what + h_head.method() + " " + h_head.target();
    }

    /** Whether a fiber of the graph failed: then the catalyst has reported it (DESIGN N11). */
    private boolean handleAFiberFailed() {
        if (h_plan != null) {
            for (Fiber fiber : h_plan.fibers()) {
                if (fiber.done().isCompletedExceptionally()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The response of the exchange now, or null between exchanges. */
    ResponseSink handleResponse() {
        return h_response;
    }

    /** The socket is readable: the body, if the handler took it, may be read. */
    void handleReadable() {
        BodySource body = h_request != null ? h_request.bodySource() : null;
        if (body != null) {
            body.handleReadable();
        }
    }

    /** The socket took what was framed: the response may take more. */
    void handleWritable() {
        if (h_response != null) {
            h_response.handleWritable();
        }
    }

    /** The connection goes away under the exchange ({@code cause}: the socket failed, the server shut down). */
    void handleAbort(Throwable cause) {
        if (h_response != null) {
            h_abort = cause;
            h_response.handleClose(cause);
        }
    }

    /** The exchange is over: nothing of it is kept. */
    void handleEnd() {
        h_head = null;
        h_request = null;
        h_response = null;
        h_plan = null;
        h_failedAtStart = null;
    }
}
