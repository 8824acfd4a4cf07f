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
# POST echoed back), post4k-p16 (16 of them pipelined). The script prints every run, then per
# scenario and server the median req/s and p99 latency, and ours ÷ peer: req/s ratio (above 1:
# ours is faster) and p99 ratio (below 1: ours has the lower tail). With pipelining wrk records one
# latency per batch of 16 (from the write to the 16th response).
#
# Environment:
#   DURATION=5    seconds per measured run;  WARMUP=3  seconds of the discarded warm-up run
#   ROUNDS=3      rounds;  CONNECTIONS=64;  SCENARIOS="get get-p16 post4k post4k-p16"
#   SERVERS="ours netty jdk node"   which servers ("ours" must be there for ratios)
#   PUSHBACK_ECHO_CMD="cmd ..."     how ours is started; "--host 127.0.0.1 --port 0" is appended.
#                 Default: java $JAVA_OPTS -jar examples/target/pushback-examples.jar echo-server --workers 1
#   JAVA=java, JAVA_OPTS=""         the JVM and its options for the Java servers;  NODE=node
#   WRK=wrk;  HTTP_BENCH_LOG=file   keep every wrk output there
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
    if [[ -n "${HTTP_BENCH_LOG:-}" && -f "$DIR/wrk.log" ]]; then cp "$DIR/wrk.log" "$HTTP_BENCH_LOG"; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# shellcheck source=http/servers.sh
source "$ROOT/jmh/http/servers.sh"

# start SERVER: runs it on port 0 and waits for "listening on HOST:PORT"
start() {
    local log="$DIR/$1.log"
    : > "$log"
    # shellcheck disable=SC2086
    $(command_of "$1") --host 127.0.0.1 --port 0 > "$log" 2>&1 &
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

# bench SERVER SCENARIO SECONDS: runs wrk, prints "reqs p99ms errors"
bench() {
    local depth=1 body=0 out="$DIR/wrk.out"
    case "$2" in
        get) ;;
        get-p16) depth=16 ;;
        post4k) body=4096 ;;
        post4k-p16) body=4096 depth=16 ;;
        *) echo "unknown scenario '$2'" >&2; exit 2 ;;
    esac
    ECHO_DEPTH=$depth ECHO_BODY=$body "$WRK" -t1 -c"$CONNECTIONS" -d"$3"s --latency -s "$LUA" \
        "http://${ADDR[$1]}/" > "$out" 2>&1 || true
    kill -0 "${PID[$1]}" 2> /dev/null || { echo "$1 died during $2:" >&2; cat "$DIR/$1.log" >&2; exit 1; }
    # p99 from echo.lua (wrk's own percentile print as 0 when pipelined: see the script)
    awk '
        /^Requests\/sec:/ { reqs = $2 }
        /^echo.lua latency us:/ { for (i = 1; i < NF; i++) if ($i == "p99") p99 = $(i + 1) / 1000 }
        /Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx/ { errors += $NF }
        END { printf "%.0f %.3f %d\n", reqs, (p99 == "" ? -1 : p99), errors }' "$out"
    { echo "== $1 $2 ${3}s"; cat "$out"; } >> "$DIR/wrk.log"
}

echo "http-bench: wrk -t1 -c$CONNECTIONS, ${DURATION}s runs (${WARMUP}s warm-up discarded), $ROUNDS rounds," \
    "$(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1); node $($NODE --version); $("$WRK" --version 2>&1 | head -1 | cut -d' ' -f1-2)"
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
printf '%-5s %-11s %-6s %12s %10s %7s\n' round scenario server "req/s" "p99 ms" errors
for ((round = 1; round <= ROUNDS; round++)); do
    for sc in "${scenarios[@]}"; do
        count=${#servers[@]}
        for ((i = 0; i < count; i++)); do
            s=${servers[$(((i + round - 1) % count))]}
            read -r reqs p99 errors < <(bench "$s" "$sc" "$DURATION") || true
            [[ -n "${reqs:-}" ]] || exit 1
            echo "$sc $s $reqs $p99 $errors" >> "$RESULTS"
            printf '%-5s %-11s %-6s %12s %10s %7s\n' "$round" "$sc" "$s" "$reqs" "$p99" "$errors"
        done
    done
done

echo
echo "medians over $ROUNDS rounds; ratios are ours ÷ peer (req/s above 1: ours is faster; p99 below 1: ours has the lower tail)"
awk -v scenarios="$SCENARIOS" -v servers="$SERVERS" '
    { k = $1 SUBSEP $2; n[k]++; r[k, n[k]] = $3; p[k, n[k]] = $4; e[k] += $5 }
    function median(a, k,   m, i, j, v, b) {
        m = n[k]
        for (i = 1; i <= m; i++) b[i] = a[k, i]
        for (i = 2; i <= m; i++) { v = b[i]; for (j = i - 1; j >= 1 && b[j] > v; j--) b[j + 1] = b[j]; b[j + 1] = v }
        return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2
    }
    END {
        ns = split(scenarios, sc, " "); nv = split(servers, sv, " ")
        printf "| %-10s | %-6s | %10s | %8s | %7s | %13s | %11s |\n", "scenario", "server", "req/s", "p99 ms", "errors", "ours ÷ req/s", "ours ÷ p99"
        printf "| %-10s | %-6s | %10s | %8s | %7s | %13s | %11s |\n", "---", "---", "---", "---", "---", "---", "---"
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
                printf "| %-10s | %-6s | %10.0f | %8.2f | %7d | %13s | %11s |\n", sc[i], sv[j], mr[k], mp[k], e[k], rr, pr
            }
        }
    }' "$RESULTS"
