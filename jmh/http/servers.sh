# Sourced by jmh/http-bench.sh and jmh/slow-consumer.sh: how each echo server is started.
# Needs PUSHBACK_ECHO_CMD, JAVA, JAVA_OPTS, JMH_JAR, NODE and ROOT; the caller appends
# "--host 127.0.0.1 --port 0".
command_of() {
    case "$1" in
        ours) echo "$PUSHBACK_ECHO_CMD" ;;
        netty) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.NettyEchoServer" ;;
        netty-naive) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.NettyEchoServer --ignore-writability" ;;
        jdk) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.JdkEchoServer" ;;
        node) echo "$NODE $ROOT/jmh/http/node-echo.js" ;;
        *) echo "unknown server '$1'" >&2; exit 2 ;;
    esac
}
