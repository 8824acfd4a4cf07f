#!/usr/bin/env bash
# Slow client through a reverse proxy (issue 11 §2): how much memory each proxy spends relaying a
# 1 GiB download from a fast upstream to a client that reads at $RATE.
#
# The upstream is an nginx instance serving two sparse files (truncate -s): /big ($BYTES, 1 GiB by
# default) and /small (1 MiB). For each proxy in turn:
#
#   1. start it on 127.0.0.1 in front of that upstream, and warm it up: $WARMUP_REQUESTS GETs of
#      /small through it at full speed (300 MiB by default: with only 20 the Netty relay "grew"
#      by 24 MiB during the download, none of it buffered data: C2 compiled its loop then, and the
#      compiler's arenas and the young generation's first use stayed resident; after 300 it grows
#      by under 1 MiB), then, with WARMUP_BIG=1 (the default), one download of /big at full
#      speed: the first long body through a JVM proxy still had its loops compiled by C2 (pushback's
#      proxy grew by 3-4 MiB on it, with its catalyst thread allocating nothing, and by 0.2 MiB on
#      the next; Native Memory Tracking showed only code and the compiler's malloc arenas growing),
#      so that the figure measured is what relaying a slow download costs, not the JIT's first pass;
#   2. read its VmRSS (the baseline) and reset its peak (echo 5 > /proc/PID/clear_refs: VmHWM
#      becomes the current RSS);
#   3. download /big through it with  curl --limit-rate $RATE -o /dev/null  and check that exactly
#      $BYTES arrived; meanwhile sample its VmRSS every 100 ms (and, for nginx, what it spooled:
#      the blocks of its proxy_temp directory and of the temp files it holds open there, which it
#      unlinks as soon as it creates them, so du of the directory alone shows nothing);
#   4. read VmHWM and stop it.
#
# It prints, per proxy, the bytes received and the time taken, the baseline, the peak RSS growth
# (VmHWM at the end minus VmRSS before: the figure the issue asks for) and the peak of the 100 ms
# samples minus the baseline, and for nginx the peak it spooled to disk. The kernel's RSS counters
# are approximate to a few hundred KiB: a growth of -0.2 MiB is 0. The process measured is the
# one that relays: nginx's worker (one), not its master.
#
# Proxies (PROXIES): nginx-buffered (nginx, proxy_buffering on, its defaults: 8 buffers of a page,
# the rest to proxy_temp up to proxy_max_temp_file_size 1 GiB), nginx (proxy_buffering off), node
# (jmh/http/node-proxy.js: upstreamRes.on('data', d => res.write(d)), write()'s return value
# ignored), netty (dev.pushback.jmh.http.NettyProxy: a TCP relay, the next read only after the
# write completed), ours (the launcher's proxy command; skipped, with a message, while the
# launcher has none). See jmh/http/proxies.sh for how each is started.
#
# Environment:
#   RATE=50M          curl's --limit-rate (bytes per second, k/M/G suffixes)
#   GIB=1 or BYTES=n  size of the download (default 1 GiB)
#   WARMUP_REQUESTS=300
#   WARMUP_BIG=1      one unthrottled download of /big after the small ones (0: none)
#   RSS_LIMIT=n       bytes of proxy VmRSS at which the download is stopped (default 8 GiB, lowered to
#                     half of MemAvailable if that is less): keeps a buffering proxy from taking the
#                     machine down
#   PROXIES="nginx-buffered nginx node netty ours"
#   PUSHBACK_PROXY_CMD="cmd ..."   how ours is started; "--upstream http://HOST:PORT --host 127.0.0.1
#                 --port 0" is appended. Default: java $JAVA_OPTS -jar examples/target/pushback-examples.jar proxy --workers 1
#   JAVA=java, JAVA_OPTS=""   the JVM and its options for the Java proxies;  NODE=node;  NGINX=nginx
#
# Build first (builds nothing itself):  mvn -B -ntp -q -DskipTests package
# Example:  jmh/proxy-memory.sh ;  RATE=20M PROXIES="nginx ours" jmh/proxy-memory.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-50M}
GIB=${GIB:-1}
BYTES=${BYTES:-$((GIB * 1024 * 1024 * 1024))}
WARMUP_REQUESTS=${WARMUP_REQUESTS:-300}
WARMUP_BIG=${WARMUP_BIG:-1}
PROXIES=${PROXIES:-"nginx-buffered nginx node netty ours"}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}
NODE=${NODE:-node}
NGINX=${NGINX:-nginx}
JMH_JAR="$ROOT/jmh/target/benchmarks.jar"
EXAMPLES_JAR="$ROOT/examples/target/pushback-examples.jar"
PUSHBACK_PROXY_CMD=${PUSHBACK_PROXY_CMD:-"$JAVA $JAVA_OPTS -jar $EXAMPLES_JAR proxy --workers 1"}

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
for tool in "$NGINX" curl; do
    command -v "$tool" > /dev/null || { echo "no $tool: apt-get install $tool" >&2; exit 2; }
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/proxy-memory.XXXXXX")
declare -A PID ADDR MEMPID
CURL=
cleanup() {
    [[ -n "$CURL" ]] && kill -KILL "$CURL" 2> /dev/null || true
    stop_all
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

# status_kib PID FIELD: VmRSS or VmHWM of PID in KiB
status_kib() {
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# spooled_kib NAME PID: KiB allocated in nginx's proxy_temp: the directory's blocks plus those of
# the (unlinked) temp files PID holds open there
spooled_kib() {
    local temp="$DIR/$1/proxy_temp" kib=0 fd target
    [[ -d "$temp" ]] && kib=$(du -sk "$temp" | cut -f1)
    for fd in /proc/"$2"/fd/*; do
        target=$(readlink "$fd" 2> /dev/null) || continue
        if [[ "$target" == "$temp"/* ]]; then
            kib=$((kib + $(stat -L -c '%b * %B / 1024' "$fd" 2> /dev/null || echo 0)))
        fi
    done
    echo "$kib"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

mkdir -p "$DIR/files/www"
truncate -s "$BYTES" "$DIR/files/www/big"
truncate -s 1M "$DIR/files/www/small"
start files
UPSTREAM=${ADDR[files]}

echo "proxy-memory: $(date -u '+%Y-%m-%d %H:%M UTC'); curl --limit-rate $RATE of $BYTES bytes through each proxy," \
    "$(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1); $("$NGINX" -v 2>&1); node $($NODE --version 2>/dev/null || echo none);" \
    "$(curl --version | head -1 | cut -d' ' -f1-2)"
echo "  upstream: $NGINX serving sparse files on $UPSTREAM (pid ${PID[files]})"

RESULTS="$DIR/results"
: > "$RESULTS"
for p in "${proxies[@]}"; do
    start "$p"
    url="http://${ADDR[$p]}"
    for ((i = 0; i < WARMUP_REQUESTS; i++)); do
        got=$(curl -sS --max-time 30 -o /dev/null -w '%{size_download}' "$url/small") || got=-1
        [[ "$got" == 1048576 ]] || { echo "$p: warm-up GET of /small got $got bytes" >&2; exit 1; }
    done
    if [[ "$WARMUP_BIG" == 1 ]]; then
        got=$(curl -sS --max-time 600 -o /dev/null -w '%{size_download}' "$url/big") || got=-1
        [[ "$got" == "$BYTES" ]] || { echo "$p: warm-up GET of /big got $got bytes" >&2; exit 1; }
    fi
    m=${MEMPID[$p]}
    before=$(status_kib "$m" VmRSS)
    echo 5 > "/proc/$m/clear_refs"
    peak=$before spool=0 limited=no
    curl -sS --limit-rate "$RATE" -o /dev/null -w '%{size_download} %{time_total}\n' "$url/big" \
        > "$DIR/curl.out" 2> "$DIR/curl.err" &
    CURL=$!
    while kill -0 "$CURL" 2> /dev/null; do
        rss=$(status_kib "$m" VmRSS) || break
        (( rss > peak )) && peak=$rss
        if [[ "$p" == nginx* ]]; then
            s=$(spooled_kib "$p" "$m")
            (( s > spool )) && spool=$s
        fi
        if (( rss * 1024 > RSS_LIMIT )); then
            limited=yes
            kill -KILL "$CURL" 2> /dev/null || true
        fi
        sleep 0.1
    done
    wait "$CURL" || true
    CURL=
    alive "$p" || { echo "$p died during the download:" >&2; cat "$DIR/$p.log" "$DIR/$p/error.log" >&2 2> /dev/null; exit 1; }
    hwm=$(status_kib "$m" VmHWM)
    read -r size secs < "$DIR/curl.out" || { size=0; secs=0; }
    stop "$p"
    verdict=ok
    if [[ "$size" != "$BYTES" ]]; then
        verdict="got $size of $BYTES bytes"
        if [[ $limited == yes ]]; then verdict="$verdict, stopped at RSS_LIMIT"; fi
        verdict="$verdict $(head -c 200 "$DIR/curl.err" | tr '\n' ' ')"
    fi
    spooled="—"
    [[ "$p" == nginx* ]] && spooled="$(mib "$spool") MiB"
    echo "$p|$size|$secs|$(mib "$before")|$(mib $((hwm - before)))|$(mib $((peak - before)))|$spooled|$verdict" >> "$RESULTS"
    echo "  $p: $size bytes in ${secs}s, VmRSS before $(mib "$before") MiB, VmHWM $(mib "$hwm") MiB, growth" \
        "$(mib $((hwm - before))) MiB (sampled $(mib $((peak - before))) MiB), spooled $spooled: $verdict"
done

echo
printf '| %-14s | %12s | %7s | %16s | %18s | %20s | %12s | %s |\n' proxy "bytes" "s" "VmRSS before MiB" \
    "peak growth MiB" "sampled growth MiB" "spooled" check
printf '| %-14s | %12s | %7s | %16s | %18s | %20s | %12s | %s |\n' --- --- --- --- --- --- --- ---
while IFS='|' read -r p size secs before growth sampled spooled verdict; do
    printf '| %-14s | %12s | %7.1f | %16s | %18s | %20s | %12s | %s |\n' "$p" "$size" "$secs" "$before" \
        "$growth" "$sampled" "$spooled" "$verdict"
done < "$RESULTS"
