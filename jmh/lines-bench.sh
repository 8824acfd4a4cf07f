#!/usr/bin/env bash
# Small elements at chunk speed (issue 8): the launcher's line commands against the programs a
# user would use instead, side by side and interleaved, JVM start-up included:
#
#   interleave A B  vs  paste -d '\n' A B      (two files of LINES lines each)
#   grep -F / regex vs  GNU grep (-F / -E)  and the JDK peer dev.pushback.jmh.JdkGrep
#                       (Files.lines(...).filter(...) into a BufferedWriter), on a ~1 GiB file
#   cat SMALL / LARGE vs GNU cat
#   union of the lines of A and B to a file (interleave A B > file), BEFORE_JAR vs this build
#
# Every output goes into a pipe (| cat > /dev/null) and, for interleave and grep, also straight
# to /dev/null and into a file. Each case runs REPS times, the implementations in turn (the order
# rotates); the script prints every run, then per case the median seconds and the ratio
# peer ÷ pushback of the medians (above 1: pushback is faster).
#
# Environment:
#   LINES=5000000   lines per input of interleave (~42 bytes each)
#   GREP_COPIES=5   the grep file is this many copies of input A (5 × 5M lines ≈ 1 GiB)
#   REPS=3          repetitions
#   BEFORE_JAR=...  an examples jar of an earlier build, for the union's before/after
#   JAVA=java, JAVA_OPTS="", BENCH_DIR (default ${TMPDIR:-/tmp}), CASES (default: all of
#                   "interleave grep cat union")
#
# Build first:  mvn -B -ntp -q package -DskipTests
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINES=${LINES:-5000000}
GREP_COPIES=${GREP_COPIES:-5}
REPS=${REPS:-3}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}
CASES=${CASES:-"interleave grep cat union"}
JAR="$ROOT/examples/target/pushback-examples.jar"
JMH_JAR="$ROOT/jmh/target/benchmarks.jar"
for jar in "$JAR" "$JMH_JAR"; do
    [[ -f "$jar" ]] || { echo "missing $jar: build first with  mvn -B -ntp -q package -DskipTests" >&2; exit 2; }
done
OURS="$JAVA $JAVA_OPTS -jar $JAR"
JDK="$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.JdkGrep"

DIR=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/lines-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM

echo "lines-bench: LINES=$LINES, GREP_COPIES=$GREP_COPIES, REPS=$REPS, $(nproc) cores, $(uname -r)"
echo "  $($JAVA -version 2>&1 | head -1); $(grep --version | head -1); $(paste --version | head -1)"
awk -v n="$LINES" 'BEGIN { for (i = 0; i < n; i++) printf "a line %d of the log with some words\n", i }' > "$DIR/a"
awk -v n="$LINES" 'BEGIN { for (i = 0; i < n; i++) printf "b line %d of the log with some words\n", i }' > "$DIR/b"
for ((i = 0; i < GREP_COPIES; i++)); do cat "$DIR/a"; done > "$DIR/big"
head -c 4096 "$DIR/a" > "$DIR/small"
echo "  inputs: a, b $(stat -c %s "$DIR/a") bytes each; big $(stat -c %s "$DIR/big") bytes"

RESULTS="$DIR/results"
: > "$RESULTS"

# run CASE IMPL COMMAND...: times the command (a shell pipeline) once and records it.
run() {
    local case=$1 impl=$2; shift 2
    local start end
    start=$(date +%s%N)
    bash -c "$*" || [[ $? == 1 && $case == grep* ]] # grep's 1 is "no line", not a failure
    end=$(date +%s%N)
    local seconds
    seconds=$(awk -v n=$((end - start)) 'BEGIN { printf "%.3f", n / 1e9 }')
    echo "$case $impl $seconds" >> "$RESULTS"
    printf '  %-24s %-9s %8s s\n' "$case" "$impl" "$seconds"
}

# bench CASE "impl=command" ...: REPS rounds, the implementations in rotating order.
bench() {
    local case=$1; shift
    local specs=("$@") count=$# rep i
    for ((rep = 0; rep < REPS; rep++)); do
        for ((i = 0; i < count; i++)); do
            local spec=${specs[$(((i + rep) % count))]}
            run "$case" "${spec%%=*}" "${spec#*=}"
        done
    done
}

A="$DIR/a"; B="$DIR/b"; BIG="$DIR/big"; OUT="$DIR/out"
for case in $CASES; do
    case $case in
        interleave)
            bench interleave-pipe "paste=paste -d '\n' $A $B | cat > /dev/null" "pushback=$OURS interleave $A $B | cat > /dev/null"
            bench interleave-null "paste=paste -d '\n' $A $B > /dev/null" "pushback=$OURS interleave $A $B > /dev/null"
            bench interleave-file "paste=paste -d '\n' $A $B > $OUT" "pushback=$OURS interleave $A $B > $OUT"
            ;;
        grep)
            bench grep-F-pipe "gnu=grep -F 'line 4' $BIG | cat > /dev/null" "jdk=$JDK -F 'line 4' $BIG | cat > /dev/null" \
                "pushback=$OURS grep -F 'line 4' $BIG | cat > /dev/null"
            bench grep-F-file "gnu=grep -F 'line 4' $BIG > $OUT" "jdk=$JDK -F 'line 4' $BIG > $OUT" \
                "pushback=$OURS grep -F 'line 4' $BIG > $OUT"
            bench grep-regex-pipe "gnu=grep -E 'line [0-9]+7 of' $BIG | cat > /dev/null" \
                "jdk=$JDK 'line [0-9]+7 of' $BIG | cat > /dev/null" "pushback=$OURS grep 'line [0-9]+7 of' $BIG | cat > /dev/null"
            ;;
        cat)
            bench cat-small "gnu=cat $DIR/small | cat > /dev/null" "pushback=$OURS cat $DIR/small | cat > /dev/null"
            bench cat-large "gnu=cat $BIG | cat > /dev/null" "pushback=$OURS cat $BIG | cat > /dev/null"
            ;;
        union)
            if [[ -n "${BEFORE_JAR:-}" ]]; then
                bench union-file "before=$JAVA $JAVA_OPTS -jar $BEFORE_JAR interleave $A $B > $OUT" "pushback=$OURS interleave $A $B > $OUT"
            else
                echo "  union: set BEFORE_JAR to an earlier build's examples jar to compare" >&2
            fi
            ;;
        *) echo "unknown case '$case'" >&2; exit 2 ;;
    esac
done

echo
awk '
    { t[$1, $2, ++n[$1, $2]] = $3; if (!(($1, $2) in seen)) { seen[$1, $2]; impls[$1] = impls[$1] " " $2 }
      if (!($1 in order)) { order[$1] = ++cases; names[cases] = $1 } }
    function median(c, i,   m, k, j, v, a) {
        m = n[c, i]
        for (k = 1; k <= m; k++) a[k] = t[c, i, k]
        for (k = 2; k <= m; k++) { v = a[k]; for (j = k - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    END {
        printf "%-18s %-9s %9s %22s\n", "case", "impl", "median s", "peer ÷ pushback"
        for (c = 1; c <= cases; c++) {
            x = names[c]; ours = median(x, "pushback")
            k = split(substr(impls[x], 2), list, " ")
            for (i = 1; i <= k; i++) {
                md = median(x, list[i])
                printf "%-18s %-9s %9.3f %22s\n", x, list[i], md, list[i] == "pushback" ? "" : sprintf("%.2f", md / ours)
            }
        }
    }' "$RESULTS"
