#!/usr/bin/env bash
# HTTP echo servers side by side under wrk (issue 3 §6): pushback's echo-server (one worker)
# against its peers in jmh — Netty 4.2 (NIO, HttpServerCodec, one event loop), the JDK's
# com.sun.net.httpserver (an executor of one thread) and node.js (http.createServer) — with the
# same echo semantics (see jmh/src/main/java/dev/pushback/jmh/http and jmh/http/node-echo.js).
#
# Every server is started once, on 127.0.0.1 port 0, and warmed up with one discarded wrk run per
# scenario. Then, for each round and each scenario, wrk runs against ours and each peer back to
# back (the order rotates from round to round):
#
#     wrk -t1 -c64 -d${DURATION}s --latency -s jmh/http/echo.lua http://127.0.0.1:PORT/
#
# Scenarios: get (GET, "Hello, World!"), get-p16 (16 GETs pipelined per write), post4k (a 4 KiB
# POST echoed back), post4k-p16 (16 of them pipelined), get-close (GET with "Connection: close":
# one connection per request, so over https one full TLS handshake per request). The script prints
# every run (with the server's CPU time per request, utime + stime of its process over the run, and
# how long its threads waited for a CPU in that run, from /proc/PID/task/*/schedstat),
# then per scenario and server the median req/s, p99 latency and CPU per request, and ours ÷ peer:
# req/s ratio (above 1: ours is faster) and p99 ratio (below 1: ours has the lower tail). With
# pipelining wrk records one latency per batch of 16 (from the write to the 16th response).
#
# HTTPS (issue 10): the servers ours-tls (echo-server --tls-cert/--tls-key), netty-tls
# (NettyEchoServer --tls-cert/--tls-key: SslHandler on the JDK's SSLEngine) and nginx-tls
# (jmh/http/nginx-echo.sh: nginx and its echo module, OpenSSL) speak https, with a self-signed
# P-256 certificate the script makes with openssl; wrk then speaks https to them. Every one is
# pinned to TLS 1.3 and TLS_AES_128_GCM_SHA256 and refuses session resumption (the JDK servers by
# TLS_JAVA_OPTS, nginx in its config), so get-close measures full handshakes. ours-tls is the
# baseline of the ratios when "ours" is not among the servers. For example:
#     SERVERS="ours-tls netty-tls nginx-tls" SCENARIOS="get post4k get-close" \
#         SERVER_CPU=0 WRK_CPU=1 jmh/http-bench.sh
#
# Environment:
#   DURATION=5    seconds per measured run;  WARMUP=3  seconds of the discarded warm-up run
#   ROUNDS=3      rounds;  CONNECTIONS=64;  SCENARIOS="get get-p16 post4k post4k-p16"
#   SERVERS="ours netty jdk node"   which servers ("ours" or "ours-tls" must be there for ratios);
#                 also netty-naive, ours-tls, netty-tls, nginx-tls
#   SERVER_CPU=, WRK_CPU=           pin the servers and wrk to these CPUs (taskset -c); unpinned if empty
#   TLS_JAVA_OPTS="-Djdk.tls.server.cipherSuites=TLS_AES_128_GCM_SHA256 -Djdk.tls.server.protocols=TLSv1.3
#                  -Djdk.tls.server.enableSessionTicketExtension=false -Djdk.tls.server.disableExtensions=pre_shared_key"
#                 the JVM options of the JDK HTTPS servers (the default: that one suite, TLS 1.3, no
#                 stateless tickets and no pre_shared_key extension, so no resumption at all)
#   PUSHBACK_ECHO_CMD="cmd ..."     how ours is started; "--host 127.0.0.1 --port 0" is appended.
#                 Default: java $JAVA_OPTS -jar examples/target/pushback-examples.jar echo-server --workers 1
#   JAVA=java, JAVA_OPTS=""         the JVM and its options for the Java servers;  NODE=node
#   WRK=wrk;  HTTP_BENCH_LOG=file   keep every wrk output there (and the servers' in file.servers);  NGINX=nginx
#
# Build first (builds nothing itself):  mvn -B -ntp -q -DskipTests package
#   (examples/target/pushback-examples.jar and jmh/target/benchmarks.jar)
# Example:  jmh/http-bench.sh ;  DURATION=10 ROUNDS=5 SERVERS="ours netty" jmh/http-bench.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SCENARIOS=${SCENARIOS:-"get get-p16 post4k post4k-p16"}
SERVERS=${SERVERS:-"ours netty jdk node"}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}
NODE=${NODE:-node}
WRK=${WRK:-wrk}
JMH_JAR="$ROOT/jmh/target/benchmarks.jar"
EXAMPLES_JAR="$ROOT/examples/target/pushback-examples.jar"
PUSHBACK_ECHO_CMD=${PUSHBACK_ECHO_CMD:-"$JAVA $JAVA_OPTS -jar $EXAMPLES_JAR echo-server --workers 1"}
LUA="$ROOT/jmh/http/echo.lua"
SERVER_CPU=${SERVER_CPU:-}
WRK_CPU=${WRK_CPU:-}
TLS_JAVA_OPTS=${TLS_JAVA_OPTS:-"-Djdk.tls.server.cipherSuites=TLS_AES_128_GCM_SHA256 -Djdk.tls.server.protocols=TLSv1.3 -Djdk.tls.server.enableSessionTicketExtension=false -Djdk.tls.server.disableExtensions=pre_shared_key"}
SERVER_PIN=()
WRK_PIN=()
[[ -z "$SERVER_CPU" ]] || SERVER_PIN=(taskset -c "$SERVER_CPU")
[[ -z "$WRK_CPU" ]] || WRK_PIN=(taskset -c "$WRK_CPU")

for jar in "$JMH_JAR" "$EXAMPLES_JAR"; do
    if [[ ! -f "$jar" ]]; then
        echo "missing $jar: build first with  mvn -B -ntp -q -DskipTests package" >&2
        exit 2
    fi
done
command -v "$WRK" > /dev/null || { echo "no wrk: apt-get install wrk" >&2; exit 2; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/http-bench.XXXXXX")
declare -A PID ADDR
cleanup() {
    for s in "${!PID[@]}"; do
        kill -TERM "${PID[$s]}" 2> /dev/null || true
    done
    for s in "${!PID[@]}"; do
        for _ in $(seq 50); do kill -0 "${PID[$s]}" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "${PID[$s]}" 2> /dev/null || true
        wait "${PID[$s]}" 2> /dev/null || true
    done
    if [[ -n "${HTTP_BENCH_LOG:-}" && -f "$DIR/wrk.log" ]]; then
        cp "$DIR/wrk.log" "$HTTP_BENCH_LOG"
        for s in "${!PID[@]}"; do { echo "== $s"; cat "$DIR/$s.log"; } >> "$HTTP_BENCH_LOG.servers"; done
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# shellcheck source=http/servers.sh
source "$ROOT/jmh/http/servers.sh"

# the https servers share one self-signed P-256 certificate for 127.0.0.1 (the key in PKCS#8)
TLS_CERT="$DIR/cert.pem"
TLS_KEY="$DIR/key.pem"
if [[ " $SERVERS " == *-tls\ * ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$TLS_KEY" -out "$TLS_CERT" 2> "$DIR/openssl.log" \
        || { cat "$DIR/openssl.log" >&2; exit 1; }
fi
OURS=ours
[[ " $SERVERS " == *" ours "* || " $SERVERS " != *" ours-tls "* ]] || OURS=ours-tls
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime of the process, clock ticks
# ns the process's threads were runnable but waiting for a CPU (what a busy machine costs a run)
rqwait() { cat /proc/"$1"/task/*/schedstat 2> /dev/null | awk '{ s += $2 } END { printf "%.0f\n", s }'; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# start SERVER: runs it on port 0 and waits for "listening on HOST:PORT"
start() {
    local log="$DIR/$1.log"
    : > "$log"
    # shellcheck disable=SC2086
    "${SERVER_PIN[@]}" $(command_of "$1") --host 127.0.0.1 --port 0 > "$log" 2>&1 &
    PID[$1]=$!
    for _ in $(seq 200); do
        ADDR[$1]=$(sed -n 's/^listening on \([^ ]*:[0-9]*\)$/\1/p' "$log" || true)
        [[ -n "${ADDR[$1]}" ]] && return 0
        kill -0 "${PID[$1]}" 2> /dev/null || break
        sleep 0.1
    done
    echo "$1 did not start:" >&2
    cat "$log" >&2
    exit 1
}

# bench SERVER SCENARIO SECONDS: runs wrk, prints "reqs p99ms errors cpu_us_per_request waited_ms"
bench() {
    local depth=1 body=0 close=0 out="$DIR/wrk.out" scheme=http c0 c1 w0 w1
    [[ "$1" != *-tls ]] || scheme=https
    case "$2" in
        get) ;;
        get-close) close=1 ;;
        get-p16) depth=16 ;;
        post4k) body=4096 ;;
        post4k-p16) body=4096 depth=16 ;;
        *) echo "unknown scenario '$2'" >&2; exit 2 ;;
    esac
    died() { echo "$1 died during $2 or before it:" >&2; cat "$DIR/$1.log" >&2; exit 1; }
    c0=$(cpu "${PID[$1]}") || died "$@"
    w0=$(rqwait "${PID[$1]}")
    ECHO_DEPTH=$depth ECHO_BODY=$body ECHO_CLOSE=$close "${WRK_PIN[@]}" "$WRK" -t1 -c"$CONNECTIONS" -d"$3"s --latency \
        -s "$LUA" "$scheme://${ADDR[$1]}/" > "$out" 2>&1 || true
    kill -0 "${PID[$1]}" 2> /dev/null || died "$@"
    c1=$(cpu "${PID[$1]}") || died "$@"
    w1=$(rqwait "${PID[$1]}")
    # p99 from echo.lua (wrk's own percentile print as 0 when pipelined: see the script)
    awk -v ticks=$((c1 - c0)) -v tick_us="$TICK_US" -v waited=$(((w1 - w0) / 1000000)) '
        /^Requests\/sec:/ { reqs = $2 }
        /requests in/ { total = $1 }
        /^echo.lua latency us:/ { for (i = 1; i < NF; i++) if ($i == "p99") p99 = $(i + 1) / 1000 }
        /Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx/ { errors += $NF }
        END { printf "%.0f %.3f %d %.1f %d\n", reqs, (p99 == "" ? -1 : p99), errors, (total > 0 ? ticks * tick_us / total : -1), waited }' "$out"
    { echo "== $1 $2 ${3}s"; cat "$out"; } >> "$DIR/wrk.log"
}

echo "http-bench: wrk -t1 -c$CONNECTIONS, ${DURATION}s runs (${WARMUP}s warm-up discarded), $ROUNDS rounds," \
    "$(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1); node $($NODE --version 2> /dev/null || echo -); $("$WRK" --version 2>&1 | head -1 | cut -d' ' -f1-2)"
if [[ " $SERVERS " == *" nginx-tls "* ]]; then echo "  $(${NGINX:-nginx} -v 2>&1); $(openssl version)"; fi
if [[ -n "$SERVER_CPU$WRK_CPU" ]]; then echo "  servers on CPU ${SERVER_CPU:-any}, wrk on CPU ${WRK_CPU:-any}"; fi
read -r -a servers <<< "$SERVERS"
read -r -a scenarios <<< "$SCENARIOS"
for s in "${servers[@]}"; do
    start "$s"
    printf '  %-6s %s  (pid %s, %s)\n' "$s:" "$(command_of "$s")" "${PID[$s]}" "${ADDR[$s]}"
done

echo "warm-up: one ${WARMUP}s run per server and scenario"
for s in "${servers[@]}"; do
    for sc in "${scenarios[@]}"; do
        bench "$s" "$sc" "$WARMUP" > /dev/null
    done
done

RESULTS="$DIR/results"
: > "$RESULTS"
printf '%-5s %-11s %-9s %12s %10s %7s %8s %9s %6s\n' round scenario server "req/s" "p99 ms" errors "us/req" "waited ms" load1
for ((round = 1; round <= ROUNDS; round++)); do
    for sc in "${scenarios[@]}"; do
        count=${#servers[@]}
        for ((i = 0; i < count; i++)); do
            s=${servers[$(((i + round - 1) % count))]}
            read -r reqs p99 errors cpu waited < <(bench "$s" "$sc" "$DURATION") || true
            [[ -n "${reqs:-}" ]] || exit 1
            echo "$sc $s $reqs $p99 $errors $cpu" >> "$RESULTS"
            printf '%-5s %-11s %-9s %12s %10s %7s %8s %9s %6s\n' "$round" "$sc" "$s" "$reqs" "$p99" "$errors" "$cpu" "$waited" \
                "$(cut -d' ' -f1 /proc/loadavg)"
        done
    done
done

echo
echo "medians over $ROUNDS rounds; ratios are $OURS ÷ peer (req/s above 1: ours is faster; p99 below 1: ours has the lower tail;" \
    "CPU per request of the server process below 1: ours costs less)"
awk -v scenarios="$SCENARIOS" -v servers="$SERVERS" -v ours="$OURS" '
    { k = $1 SUBSEP $2; n[k]++; r[k, n[k]] = $3; p[k, n[k]] = $4; e[k] += $5; c[k, n[k]] = $6 }
    function median(a, k,   m, i, j, v, b) {
        m = n[k]
        for (i = 1; i <= m; i++) b[i] = a[k, i]
        for (i = 2; i <= m; i++) { v = b[i]; for (j = i - 1; j >= 1 && b[j] > v; j--) b[j + 1] = b[j]; b[j + 1] = v }
        return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2
    }
    END {
        ns = split(scenarios, sc, " "); nv = split(servers, sv, " ")
        printf "| %-10s | %-9s | %10s | %8s | %7s | %8s | %13s | %11s | %11s |\n", "scenario", "server", "req/s", "p99 ms", "errors", "us/req", "ours ÷ req/s", "ours ÷ p99", "ours ÷ CPU"
        printf "| %-10s | %-9s | %10s | %8s | %7s | %8s | %13s | %11s | %11s |\n", "---", "---", "---", "---", "---", "---", "---", "---", "---"
        for (i = 1; i <= ns; i++) {
            for (j = 1; j <= nv; j++) {
                k = sc[i] SUBSEP sv[j]; if (!(k in n)) continue
                mr[k] = median(r, k); mp[k] = median(p, k); mc[k] = median(c, k)
            }
            o = sc[i] SUBSEP ours
            for (j = 1; j <= nv; j++) {
                k = sc[i] SUBSEP sv[j]; if (!(k in n)) continue
                rr = "—"; pr = "—"; cr = "—"
                if (sv[j] != ours && (o in mr)) {
                    if (mr[k] > 0) rr = sprintf("%.2f", mr[o] / mr[k])
                    if (mp[k] > 0 && mp[o] >= 0) pr = sprintf("%.2f", mp[o] / mp[k])
                    if (mc[k] > 0 && mc[o] >= 0) cr = sprintf("%.2f", mc[o] / mc[k])
                }
                printf "| %-10s | %-9s | %10.0f | %8.2f | %7d | %8.1f | %13s | %11s | %11s |\n", sc[i], sv[j], mr[k], mp[k], e[k], mc[k], rr, pr, cr
            }
        }
    }' "$RESULTS"
