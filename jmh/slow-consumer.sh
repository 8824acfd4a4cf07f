#!/usr/bin/env bash
# Slow consumer (issue 3 §6): how much memory an HTTP echo server spends on a client that uploads
# and never reads the echo. For each server in turn:
#
#   1. start it on 127.0.0.1 port 0 and warm it up (jmh/http/slow-upload.py --warmup: 1 MiB POSTs
#      echoed and read back, and GETs, on one connection);
#   2. reset its peak RSS (echo 5 > /proc/PID/clear_refs: VmHWM becomes the current RSS), the baseline;
#   3. run jmh/http/slow-upload.py: one connection, `POST /` with Content-Length $BYTES, the body
#      sent as fast as the server takes it, the response never read, until all is sent, nothing
#      has gone out for $STALL seconds, or the server's VmRSS passes $RSS_LIMIT;
#   4. read VmHWM (the peak RSS since the reset) and stop the server.
#
# It prints, per server, the bytes the client got out, why it stopped, and the peak RSS growth
# over the baseline (the kernel's RSS counters are approximate to a few hundred KiB: a growth of
# -0.2 MiB is 0). What the client sent but the server did not buffer sits in the kernel: the
# client's send buffer, the server's receive and send buffers, the client's receive buffer.
#
# Servers: ours (examples' echo-server --workers 1), node (jmh/http/node-echo.js: res.write()
# without regard to its return value), netty-naive (NettyEchoServer --ignore-writability: writes
# everything it reads), netty (NettyEchoServer: autoRead off while the channel is not writable),
# jdk (JdkEchoServer: blocking copy).
#
# Environment:
#   GIB=4 or BYTES=n   upload size (default 4 GiB)
#   STALL=2            seconds without progress that count as a stall
#   RSS_LIMIT=n        bytes of server VmRSS at which the upload stops (default 8 GiB, lowered to
#                      half of MemAvailable if that is less): keeps a buffering server from taking
#                      the machine down
#   SERVERS="ours node netty-naive netty jdk"
#   PUSHBACK_ECHO_CMD="cmd ..."   how ours is started ("--host 127.0.0.1 --port 0" is appended)
#   JAVA=java, JAVA_OPTS="-Xmx8g" (for every Java server: Netty's direct memory limit follows -Xmx)
#   NODE=node, PYTHON=python3
#
# Build first (builds nothing itself):  mvn -B -ntp -q -DskipTests package
# Example:  GIB=1 jmh/slow-consumer.sh ;  jmh/slow-consumer.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GIB=${GIB:-4}
BYTES=${BYTES:-$((GIB * 1024 * 1024 * 1024))}
STALL=${STALL:-2}
SERVERS=${SERVERS:-"ours node netty-naive netty jdk"}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx8g}
NODE=${NODE:-node}
PYTHON=${PYTHON:-python3}
JMH_JAR="$ROOT/jmh/target/benchmarks.jar"
EXAMPLES_JAR="$ROOT/examples/target/pushback-examples.jar"
PUSHBACK_ECHO_CMD=${PUSHBACK_ECHO_CMD:-"$JAVA $JAVA_OPTS -jar $EXAMPLES_JAR echo-server --workers 1"}
CLIENT="$ROOT/jmh/http/slow-upload.py"

available=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) * 1024))
RSS_LIMIT=${RSS_LIMIT:-$((8 * 1024 * 1024 * 1024))}
if (( RSS_LIMIT > available / 2 )); then
    RSS_LIMIT=$((available / 2))
fi

for jar in "$JMH_JAR" "$EXAMPLES_JAR"; do
    if [[ ! -f "$jar" ]]; then
        echo "missing $jar: build first with  mvn -B -ntp -q -DskipTests package" >&2
        exit 2
    fi
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/slow-consumer.XXXXXX")
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2> /dev/null || true
        wait "$SERVER_PID" 2> /dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# shellcheck source=http/servers.sh
source "$ROOT/jmh/http/servers.sh"

status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "slow-consumer: upload $BYTES bytes ($(awk -v b="$BYTES" 'BEGIN { printf "%.3g", b / 1073741824 }') GiB)," \
    "stall after ${STALL}s, RSS limit $((RSS_LIMIT >> 20)) MiB, $(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1); node $($NODE --version)"
echo "  net.ipv4.tcp_wmem $(tr '\t' ' ' < /proc/sys/net/ipv4/tcp_wmem); tcp_rmem $(tr '\t' ' ' < /proc/sys/net/ipv4/tcp_rmem)"

RESULTS="$DIR/results"
: > "$RESULTS"
for s in $SERVERS; do
    log="$DIR/$s.log"
    cmd=$(command_of "$s")
    : > "$log"
    # shellcheck disable=SC2086
    $cmd --host 127.0.0.1 --port 0 > "$log" 2>&1 &
    SERVER_PID=$!
    addr=""
    for _ in $(seq 200); do
        addr=$(sed -n 's/^listening on \([^ ]*:[0-9]*\)$/\1/p' "$log" || true)
        [[ -n "$addr" ]] && break
        kill -0 "$SERVER_PID" 2> /dev/null || break
        sleep 0.1
    done
    if [[ -z "$addr" ]]; then
        echo "$s did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    port=${addr##*:}
    echo "  $s: $cmd  (pid $SERVER_PID, $addr)"
    "$PYTHON" "$CLIENT" --port "$port" --warmup 200
    sleep 1
    echo 5 > "/proc/$SERVER_PID/clear_refs"
    base=$(status_kib "$SERVER_PID" VmHWM)  # the RSS at the reset
    line=$("$PYTHON" "$CLIENT" --port "$port" --bytes "$BYTES" --stall "$STALL" --pid "$SERVER_PID" --rss-limit "$RSS_LIMIT")
    sleep 0.5
    if kill -0 "$SERVER_PID" 2> /dev/null; then
        peak=$(status_kib "$SERVER_PID" VmHWM)
        now=$(status_kib "$SERVER_PID" VmRSS)
    else
        peak=-1 now=-1
        echo "  $s exited during the upload:" >&2
        tail -5 "$log" >&2
    fi
    read -r _ sent _ reason _ seconds <<< "$line"
    echo "    $line; VmRSS before $(mib "$base") MiB, VmHWM $(mib "$peak") MiB, VmRSS after $(mib "$now") MiB"
    echo "$s $sent $reason $seconds $base $peak" >> "$RESULTS"
    stop_server
done

echo
awk '
    BEGIN {
        printf "| %-11s | %14s | %-16s | %7s | %12s | %12s | %15s |\n", "server", "bytes sent", "stopped by", "seconds", "RSS before", "peak RSS", "peak growth"
        printf "| %-11s | %14s | %-16s | %7s | %12s | %12s | %15s |\n", "---", "---", "---", "---", "---", "---", "---"
    }
    function mib(k) { return sprintf("%.1f MiB", k / 1024) }
    {
        growth = $6 < 0 ? "(exited)" : mib($6 - $5)
        printf "| %-11s | %14s | %-16s | %7s | %12s | %12s | %15s |\n", $1, sprintf("%.1f MiB", $2 / 1048576), $3, $4, mib($5), ($6 < 0 ? "—" : mib($6)), growth
    }' "$RESULTS"
