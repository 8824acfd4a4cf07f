#!/usr/bin/env bash
# Soak of the HTTP echo server (issue 9 §5): DURATION of mixed load under wrk on the examples'
# echo-server, sampling the server process every INTERVAL; at the end, the growth after warm-up
# against "flat within 5 %, 0 errors".
#
#     jmh/soak.sh [DURATION] [INTERVAL]        defaults 30m and 10s (N, Ns, Nm or Nh; whole seconds)
#
# The server, `echo-server --workers 1` on 127.0.0.1 port 0, is pinned to one core (SERVER_CPU)
# and everything else — wrk, jcmd, the script — to the other (LOAD_CPU). The load runs in slices of INTERVAL
# seconds; in every slice three wrk processes run side by side (-t1 each, jmh/http/echo.lua):
#
#     get    keep-alive GET ("Hello, World!"),     $GET_CONNECTIONS connections
#     post   POST of $POST_BYTES bytes, echoed,    $POST_CONNECTIONS connections
#     pipe   pipelined GET, $PIPE_DEPTH per write, $PIPE_CONNECTIONS connections
#
# so all three kinds run all the time, and every slice closes its connections and opens new ones
# (connection churn, once per INTERVAL). In the middle of each slice, while all connections are
# open, the script samples the server:
#
#   rss_kib            VmRSS of /proc/PID/status (read before the GC below)
#   fds, threads       entries of /proc/PID/fd; Threads of /proc/PID/status
#   heap_after_gc_kib  `jcmd PID GC.run` (System.gc(): a full, stop-the-world collection; it
#                      returns when the collection is done), then the heap used at the end of that
#                      collection, read from the server's GC log (-Xlog:gc+heap=debug: the "used NK"
#                      of the "Heap after GC" block, written inside the pause, in KiB). Not
#                      `GC.heap_info` after GC.run: by the time a second jcmd attaches, the server
#                      has taken new TLABs under load, which count as used; not jstat: it shows the
#                      heap as it is, not after a collection. The JVM keeps its own choice of
#                      collector: pinned to one core, JDK 17 picks Serial (JAVA_OPTS=-XX:+UseG1GC
#                      for G1); the script prints which one ran. The server runs with
#                      -XX:MarkSweepDeadRatio=0, so that a full collection compacts everything:
#                      by default Serial leaves up to 5 % of the old generation as dead objects in
#                      place, compacting fully only every 4th time (MarkSweepAlwaysCompactCount),
#                      and "used" after GC then rises and falls in a sawtooth of 4 samples (in a
#                      trial 1461 -> 2018 KiB and back, all of it int[], the JVM's filler for dead
#                      space). The flag changes only how full collections compact, and only
#                      GC.run makes those here.
#
# and when the slice's wrk processes have ended, adds up their summaries: requests, and errors —
# wrk's socket errors (connect, read, write, timeout) and its "Non-2xx or 3xx responses" (wrk
# counts a status above 399 there; the echo server sends nothing in 1xx or 3xx), plus 1 for any
# wrk that exited with a failure or printed no summary. A CSV row per slice:
#
#     time_s,rss_kib,heap_after_gc_kib,fds,threads,requests,errors
#
# (time_s: seconds since the load began, at the sample; requests and errors: totals so far, up to
# the end of that slice). At the end it prints a summary: the warm-up (WARMUP, default the first
# 20 % of DURATION) is excluded; growth of RSS, heap after GC, fds (and threads, not judged) from
# the mean of the first K to the mean of the last K samples after it (K: 10 % of those samples,
# at least 3, at most half), absolute and in %, and the rise of the least-squares line through
# all of them (shown, not judged); total requests and errors; PASS if none of the three grew by
# more than 5 % and there were 0 errors (and the server lived and every sample was taken), else
# FAIL (exit status 1).
#
# Results: jmh/target/soak-YYYYmmdd-HHMMSS/ (SOAK_DIR=dir to choose): soak.csv, summary.txt,
# wrk.log (every wrk output, by slice), server.log (its stdout and stderr), gc.log.
#
# Environment:
#   WARMUP=6m            warm-up excluded from the growth (default 20 % of DURATION)
#   GET_CONNECTIONS=32  POST_CONNECTIONS=16  POST_BYTES=4096  PIPE_CONNECTIONS=16  PIPE_DEPTH=16
#   SERVER_CPU=0  LOAD_CPU=1   the cores (taskset -c)
#   JAVA=java  JAVA_OPTS=""  JCMD=jcmd  WRK=wrk   (JAVA_OPTS come after the script's own flags)
#   REBUILD=1            build the launcher even if examples/target/pushback-examples.jar exists
#                        (it is built when missing: mvn -B -ntp -q -DskipTests -pl examples -am package)
# Example:  jmh/soak.sh ;  jmh/soak.sh 2m 10s ;  WARMUP=2m jmh/soak.sh 30m 10s
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

# seconds N|Ns|Nm|Nh
seconds() {
    case "$1" in
        *[!0-9smh]* | "" | [smh]*) return 1 ;;
        *h) echo $((${1%h} * 3600)) ;;
        *m) echo $((${1%m} * 60)) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}
usage() { echo "usage: jmh/soak.sh [DURATION] [INTERVAL]   (e.g. 30m 10s; N, Ns, Nm or Nh)" >&2; exit 2; }
(($# <= 2)) || usage
DURATION=$(seconds "${1:-30m}") || usage
INTERVAL=$(seconds "${2:-10s}") || usage
if [[ -n "${WARMUP:-}" ]]; then
    WARMUP=$(seconds "$WARMUP") || { echo "WARMUP: N, Ns, Nm or Nh, not '$WARMUP'" >&2; exit 2; }
else
    WARMUP=$((DURATION / 5))
fi
((INTERVAL >= 4)) || { echo "INTERVAL must be at least 4 s (a sample takes about 1 s, mid-slice)" >&2; exit 2; }
((DURATION >= INTERVAL)) || { echo "DURATION must be at least INTERVAL" >&2; exit 2; }

GET_CONNECTIONS=${GET_CONNECTIONS:-32}
POST_CONNECTIONS=${POST_CONNECTIONS:-16}
POST_BYTES=${POST_BYTES:-4096}
PIPE_CONNECTIONS=${PIPE_CONNECTIONS:-16}
PIPE_DEPTH=${PIPE_DEPTH:-16}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}
JCMD=${JCMD:-jcmd}
WRK=${WRK:-wrk}
EXAMPLES_JAR="$ROOT/examples/target/pushback-examples.jar"
LUA="$ROOT/jmh/http/echo.lua"
KINDS=(get post pipe)

for tool in "$WRK" taskset "$JCMD" "$JAVA"; do
    command -v "$tool" > /dev/null || { echo "soak: no $tool on PATH (wrk: apt-get install wrk; taskset: util-linux; jcmd, java: a JDK 17)" >&2; exit 2; }
done
if ! taskset -c "$SERVER_CPU" true 2> /dev/null || ! taskset -c "$LOAD_CPU" true 2> /dev/null || [[ "$SERVER_CPU" == "$LOAD_CPU" ]]; then
    echo "soak: needs two distinct usable cores SERVER_CPU=$SERVER_CPU and LOAD_CPU=$LOAD_CPU ($(nproc) here)" >&2
    exit 2
fi
[[ -f "$LUA" ]] || { echo "soak: missing $LUA" >&2; exit 2; }
CORES=$(nproc)
# the script itself, and so every helper it starts (awk, find, jcmd, wrk), runs on the load's core
taskset -pc "$LOAD_CPU" $$ > /dev/null
if [[ -n "${REBUILD:-}" || ! -f "$EXAMPLES_JAR" ]]; then
    echo "soak: building the launcher (mvn -B -ntp -q -DskipTests -pl examples -am package)"
    (cd "$ROOT" && mvn -B -ntp -q -DskipTests -pl examples -am package) || { echo "soak: the build failed" >&2; exit 2; }
fi

OUT=${SOAK_DIR:-"$ROOT/jmh/target/soak-$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$OUT"
CSV="$OUT/soak.csv"
SLICE_DIR="$OUT/slice"
mkdir -p "$SLICE_DIR"

SERVER_PID=""
declare -a WRK_PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    for p in "${WRK_PIDS[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
    for p in "${WRK_PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 100); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2> /dev/null || true
        wait "$SERVER_PID" 2> /dev/null || true
    fi
    rm -rf "$SLICE_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# The server. Its stdin is /dev/null; SIGINT is ignored by background jobs of a script, so it is
# stopped with SIGTERM (its graceful shutdown: 5 s for open exchanges).
GC_LOG="$OUT/gc.log"
read -r -a JAVA_OPTS_WORDS <<< "$JAVA_OPTS"
SERVER_CMD=("$JAVA" -XX:MarkSweepDeadRatio=0 "-Xlog:gc,gc+heap=debug:file=$GC_LOG:uptime:filecount=0"
    "${JAVA_OPTS_WORDS[@]}" -jar "$EXAMPLES_JAR" echo-server --workers 1 --host 127.0.0.1 --port 0)
taskset -c "$SERVER_CPU" "${SERVER_CMD[@]}" < /dev/null > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
ADDR=""
for _ in $(seq 200); do
    ADDR=$(sed -n 's/^listening on \([^ ]*:[0-9]*\)$/\1/p' "$OUT/server.log" || true)
    [[ -n "$ADDR" ]] && break
    kill -0 "$SERVER_PID" 2> /dev/null || break
    sleep 0.1
done
if [[ -z "$ADDR" ]]; then
    echo "soak: the echo server did not start:" >&2
    cat "$OUT/server.log" >&2
    exit 1
fi

alive() { kill -0 "$SERVER_PID" 2> /dev/null; }

# heap_after_gc: runs GC.run and sets HEAP to the heap used (KiB) at the end of that full
# collection, or to nothing if it cannot tell (jcmd failed, or no new full collection in the log)
LAST_FULL=-1
heap_after_gc() {
    HEAP=""
    local line full used from
    from=$(($(stat -c %s "$GC_LOG") + 1))
    taskset -c "$LOAD_CPU" "$JCMD" "$SERVER_PID" GC.run > "$SLICE_DIR/jcmd.out" 2>&1 || return 0
    # in what the log gained meanwhile, the last "Heap after GC invocations=N (full F):" block: the
    # sum of its "used NK" up to the Metaspace line (G1: "garbage-first heap"; Serial: "def new
    # generation", "tenured generation"; Parallel: "PSYoungGen", "ParOldGen")
    line=$(tail -c +"$from" "$GC_LOG" | awk '
        /Heap after GC invocations=/ { match($0, /\(full [0-9]+\)/); f = substr($0, RSTART + 6, RLENGTH - 7); want = 1; sum = 0; next }
        want && /Metaspace/ { want = 0; last = f " " sum; next }
        want && /used [0-9]+K/ { match($0, /used [0-9]+K/); sum += substr($0, RSTART + 5, RLENGTH - 6) }
        END { print last }')
    read -r full used <<< "$line"
    if [[ -n "${full:-}" && -n "${used:-}" ]] && ((full > LAST_FULL)); then
        LAST_FULL=$full
        HEAP=$used
    fi
}

# slice_totals FILE: "requests connect read write timeout status failed" of one wrk output
slice_totals() {
    awk '
        /requests in / { req = $1; summary = 1 }
        /Socket errors:/ { gsub(/,/, ""); c = $4; r = $6; w = $8; t = $10 }
        /Non-2xx or 3xx responses:/ { s = $NF }
        /^wrk exit [1-9]/ { failed = 1 }
        END { if (!summary) failed = 1; printf "%d %d %d %d %d %d %d\n", req, c, r, w, t, s, failed }' "$1"
}

declare -A REQ=([get]=0 [post]=0 [pipe]=0)
E_CONNECT=0 E_READ=0 E_WRITE=0 E_TIMEOUT=0 E_STATUS=0 E_FAILED=0 MISSED=0
requests_total() { echo $((REQ[get] + REQ[post] + REQ[pipe])); }
errors_total() { echo $((E_CONNECT + E_READ + E_WRITE + E_TIMEOUT + E_STATUS + E_FAILED)); }

SLICES=$(((DURATION + INTERVAL - 1) / INTERVAL))
HALF=$(awk -v i="$INTERVAL" 'BEGIN { printf "%.1f", i / 2 }')
echo "soak: echo-server (pid $SERVER_PID, $ADDR, cpu $SERVER_CPU), load and jcmd on cpu $LOAD_CPU;" \
    "$SLICES slices of ${INTERVAL}s (${DURATION}s), warm-up ${WARMUP}s; results in $OUT"
echo "  $("$JAVA" -version 2>&1 | head -1); $("$WRK" --version 2>&1 | head -1 | cut -d' ' -f1-2); $CORES cores, $(uname -r)"
echo "  server: taskset -c $SERVER_CPU ${SERVER_CMD[*]#"$ROOT/"}"
echo "  server GC: $(sed -n 's/^\[[^]]*\] Using //p' "$GC_LOG" | head -1)"
echo "  wrk -t1 each: get -c$GET_CONNECTIONS; post ${POST_BYTES} B -c$POST_CONNECTIONS; pipe depth $PIPE_DEPTH -c$PIPE_CONNECTIONS"
echo "time_s,rss_kib,heap_after_gc_kib,fds,threads,requests,errors" > "$CSV"
printf '%7s %9s %9s %5s %7s %12s %6s\n' time_s rss_kib heap_kib fds threads requests errors

START=$(date +%s.%N)
for ((slice = 1; slice <= SLICES; slice++)); do
    alive || break
    WRK_PIDS=()
    for kind in "${KINDS[@]}"; do
        case "$kind" in
            get) depth=1 body=0 conns=$GET_CONNECTIONS ;;
            post) depth=1 body=$POST_BYTES conns=$POST_CONNECTIONS ;;
            pipe) depth=$PIPE_DEPTH body=0 conns=$PIPE_CONNECTIONS ;;
        esac
        # taskset execs wrk: $! is wrk's own pid, which cleanup can stop
        ECHO_DEPTH=$depth ECHO_BODY=$body taskset -c "$LOAD_CPU" "$WRK" -t1 -c"$conns" -d"$INTERVAL"s \
            -s "$LUA" "http://$ADDR/" > "$SLICE_DIR/$kind" 2>&1 &
        WRK_PIDS+=($!)
    done

    sleep "$HALF"
    now=$(date +%s.%N)
    rss="" fds="" threads="" heap=""
    if alive; then
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2> /dev/null || true)
        threads=$(awk '/^Threads:/ { print $2 }' "/proc/$SERVER_PID/status" 2> /dev/null || true)
        fds=$(find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2> /dev/null | wc -l)
        heap_after_gc
        heap=$HEAP
    fi
    if [[ -z "$rss" || -z "$heap" || -z "$fds" || -z "$threads" ]]; then
        MISSED=$((MISSED + 1))
        echo "soak: slice $slice: a sample is missing (rss '$rss' heap '$heap' fds '$fds' threads '$threads'): $(cat "$SLICE_DIR/jcmd.out" 2> /dev/null)" >&2
    fi

    for i in "${!KINDS[@]}"; do
        rc=0
        wait "${WRK_PIDS[$i]}" || rc=$?
        echo "wrk exit $rc" >> "$SLICE_DIR/${KINDS[$i]}"
    done
    WRK_PIDS=()
    for kind in "${KINDS[@]}"; do
        read -r req c r w t s f < <(slice_totals "$SLICE_DIR/$kind")
        REQ[$kind]=$((REQ[$kind] + req))
        E_CONNECT=$((E_CONNECT + c)) E_READ=$((E_READ + r)) E_WRITE=$((E_WRITE + w))
        E_TIMEOUT=$((E_TIMEOUT + t)) E_STATUS=$((E_STATUS + s)) E_FAILED=$((E_FAILED + f))
        { echo "== slice $slice $kind"; cat "$SLICE_DIR/$kind"; } >> "$OUT/wrk.log"
    done
    time_s=$(awk -v a="$START" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
    echo "$time_s,$rss,$heap,$fds,$threads,$(requests_total),$(errors_total)" >> "$CSV"
    printf '%7s %9s %9s %5s %7s %12s %6s\n' "$time_s" "$rss" "$heap" "$fds" "$threads" "$(requests_total)" "$(errors_total)"
done

DIED=0
if ! alive; then
    DIED=1
    echo "soak: the echo server died:" >&2
    tail -20 "$OUT/server.log" >&2
fi
SERVER_LINES=$(grep -vc '^listening on ' "$OUT/server.log" || true)

{
    awk -F, -v warmup="$WARMUP" -v interval="$INTERVAL" -v duration="$DURATION" '
        NR == 1 { next }
        { total++ }
        $1 >= warmup && $2 != "" && $3 != "" { n++; t[n] = $1; v[1, n] = $2; v[2, n] = $3; v[3, n] = $4; v[4, n] = $5 }
        END {
            printf "soak summary: %d samples every %d s over %d s; warm-up: the first %d s excluded, %d samples after it\n", total, interval, duration, warmup, n
            if (n < 2) { print "  too few samples after the warm-up to measure growth"; print "GROWTH unknown"; exit }
            k = int(n / 10 + 0.5); if (k < 3) k = 3; if (k > int(n / 2)) k = int(n / 2)
            printf "growth: mean of the first %d samples after warm-up (t = %s..%s s) -> mean of the last %d (t = %s..%s s);\n", k, t[1], t[k], k, t[n - k + 1], t[n]
            printf "trend: the least-squares line through all %d samples after warm-up, its rise over t = %s..%s s (shown, not judged)\n", n, t[1], t[n]
            printf "  %-18s %12s    %12s   %10s  %8s  %-12s %10s\n", "", "first", "last", "growth", "", "", "trend"
            tm = 0; for (i = 1; i <= n; i++) tm += t[i]; tm /= n
            sxx = 0; for (i = 1; i <= n; i++) sxx += (t[i] - tm) ^ 2
            split("rss_kib heap_after_gc_kib fds threads", name, " ")
            judged = "rss_kib heap_after_gc_kib fds"
            ok = 1
            for (m = 1; m <= 4; m++) {
                a = 0; b = 0
                for (i = 1; i <= k; i++) { a += v[m, i]; b += v[m, n - k + i] }
                a /= k; b /= k
                pct = a > 0 ? (b - a) * 100 / a : 0
                flag = index(judged, name[m]) ? (pct > 5 ? "GREW" : "flat") : "(not judged)"
                if (flag == "GREW") ok = 0
                vm = 0; for (i = 1; i <= n; i++) vm += v[m, i]; vm /= n
                sxy = 0; for (i = 1; i <= n; i++) sxy += (t[i] - tm) * (v[m, i] - vm)
                rise = sxx > 0 ? sxy / sxx * (t[n] - t[1]) : 0
                printf "  %-18s %12.1f -> %12.1f   %+10.1f  %+6.1f %%  %-12s %+10.1f  %+6.1f %%\n", name[m], a, b, b - a, pct, flag, rise, (vm > 0 ? rise * 100 / vm : 0)
            }
            print (ok ? "GROWTH flat" : "GROWTH over 5 %")
        }' "$CSV"
    echo "requests $(requests_total) (get ${REQ[get]}, post ${REQ[post]}, pipelined ${REQ[pipe]})"
    echo "errors $(errors_total) (wrk socket errors: connect $E_CONNECT, read $E_READ, write $E_WRITE, timeout $E_TIMEOUT;" \
        "status >= 400: $E_STATUS; wrk runs failed or without a summary: $E_FAILED); samples missing: $MISSED;" \
        "server died: $([[ $DIED == 1 ]] && echo yes || echo no); server log lines: $SERVER_LINES"
} > "$OUT/summary.txt"

if grep -q '^GROWTH flat$' "$OUT/summary.txt" && [[ $(errors_total) == 0 && $MISSED == 0 && $DIED == 0 ]] \
    && (($(requests_total) > 0)); then
    echo "PASS: flat within 5 % (RSS, heap after GC, fds) and 0 errors" >> "$OUT/summary.txt"
    verdict=0
else
    echo "FAIL: not flat within 5 %, or errors, missing samples, or the server died (see above)" >> "$OUT/summary.txt"
    verdict=1
fi
echo
cat "$OUT/summary.txt"
echo "results: $OUT"
exit "$verdict"
