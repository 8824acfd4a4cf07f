#!/usr/bin/env bash
# Fuzzes the HTTP request parser with Jazzer for a set time (default 5 minutes):
#   dsl/fuzz.sh [DURATION]        e.g. dsl/fuzz.sh 30m
# Findings are written next to the regression inputs (HttpParserFuzzTestInputs/parse); commit
# them once fixed, so that every later test run replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-5m}"
JAZZER_FUZZ=1 mvn -B -ntp -q -pl dsl -am test -Dtest=HttpParserFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.max_duration="$duration"
