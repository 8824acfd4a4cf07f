#!/usr/bin/env bash
# Times tee through pipes, side by side, interleaved: GNU tee, a hand-written Java NIO copy loop
# (dev.pushback.jmh.NioTee) and pushback's tee. For each repetition every implementation runs
#
#     head -c $BYTES /dev/zero | <tee> OUT1 OUT2 > /dev/null
#
# (the order rotates from one repetition to the next), then the script prints each run's time
# and, per implementation, the median and best time and throughput, and pushback's throughput
# divided by each peer's (above 1: pushback is faster).
#
# Environment:
#   GIB=8          data volume in GiB (default 8); BYTES=n overrides it with an exact byte count
#   REPS=3         repetitions of each implementation
#   OUT=files      files: OUT1 and OUT2 are files in a temp dir (needs 2 × the volume free; they
#                  are deleted after every run) — this measures the page cache and, once dirty
#                  pages pass the kernel's limits, the disk;
#                  null: OUT1 and OUT2 are /dev/null — measures tee itself (pipes, copies, threads)
#   IMPLS="gnu nio pushback"    which implementations to run
#   PUSHBACK_TEE="cmd ..."      pushback's tee command (file names are appended); default: the
#                  examples launcher `java -jar examples/target/pushback-examples.jar tee` if it is
#                  built and works, else the stand-in dev.pushback.jmh.PushbackTee from the jmh jar
#   JAVA=java, JAVA_OPTS=""     the JVM and its options, for both Java implementations
#   TEE_BENCH_DIR  where the temp dir goes (default ${TMPDIR:-/tmp})
#
# Build first:  mvn -B -ntp -q package -DskipTests      (jmh/target/benchmarks.jar)
# Example:      GIB=2 REPS=3 jmh/tee-bench.sh ;  OUT=null GIB=8 jmh/tee-bench.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GIB=${GIB:-8}
BYTES=${BYTES:-$((GIB * 1024 * 1024 * 1024))}
REPS=${REPS:-3}
OUT=${OUT:-files}
IMPLS=${IMPLS:-"gnu nio pushback"}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}
JMH_JAR="$ROOT/jmh/target/benchmarks.jar"
EXAMPLES_JAR="$ROOT/examples/target/pushback-examples.jar"

case "$OUT" in files|null) ;; *) echo "OUT must be files or null, not '$OUT'" >&2; exit 2 ;; esac
if [[ ! -f "$JMH_JAR" ]]; then
    echo "missing $JMH_JAR: build it first with  mvn -B -ntp -q package -DskipTests" >&2
    exit 2
fi

DIR=$(mktemp -d "${TEE_BENCH_DIR:-${TMPDIR:-/tmp}}/tee-bench.XXXXXX")
cleanup() { rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2086
if [[ -z "${PUSHBACK_TEE:-}" ]]; then
    PUSHBACK_TEE="$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.PushbackTee"
    if [[ -f "$EXAMPLES_JAR" ]] && printf 'probe' | $JAVA $JAVA_OPTS -jar "$EXAMPLES_JAR" tee "$DIR/probe" 2>/dev/null \
            | cmp -s - <(printf 'probe') && cmp -s "$DIR/probe" <(printf 'probe'); then
        PUSHBACK_TEE="$JAVA $JAVA_OPTS -jar $EXAMPLES_JAR tee"
    fi
    rm -f "$DIR/probe"
fi

command_of() {
    case "$1" in
        gnu) echo "tee" ;;
        nio) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.NioTee" ;;
        pushback) echo "$PUSHBACK_TEE" ;;
        *) echo "unknown implementation '$1'" >&2; exit 2 ;;
    esac
}

if [[ "$OUT" == files ]]; then
    OUT1="$DIR/out1"; OUT2="$DIR/out2"
    avail=$(df -P -B1 "$DIR" | awk 'NR == 2 { print $4 }')
    need=$((2 * BYTES + 256 * 1024 * 1024))
    if (( avail < need )); then
        echo "not enough space in $DIR: $((avail >> 20)) MiB free, need $((need >> 20)) MiB; lower GIB/BYTES or set TEE_BENCH_DIR" >&2
        exit 2
    fi
else
    OUT1=/dev/null; OUT2=/dev/null
fi

gib=$(awk -v b="$BYTES" 'BEGIN { printf "%.3g", b / 1073741824 }')
echo "tee-bench: $BYTES bytes ($gib GiB), OUT=$OUT, $REPS repetitions, $(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1)"
for impl in $IMPLS; do
    printf '  %-9s %s\n' "$impl:" "$(command_of "$impl") $OUT1 $OUT2"
done

read -r -a impls <<< "$IMPLS"
RESULTS="$DIR/results"
: > "$RESULTS"
printf '%-4s %-9s %10s %10s\n' rep impl seconds "GiB/s"
for ((rep = 1; rep <= REPS; rep++)); do
    count=${#impls[@]}
    for ((i = 0; i < count; i++)); do
        impl=${impls[$(((i + rep - 1) % count))]}
        cmd=$(command_of "$impl")
        start=$(date +%s%N)
        # shellcheck disable=SC2086
        head -c "$BYTES" /dev/zero | $cmd "$OUT1" "$OUT2" > /dev/null
        end=$(date +%s%N)
        if [[ "$OUT" == files ]]; then
            for f in "$OUT1" "$OUT2"; do
                size=$(stat -c %s "$f")
                if (( size != BYTES )); then
                    echo "$impl wrote $size bytes to $f, expected $BYTES" >&2
                    exit 1
                fi
            done
            rm -f "$OUT1" "$OUT2"
            sync
        fi
        seconds=$(awk -v n=$((end - start)) 'BEGIN { printf "%.3f", n / 1e9 }')
        echo "$impl $seconds" >> "$RESULTS"
        printf '%-4s %-9s %10s %10s\n' "$rep" "$impl" "$seconds" \
            "$(awk -v b="$BYTES" -v s="$seconds" 'BEGIN { printf "%.2f", b / 1073741824 / s }')"
    done
done

echo
awk -v bytes="$BYTES" -v order="$IMPLS" '
    { t[$1, ++n[$1]] = $2 }
    function median(impl,   k, m, i, j, v, a) {
        m = n[impl]
        for (i = 1; i <= m; i++) a[i] = t[impl, i]
        for (i = 2; i <= m; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    function best(impl,   i, b) { b = t[impl, 1]; for (i = 2; i <= n[impl]; i++) if (t[impl, i] < b) b = t[impl, i]; return b }
    END {
        g = bytes / 1073741824
        k = split(order, names, " ")
        printf "%-9s %10s %10s %12s %12s\n", "impl", "median s", "best s", "median GiB/s", "best GiB/s"
        for (i = 1; i <= k; i++) {
            x = names[i]; md[x] = median(x); bs[x] = best(x)
            printf "%-9s %10.3f %10.3f %12.2f %12.2f\n", x, md[x], bs[x], g / md[x], g / bs[x]
        }
        if (("pushback" in md)) {
            print ""
            print "throughput ratios (pushback ÷ peer; above 1 means pushback is faster):"
            for (i = 1; i <= k; i++) {
                x = names[i]
                if (x == "pushback") continue
                printf "  pushback ÷ %-4s  median %.2f   best %.2f\n", x, md[x] / md["pushback"], bs[x] / bs["pushback"]
            }
        }
    }' "$RESULTS"
