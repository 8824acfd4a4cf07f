#!/usr/bin/env bash
# Bulk TLS (issue 10 §2): BYTES (1 GiB) through one TLS connection, each way, pushback against
# Netty 4.2 on the JDK's SSLEngine, both TLS 1.3 with TLS_AES_128_GCM_SHA256 only (TLS_JAVA_OPTS).
#
#   ours   dev.pushback.jmh.tls.PushbackTlsBulk: graph.connect(..., TlsClientConfig) and
#          Listener.open(..., TlsServerConfig, ...), zero bytes made in memory, received ones
#          counted and dropped
#   netty  dev.pushback.jmh.tls.NettyTlsBulk: SslHandler (SslProvider.JDK), one NIO event loop,
#          the same in-memory source and sink
#   nc     the launcher: head -c BYTES /dev/zero | nc --tls --cafile F 127.0.0.1 PORT, against
#          nc -l --tls-cert F --tls-key K 127.0.0.1 0 > /dev/null (or the other way round): what a
#          user of the launcher gets, pipes and all
#
# Directions: upload (the client sends, the listening side receives), download (the listening side
# sends). The listening side is started first and waited for ("listening on HOST:PORT"); then the
# clock runs from the start of the client process to the end of both processes, so one JVM start
# (the client's) and the handshake are in every figure, for every implementation alike. The
# receiving side of ours and netty also prints its own time, from the connection to its end
# ("conn"): that one leaves the JVM start out. The sender runs on CPU SENDER_CPU (0), the receiver
# on RECEIVER_CPU (1). Each round runs every implementation once per direction, in an order that
# rotates from round to round; the tables give medians. Before the rounds one untimed run per
# implementation and direction moves CHECK_BYTES (64 MiB) and checks that every byte arrived (for
# nc through wc -c). Each JVM runs under GNU time (/usr/bin/time): the tables also give the CPU
# seconds (user + system) of the sending and of the receiving JVM, which a busy machine disturbs
# less than the elapsed time.
#
# Environment: BYTES=1073741824  ROUNDS=3  DIRECTIONS="upload download"  IMPLS="ours netty nc"
#   SENDER_CPU=0  RECEIVER_CPU=1  CHECK_BYTES=67108864  JAVA=java  JAVA_OPTS=""
#   TLS_JAVA_OPTS="-Djdk.tls.server.cipherSuites=TLS_AES_128_GCM_SHA256 -Djdk.tls.client.cipherSuites=TLS_AES_128_GCM_SHA256
#                  -Djdk.tls.server.protocols=TLSv1.3 -Djdk.tls.client.protocols=TLSv1.3"
#
# Build first (builds nothing itself):  mvn -B -ntp -q -DskipTests package
# Example:  jmh/tls-bulk.sh ;  ROUNDS=5 IMPLS="ours netty" jmh/tls-bulk.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BYTES=${BYTES:-1073741824}
ROUNDS=${ROUNDS:-3}
DIRECTIONS=${DIRECTIONS:-"upload download"}
IMPLS=${IMPLS:-"ours netty nc"}
SENDER_CPU=${SENDER_CPU:-0}
RECEIVER_CPU=${RECEIVER_CPU:-1}
CHECK_BYTES=${CHECK_BYTES:-67108864}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}
TLS_JAVA_OPTS=${TLS_JAVA_OPTS:-"-Djdk.tls.server.cipherSuites=TLS_AES_128_GCM_SHA256 -Djdk.tls.client.cipherSuites=TLS_AES_128_GCM_SHA256 -Djdk.tls.server.protocols=TLSv1.3 -Djdk.tls.client.protocols=TLSv1.3"}
JMH_JAR="$ROOT/jmh/target/benchmarks.jar"
TIME="/usr/bin/time -f %U,%S" # each JVM's CPU time, user and system seconds
EXAMPLES_JAR="$ROOT/examples/target/pushback-examples.jar"

for jar in "$JMH_JAR" "$EXAMPLES_JAR"; do
    if [[ ! -f "$jar" ]]; then
        echo "missing $jar: build first with  mvn -B -ntp -q -DskipTests package" >&2
        exit 2
    fi
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/tls-bulk.XXXXXX")
SERVER_PID=
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2> /dev/null || true; wait "$SERVER_PID" 2> /dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

CERT="$DIR/cert.pem"
KEY="$DIR/key.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$KEY" -out "$CERT" 2> "$DIR/openssl.log" \
    || { cat "$DIR/openssl.log" >&2; exit 1; }

# zeros N: N zero bytes on stdout
zeros() { head -c "$1" /dev/zero; }

# server IMPL DIRECTION BYTES: starts the listening side in the background, sets SERVER_PID and PORT
server() {
    local cpu=$RECEIVER_CPU role=(--receive) log="$DIR/server.log"
    if [[ "$2" == download ]]; then cpu=$SENDER_CPU role=(--send "$3"); fi
    : > "$log"
    case "$1" in
        ours | netty)
            local class=dev.pushback.jmh.tls.PushbackTlsBulk
            [[ "$1" == ours ]] || class=dev.pushback.jmh.tls.NettyTlsBulk
            # shellcheck disable=SC2086
            taskset -c "$cpu" $TIME -o "$DIR/server.time" $JAVA $JAVA_OPTS $TLS_JAVA_OPTS -cp "$JMH_JAR" "$class" --listen 127.0.0.1 0 \
                --tls-cert "$CERT" --tls-key "$KEY" "${role[@]}" > "$log" 2>&1 &
            ;;
        nc)
            if [[ "$2" == download ]]; then
                # shellcheck disable=SC2086
                zeros "$3" | taskset -c "$cpu" $TIME -o "$DIR/server.time" $JAVA $JAVA_OPTS $TLS_JAVA_OPTS -jar "$EXAMPLES_JAR" nc -l -v \
                    --tls-cert "$CERT" --tls-key "$KEY" 127.0.0.1 0 > /dev/null 2> "$log" &
            else
                # shellcheck disable=SC2086
                taskset -c "$cpu" $TIME -o "$DIR/server.time" $JAVA $JAVA_OPTS $TLS_JAVA_OPTS -jar "$EXAMPLES_JAR" nc -l -v \
                    --tls-cert "$CERT" --tls-key "$KEY" 127.0.0.1 0 < /dev/null > "$DIR/server.out" 2> "$log" &
            fi
            ;;
        *) echo "unknown implementation '$1'" >&2; exit 2 ;;
    esac
    SERVER_PID=$!
    PORT=
    for _ in $(seq 600); do
        PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log")
        [[ -n "$PORT" ]] && return 0
        kill -0 "$SERVER_PID" 2> /dev/null || break
        sleep 0.05
    done
    echo "$1 did not listen:" >&2
    cat "$log" >&2
    exit 1
}

# client IMPL DIRECTION BYTES: runs the connecting side in the foreground
client() {
    local cpu=$SENDER_CPU role=(--send "$3") log="$DIR/client.log"
    if [[ "$2" == download ]]; then cpu=$RECEIVER_CPU role=(--receive); fi
    case "$1" in
        ours | netty)
            local class=dev.pushback.jmh.tls.PushbackTlsBulk
            [[ "$1" == ours ]] || class=dev.pushback.jmh.tls.NettyTlsBulk
            # shellcheck disable=SC2086
            taskset -c "$cpu" $TIME -o "$DIR/client.time" $JAVA $JAVA_OPTS $TLS_JAVA_OPTS -cp "$JMH_JAR" "$class" --connect 127.0.0.1 "$PORT" \
                --cafile "$CERT" "${role[@]}" > /dev/null 2> "$log"
            ;;
        nc)
            if [[ "$2" == upload ]]; then
                # shellcheck disable=SC2086
                zeros "$3" | taskset -c "$cpu" $TIME -o "$DIR/client.time" $JAVA $JAVA_OPTS $TLS_JAVA_OPTS -jar "$EXAMPLES_JAR" nc --tls \
                    --cafile "$CERT" 127.0.0.1 "$PORT" > /dev/null 2> "$log"
            else
                # shellcheck disable=SC2086
                taskset -c "$cpu" $TIME -o "$DIR/client.time" $JAVA $JAVA_OPTS $TLS_JAVA_OPTS -jar "$EXAMPLES_JAR" nc --tls \
                    --cafile "$CERT" 127.0.0.1 "$PORT" < /dev/null > "$DIR/client.out" 2> "$log"
            fi
            ;;
    esac
}

# cpu FILE: the user + system seconds GNU time wrote there
cpu() { awk -F, 'END { printf "%.2f", $1 + $2 }' "$1"; }

# one IMPL DIRECTION BYTES: prints "whole_seconds conn_ms received sender_cpu_s receiver_cpu_s"
# (conn_ms and received -1 for nc)
one() {
    local t0 t1 status=0 receiver_log conn received
    server "$1" "$2" "$3"
    t0=$(date +%s%N)
    client "$1" "$2" "$3" || status=$?
    wait "$SERVER_PID" || status=$?
    t1=$(date +%s%N)
    SERVER_PID=
    if ((status != 0)); then
        echo "$1 $2 failed (status $status):" >&2
        cat "$DIR/server.log" "$DIR/client.log" >&2
        exit 1
    fi
    receiver_log="$DIR/server.log"
    [[ "$2" == upload ]] || receiver_log="$DIR/client.log"
    conn=$(sed -n 's/^received [0-9]* bytes in \([0-9.]*\) ms$/\1/p' "$receiver_log")
    received=$(sed -n 's/^received \([0-9]*\) bytes in.*/\1/p' "$receiver_log")
    local sender="$DIR/client.time" recv="$DIR/server.time"
    [[ "$2" == upload ]] || { sender="$DIR/server.time"; recv="$DIR/client.time"; }
    echo "$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }') ${conn:--1} ${received:--1} $(cpu "$sender") $(cpu "$recv")"
}

echo "tls-bulk: $BYTES bytes per run, $ROUNDS rounds, sender on CPU $SENDER_CPU, receiver on CPU $RECEIVER_CPU," \
    "$(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1); TLS_JAVA_OPTS=$TLS_JAVA_OPTS"
read -r -a impls <<< "$IMPLS"
read -r -a directions <<< "$DIRECTIONS"

echo "check: $CHECK_BYTES bytes per implementation and direction, every byte counted"
for impl in "${impls[@]}"; do
    for d in "${directions[@]}"; do
        if [[ "$impl" == nc ]]; then
            # the same commands as client() and server(), the receiving side's output counted
            server nc "$d" "$CHECK_BYTES"
            if [[ "$d" == upload ]]; then
                zeros "$CHECK_BYTES" | $JAVA $JAVA_OPTS $TLS_JAVA_OPTS -jar "$EXAMPLES_JAR" nc --tls --cafile "$CERT" 127.0.0.1 "$PORT" > /dev/null
                wait "$SERVER_PID"; SERVER_PID=
                got=$(wc -c < "$DIR/server.out")
            else
                got=$($JAVA $JAVA_OPTS $TLS_JAVA_OPTS -jar "$EXAMPLES_JAR" nc --tls --cafile "$CERT" 127.0.0.1 "$PORT" < /dev/null | wc -c)
                wait "$SERVER_PID"; SERVER_PID=
            fi
        else
            read -r _ _ got _ < <(one "$impl" "$d" "$CHECK_BYTES")
        fi
        if [[ "$got" != "$CHECK_BYTES" ]]; then
            echo "$impl $d: received $got bytes, not $CHECK_BYTES" >&2
            exit 1
        fi
        printf '  %-6s %-8s %s bytes received\n' "$impl" "$d" "$got"
    done
done
: > "$DIR/server.out"

RESULTS="$DIR/results"
: > "$RESULTS"
printf '%-5s %-8s %-6s %9s %9s %9s %9s %8s %8s %6s\n' round dir impl "whole s" "MB/s" "conn ms" "MB/s" "send cpu" "recv cpu" load1
for ((round = 1; round <= ROUNDS; round++)); do
    for d in "${directions[@]}"; do
        count=${#impls[@]}
        for ((i = 0; i < count; i++)); do
            impl=${impls[$(((i + round - 1) % count))]}
            read -r whole conn received scpu rcpu < <(one "$impl" "$d" "$BYTES") || exit 1
            if [[ "$impl" != nc && "$received" != "$BYTES" ]]; then
                echo "$impl $d: received $received bytes, not $BYTES" >&2
                exit 1
            fi
            echo "$d $impl $whole $conn $scpu $rcpu" >> "$RESULTS"
            awk -v r="$round" -v d="$d" -v m="$impl" -v w="$whole" -v c="$conn" -v b="$BYTES" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
                -v sc="$scpu" -v rc="$rcpu" \
                'BEGIN { printf "%-5s %-8s %-6s %9.2f %9.0f %9s %9s %8s %8s %6s\n", r, d, m, w, b / 1e6 / w,
                    (c < 0 ? "-" : sprintf("%.0f", c)), (c < 0 ? "-" : sprintf("%.0f", b / 1e3 / c)), sc, rc, l }'
        done
    done
done

echo
echo "medians over $ROUNDS rounds; MB/s = 10^6 bytes/s; speed ratios X ÷ netty (above 1: faster than Netty);" \
    "CPU: seconds of user + system time of the sending and the receiving JVM, ratio X ÷ netty (below 1: cheaper)"
awk -v directions="$DIRECTIONS" -v impls="$IMPLS" -v bytes="$BYTES" '
    { k = $1 SUBSEP $2; n[k]++; w[k, n[k]] = $3; c[k, n[k]] = $4; sc[k, n[k]] = $5; rc[k, n[k]] = $6 }
    function median(a, k,   m, i, j, v, b) {
        m = n[k]
        for (i = 1; i <= m; i++) b[i] = a[k, i]
        for (i = 2; i <= m; i++) { v = b[i]; for (j = i - 1; j >= 1 && b[j] > v; j--) b[j + 1] = b[j]; b[j + 1] = v }
        return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2
    }
    END {
        nd = split(directions, dv, " "); ni = split(impls, iv, " ")
        printf "| %-8s | %-6s | %9s | %10s | %8s | %9s | %9s | %8s | %8s | %8s | %8s | %8s |\n", "dir", "impl", "whole s", "whole MB/s", "÷ netty", "conn ms", "conn MB/s", "÷ netty", "send CPU", "÷ netty", "recv CPU", "÷ netty"
        printf "| %-8s | %-6s | %9s | %10s | %8s | %9s | %9s | %8s | %8s | %8s | %8s | %8s |\n", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---"
        for (i = 1; i <= nd; i++) {
            for (j = 1; j <= ni; j++) {
                k = dv[i] SUBSEP iv[j]; if (!(k in n)) continue
                mw[k] = median(w, k); mc[k] = median(c, k); ms[k] = median(sc, k); mr[k] = median(rc, k)
            }
            nk = dv[i] SUBSEP "netty"
            for (j = 1; j <= ni; j++) {
                k = dv[i] SUBSEP iv[j]; if (!(k in n)) continue
                rw = "—"; rcn = "—"; cs = "—"; cm = "—"; rs = "—"; rr = "—"
                if (iv[j] != "netty" && (nk in mw)) {
                    rw = sprintf("%.2f", mw[nk] / mw[k])
                    if (mc[k] > 0 && mc[nk] > 0) rcn = sprintf("%.2f", mc[nk] / mc[k])
                    if (ms[nk] > 0) rs = sprintf("%.2f", ms[k] / ms[nk])
                    if (mr[nk] > 0) rr = sprintf("%.2f", mr[k] / mr[nk])
                }
                if (mc[k] > 0) { cs = sprintf("%.0f", mc[k]); cm = sprintf("%.0f", bytes / 1e3 / mc[k]) }
                printf "| %-8s | %-6s | %9.2f | %10.0f | %8s | %9s | %9s | %8s | %8.2f | %8s | %8.2f | %8s |\n", dv[i], iv[j], mw[k], bytes / 1e6 / mw[k], rw, cs, cm, rcn, ms[k], rs, mr[k], rr
            }
        }
    }' "$RESULTS"
