#!/usr/bin/env bash
# Two builds of the echo server side by side under wrk, for a change that touches the HTTP path:
# for each round, each scenario and each jar (the order alternating per round), one wrk run; the
# server pinned to CPU 0, wrk to CPU 1. Prints every run (req/s, p99, errors, the server's CPU
# per request, the load) and the medians with the ratio of the second jar to the first.
#   JARS="before=/path/a.jar after=/path/b.jar" DURATION=10 ROUNDS=3 SCENARIOS="get get-p16 post4k" jmh/http-ab.sh
# Build a jar of another commit in a worktree:
#   git worktree add /tmp/before COMMIT && (cd /tmp/before && mvn -q -DskipTests package -pl examples -am)
# MAX_WAIT_MS=N runs again a run whose server thread waited longer than N ms for its CPU.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SCENARIOS=${SCENARIOS:-"get get-p16 post4k"}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
LUA="$ROOT/jmh/http/echo.lua"
read -r -a jars <<< "${JARS:?JARS=\"before=/path/a.jar after=/path/b.jar\"}"
DIR=$(mktemp -d /tmp/ab.XXXXXX)
declare -A PID ADDR
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, clock ticks
declare -A TID
mainTid() { local t; for t in /proc/$1/task/*; do [[ "$(cat $t/comm)" == java ]] && echo "${t##*/}"; done | sed -n 2p || true; }
rqwait() { awk '{ print $2 }' "/proc/$1/task/$2/schedstat"; } # ns runnable but waiting for a CPU
cleanup() { for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for spec in "${jars[@]}"; do
    n=${spec%%=*}; jar=${spec#*=}
    taskset -c "$SERVER_CPU" java -jar "$jar" echo-server --workers 1 --host 127.0.0.1 --port 0 > "$DIR/$n.log" 2>&1 &
    PID[$n]=$!
    for _ in $(seq 200); do
        ADDR[$n]=$(sed -n 's/^listening on \([^ ]*:[0-9]*\)$/\1/p' "$DIR/$n.log" || true)
        [[ -n "${ADDR[$n]}" ]] && break; sleep 0.1
    done
    TID[$n]=$(mainTid "${PID[$n]}")
    echo "$n: $jar pid ${PID[$n]} ${ADDR[$n]} catalyst thread ${TID[$n]}"
done
bench() { # name scenario seconds
    local depth=1 body=0 c0 c1
    case "$2" in get) ;; get-p16) depth=16 ;; post4k) body=4096 ;; post4k-p16) body=4096 depth=16 ;; esac
    c0=$(cpu "${PID[$1]}"); w0=$(rqwait "${PID[$1]}" "${TID[$1]}")
    ECHO_DEPTH=$depth ECHO_BODY=$body taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$3"s --latency -s "$LUA" \
        "http://${ADDR[$1]}/" > "$DIR/out" 2>&1 || true
    c1=$(cpu "${PID[$1]}"); w1=$(rqwait "${PID[$1]}" "${TID[$1]}")
    echo $(( (w1 - w0) / 1000000 )) > "$DIR/wait"
    awk -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" '/^Requests\/sec:/ { r = $2 } /^echo.lua latency us:/ { for (i = 1; i < NF; i++) if ($i == "p99") p = $(i + 1) / 1000 }
         /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } /Non-2xx or 3xx/ { e += $NF }
         /requests in/ { n = $1 }
         END { printf "%.0f %.3f %d %.2f\n", r, p, e, (n > 0 ? ticks / hz * 1e6 / n : -1) }' "$DIR/out"
}
echo "warm-up ${WARMUP}s per jar and scenario"
for spec in "${jars[@]}"; do for sc in $SCENARIOS; do bench "${spec%%=*}" "$sc" "$WARMUP" > /dev/null; done; done
printf '%-5s %-10s %-8s %10s %8s %6s %8s %6s\n' round scenario jar req/s p99ms errors cpu_us/r load1
: > "$DIR/results"
for ((round = 1; round <= ROUNDS; round++)); do
    for sc in $SCENARIOS; do
        count=${#jars[@]}
        for ((i = 0; i < count; i++)); do
            spec=${jars[$(((i + round - 1) % count))]}; n=${spec%%=*}
            for try in 1 2 3; do # a run whose server thread waited for its CPU longer than MAX_WAIT_MS is run again
                read -r r p e c < <(bench "$n" "$sc" "$DURATION")
                load="$(cut -d' ' -f1 /proc/loadavg) rqwait=$(cat "$DIR/wait")ms try=$try"
                (( $(cat "$DIR/wait") <= ${MAX_WAIT_MS:-1000000} )) && break
                printf '      (%s %s: %s req/s, server thread waited %s ms for a CPU: again)\n' "$sc" "$n" "$r" "$(cat "$DIR/wait")"
            done
            echo "$sc $n $r $p $e $c" >> "$DIR/results"
            printf '%-5s %-10s %-8s %10s %8s %6s %8s %6s\n' "$round" "$sc" "$n" "$r" "$p" "$e" "$c" "$load"
        done
    done
done
echo "medians:"
names=""; for spec in "${jars[@]}"; do names="$names ${spec%%=*}"; done
awk -v scs="$SCENARIOS" -v names="$names" '
    { k = $1 SUBSEP $2; n[k]++; r[k, n[k]] = $3; p[k, n[k]] = $4; c[k, n[k]] = $6 }
    function med(a, k,   m, i, j, v, b) { m = n[k]; for (i = 1; i <= m; i++) b[i] = a[k, i]
        for (i = 2; i <= m; i++) { v = b[i]; for (j = i - 1; j >= 1 && b[j] > v; j--) b[j + 1] = b[j]; b[j + 1] = v }
        return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2 }
    END { ns = split(scs, sc, " "); nn = split(names, nm, " ")
        for (i = 1; i <= ns; i++) { line = sc[i]
            for (j = 1; j <= nn; j++) { k = sc[i] SUBSEP nm[j]; mr[j] = med(r, k); mp[j] = med(p, k); mc[j] = med(c, k)
                line = line sprintf("  %s %.0f req/s p99 %.2f ms %.2f cpu-us/req", nm[j], mr[j], mp[j], mc[j]) }
            if (nn == 2) line = line sprintf("  ratio %s/%s req/s %.3f p99 %.3f cpu %.3f", nm[2], nm[1], mr[2] / mr[1], mp[2] / mp[1], mc[2] / mc[1])
            print line } }' "$DIR/results"
cp "$DIR/results" "${RESULTS:-$DIR/results.txt}"
