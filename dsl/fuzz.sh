#!/usr/bin/env bash
# Fuzzes with Jazzer for a set time (default 5 minutes) one of dsl's fuzz tests (default the HTTP
# request parser's):
#   dsl/fuzz.sh [DURATION] [TEST] [MAVEN ARGS...]    e.g. dsl/fuzz.sh 30m, dsl/fuzz.sh 1h RandomGraphFuzzTest
#     HttpParserFuzzTest   the HTTP request parser; regression inputs in http/HttpParserFuzzTestInputs/parse
#     RandomGraphFuzzTest  random graphs under random readiness schedules, the input in place of the
#                          seed; regression inputs in RandomGraphFuzzTestInputs/graph
# Findings are written next to the test's regression inputs (dsl/src/test/resources/dev/pushback/dsl/
# ...); commit them once fixed, so that every later test run replays them. The corpus grown so far
# is kept in dsl/.cifuzz-corpus (not committed) and reused by the next run.
#
# JUnit's default timeout (120 s, junit-platform.properties) would stop the whole fuzzing run after
# two minutes and leave the input it was running as a false finding; it is turned off here. Jazzer
# still gives each single input that long (libFuzzer's -timeout) before it reports it as a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-5m}"
test="${2:-HttpParserFuzzTest}"
if [ -z "$(find dsl/src/test/java -name "$test.java" -print -quit)" ]; then
  echo "no fuzz test $test in dsl/src/test/java (HttpParserFuzzTest, RandomGraphFuzzTest)" >&2
  exit 2
fi
JAZZER_FUZZ=1 mvn -B -ntp -q -pl dsl -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.max_duration="$duration" -Djunit.jupiter.execution.timeout.mode=disabled "${@:3}"
