#!/usr/bin/env bash
# Reverse proxies side by side under wrk (issue 11 §1): pushback's proxy against nginx and a Netty
# relay, all in front of the same upstream, pushback's own echo server
# (examples' echo-server --workers 1: GET answers "Hello, World!", POST echoes its body).
#
# The upstream and every proxy are started once, the upstream and the proxies pinned to CPU
# $PIN_SERVERS and wrk to CPU $PIN_WRK (taskset; the machine this was written on has 2 cores, so
# the proxy shares its core with the upstream and wrk has the other one). Each proxy is checked
# first (a GET must answer "Hello, World!", a 4 KiB POST must come back whole) and warmed up with
# one discarded wrk run per scenario. Then, for each round and each scenario, wrk runs through
# every proxy back to back (the order rotates from round to round):
#
#     taskset -c $PIN_WRK wrk -t1 -c64 -d${DURATION}s --latency -s jmh/http/echo.lua http://PROXY/
#
# Scenarios: get (keep-alive GET), post4k (a 4 KiB POST echoed back). The script prints every
# run, then per scenario and proxy the median req/s and p99 latency, and ours ÷ peer: req/s ratio
# (above 1: ours is faster) and p99 ratio (below 1: ours has the lower tail).
#
# Proxies (PROXIES):
#   ours    java -jar examples/target/pushback-examples.jar proxy --workers 1 --upstream URL; skipped,
#           with a message, while the launcher has no proxy command (proxy --help fails)
#   nginx   nginx as a reverse proxy: one worker, upstream u { server UPSTREAM; keepalive 64; },
#           proxy_pass http://u, proxy_http_version 1.1, Connection "", proxy_buffering off; its
#           config is generated into a temp dir and it runs as the current user (-p DIR -c DIR/nginx.conf)
#   netty   dev.pushback.jmh.http.NettyProxy: a Netty 4.2 TCP relay, one event loop, one upstream
#           connection per client connection, AUTO_READ off, the next read after the write completed
#   node    jmh/http/node-proxy.js (http.createServer + http.request, keep-alive agent); not by default
#   nginx-buffered  nginx with proxy_buffering on; not by default
#   direct  no proxy: wrk against the upstream itself, the reference for what a proxy costs
#
# Environment:
#   DURATION=5    seconds per measured run;  WARMUP=3  seconds of the discarded warm-up run
#   ROUNDS=3      rounds;  CONNECTIONS=64;  SCENARIOS="get post4k"
#   PROXIES="direct ours nginx netty"   ("ours" must be there for ratios)
#   PIN_SERVERS=0, PIN_WRK=1   CPUs for the upstream and the proxies, and for wrk; empty: no pinning
#   PUSHBACK_PROXY_CMD="cmd ..."   how ours is started; "--upstream http://HOST:PORT --host 127.0.0.1
#                 --port 0" is appended. Default: java $JAVA_OPTS -jar examples/target/pushback-examples.jar proxy --workers 1
#   JAVA=java, JAVA_OPTS=""   the JVM and its options for the Java processes;  NODE=node;  NGINX=nginx
#   WRK=wrk;  PROXY_BENCH_LOG=file   keep every wrk output there (default: jmh/target/proxy-bench.log)
#
# Build first (builds nothing itself):  mvn -B -ntp -q -DskipTests package
#   (examples/target/pushback-examples.jar and jmh/target/benchmarks.jar)
# Example:  jmh/proxy-bench.sh ;  DURATION=10 ROUNDS=5 PROXIES="ours nginx" jmh/proxy-bench.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SCENARIOS=${SCENARIOS:-"get post4k"}
PROXIES=${PROXIES:-"direct ours nginx netty"}
PIN_SERVERS=${PIN_SERVERS-0}
PIN_WRK=${PIN_WRK-1}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}
NODE=${NODE:-node}
NGINX=${NGINX:-nginx}
WRK=${WRK:-wrk}
JMH_JAR="$ROOT/jmh/target/benchmarks.jar"
EXAMPLES_JAR="$ROOT/examples/target/pushback-examples.jar"
PUSHBACK_PROXY_CMD=${PUSHBACK_PROXY_CMD:-"$JAVA $JAVA_OPTS -jar $EXAMPLES_JAR proxy --workers 1"}
PROXY_BENCH_LOG=${PROXY_BENCH_LOG:-"$ROOT/jmh/target/proxy-bench.log"}
LUA="$ROOT/jmh/http/echo.lua"

for jar in "$JMH_JAR" "$EXAMPLES_JAR"; do
    if [[ ! -f "$jar" ]]; then
        echo "missing $jar: build first with  mvn -B -ntp -q -DskipTests package" >&2
        exit 2
    fi
done
for tool in "$WRK" "$NGINX" curl; do
    command -v "$tool" > /dev/null || { echo "no $tool: apt-get install $tool" >&2; exit 2; }
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/proxy-bench.XXXXXX")
declare -A PID ADDR MEMPID
cleanup() {
    stop_all
    if [[ -f "$DIR/wrk.log" ]]; then cp "$DIR/wrk.log" "$PROXY_BENCH_LOG" 2> /dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# shellcheck source=http/proxies.sh
source "$ROOT/jmh/http/proxies.sh"

read -r -a wanted <<< "$PROXIES"
proxies=()
for p in "${wanted[@]}"; do
    if [[ "$p" == ours ]] && ! has_our_proxy; then
        echo "skipping ours: '${PUSHBACK_PROXY_CMD%% proxy*} proxy --help' fails, the launcher has no proxy command yet" >&2
        continue
    fi
    proxies+=("$p")
done
read -r -a scenarios <<< "$SCENARIOS"

# check PROXY: one GET and one 4 KiB POST through it, answered as the echo server answers
check() {
    local url="http://${ADDR[$1]}/" body
    body=$(curl -sS --max-time 10 "$url") || { echo "$1: GET failed" >&2; exit 1; }
    [[ "$body" == "Hello, World!" ]] || { echo "$1: GET answered '$body'" >&2; exit 1; }
    head -c 4096 /dev/zero | tr '\0' x > "$DIR/post4k"
    curl -sS --max-time 10 --data-binary @"$DIR/post4k" -o "$DIR/post4k.back" "$url" \
        || { echo "$1: POST failed" >&2; exit 1; }
    cmp -s "$DIR/post4k" "$DIR/post4k.back" || { echo "$1: the 4 KiB POST did not come back whole" >&2; exit 1; }
}

# bench PROXY SCENARIO SECONDS: runs wrk, prints "reqs p99ms errors"
bench() {
    local body=0 out="$DIR/wrk.out"
    case "$2" in
        get) ;;
        post4k) body=4096 ;;
        *) echo "unknown scenario '$2'" >&2; exit 2 ;;
    esac
    # shellcheck disable=SC2086
    ECHO_DEPTH=1 ECHO_BODY=$body ${PIN_WRK:+taskset -c $PIN_WRK} "$WRK" -t1 -c"$CONNECTIONS" -d"$3"s \
        --latency -s "$LUA" "http://${ADDR[$1]}/" > "$out" 2>&1 || true
    alive "$1" || { echo "$1 died during $2:" >&2; cat "$DIR/$1.log" "$DIR/$1/error.log" >&2 2> /dev/null; exit 1; }
    alive echo || { echo "the upstream died during $1 $2:" >&2; cat "$DIR/echo.log" >&2; exit 1; }
    awk '
        /^Requests\/sec:/ { reqs = $2 }
        /^echo.lua latency us:/ { for (i = 1; i < NF; i++) if ($i == "p99") p99 = $(i + 1) / 1000 }
        /Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx/ { errors += $NF }
        END { printf "%.0f %.3f %d\n", reqs, (p99 == "" ? -1 : p99), errors }' "$out"
    { echo "== $1 $2 ${3}s"; cat "$out"; } >> "$DIR/wrk.log"
}

echo "proxy-bench: $(date -u '+%Y-%m-%d %H:%M UTC'); wrk -t1 -c$CONNECTIONS, ${DURATION}s runs" \
    "(${WARMUP}s warm-up discarded), $ROUNDS rounds, $(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1); $("$NGINX" -v 2>&1); node $($NODE --version 2>/dev/null || echo none);" \
    "$("$WRK" --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "  pinning: upstream and proxies on CPU ${PIN_SERVERS:-any}, wrk on CPU ${PIN_WRK:-any}"
start echo "$PIN_SERVERS"
UPSTREAM=${ADDR[echo]}
printf '  %-8s %s  (pid %s, %s)\n' "upstream:" "$(command_of echo)" "${PID[echo]}" "$UPSTREAM"
for p in "${proxies[@]}"; do
    start "$p" "$PIN_SERVERS"
    case "$p" in
        direct) what="no proxy" ;;
        nginx*) what="$NGINX -p $DIR/$p -c $DIR/$p/nginx.conf" ;;
        *) what=$(command_of "$p") ;;
    esac
    printf '  %-8s %s  (pid %s, %s)\n' "$p:" "$what" "${PID[$p]:-${PID[echo]}}" "${ADDR[$p]}"
    check "$p"
done

echo "warm-up: one ${WARMUP}s run per proxy and scenario"
for p in "${proxies[@]}"; do
    for sc in "${scenarios[@]}"; do
        bench "$p" "$sc" "$WARMUP" > /dev/null
    done
done

RESULTS="$DIR/results"
: > "$RESULTS"
printf '%-5s %-9s %-15s %12s %10s %7s\n' round scenario proxy "req/s" "p99 ms" errors
for ((round = 1; round <= ROUNDS; round++)); do
    for sc in "${scenarios[@]}"; do
        count=${#proxies[@]}
        for ((i = 0; i < count; i++)); do
            p=${proxies[$(((i + round - 1) % count))]}
            read -r reqs p99 errors < <(bench "$p" "$sc" "$DURATION") || true
            [[ -n "${reqs:-}" ]] || exit 1
            echo "$sc $p $reqs $p99 $errors" >> "$RESULTS"
            printf '%-5s %-9s %-15s %12s %10s %7s\n' "$round" "$sc" "$p" "$reqs" "$p99" "$errors"
        done
    done
done

echo
echo "medians over $ROUNDS rounds; ratios are ours ÷ peer (req/s above 1: ours is faster; p99 below 1: ours has the lower tail)"
awk -v scenarios="$SCENARIOS" -v proxies="${proxies[*]}" '
    { k = $1 SUBSEP $2; n[k]++; r[k, n[k]] = $3; p[k, n[k]] = $4; e[k] += $5 }
    function median(a, k,   m, i, j, v, b) {
        m = n[k]
        for (i = 1; i <= m; i++) b[i] = a[k, i]
        for (i = 2; i <= m; i++) { v = b[i]; for (j = i - 1; j >= 1 && b[j] > v; j--) b[j + 1] = b[j]; b[j + 1] = v }
        return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2
    }
    END {
        ns = split(scenarios, sc, " "); nv = split(proxies, sv, " ")
        printf "| %-8s | %-14s | %10s | %8s | %7s | %13s | %11s |\n", "scenario", "proxy", "req/s", "p99 ms", "errors", "ours ÷ req/s", "ours ÷ p99"
        printf "| %-8s | %-14s | %10s | %8s | %7s | %13s | %11s |\n", "---", "---", "---", "---", "---", "---", "---"
        for (i = 1; i <= ns; i++) {
            for (j = 1; j <= nv; j++) {
                k = sc[i] SUBSEP sv[j]; if (!(k in n)) continue
                mr[k] = median(r, k); mp[k] = median(p, k)
            }
            o = sc[i] SUBSEP "ours"
            for (j = 1; j <= nv; j++) {
                k = sc[i] SUBSEP sv[j]; if (!(k in n)) continue
                rr = "—"; pr = "—"
                if (sv[j] != "ours" && (o in mr)) {
                    if (mr[k] > 0) rr = sprintf("%.2f", mr[o] / mr[k])
                    if (mp[k] > 0 && mp[o] >= 0) pr = sprintf("%.2f", mp[o] / mp[k])
                }
                printf "| %-8s | %-14s | %10.0f | %8.2f | %7d | %13s | %11s |\n", sc[i], sv[j], mr[k], mp[k], e[k], rr, pr
            }
        }
    }' "$RESULTS"
echo "raw wrk output: $PROXY_BENCH_LOG"
