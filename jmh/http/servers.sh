# Sourced by jmh/http-bench.sh and jmh/slow-consumer.sh: how each echo server is started.
# Needs PUSHBACK_ECHO_CMD, JAVA, JAVA_OPTS, JMH_JAR, NODE and ROOT; the caller appends
# "--host 127.0.0.1 --port 0". The HTTPS servers (names ending in -tls) also need TLS_CERT and
# TLS_KEY (PEM; the key PKCS#8), TLS_JAVA_OPTS and DIR (nginx's temp files go there).
command_of() {
    case "$1" in
        ours) echo "$PUSHBACK_ECHO_CMD" ;;
        ours-tls) echo "$JAVA $JAVA_OPTS $TLS_JAVA_OPTS -jar $EXAMPLES_JAR echo-server --workers 1 --tls-cert $TLS_CERT --tls-key $TLS_KEY" ;;
        netty-tls) echo "$JAVA $JAVA_OPTS $TLS_JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.NettyEchoServer --tls-cert $TLS_CERT --tls-key $TLS_KEY" ;;
        nginx-tls) echo "env TMPDIR=$DIR $ROOT/jmh/http/nginx-echo.sh --tls-cert $TLS_CERT --tls-key $TLS_KEY" ;;
        netty) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.NettyEchoServer" ;;
        netty-naive) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.NettyEchoServer --ignore-writability" ;;
        jdk) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.JdkEchoServer" ;;
        node) echo "$NODE $ROOT/jmh/http/node-echo.js" ;;
        *) echo "unknown server '$1'" >&2; exit 2 ;;
    esac
}
