#!/usr/bin/env bash
# Longer mutation fuzzing than CI's: every fixture, N cases each, forked JVMs.
#   fuzz/run.sh [--cases N] [--seed S] [--isolated]
# --isolated runs every case with Isolation.PROCESS: a case that crashes ExecuTorch then ends in
# WORKER_CRASHED (counted among the outcomes) instead of killing the forked JVM (a CRASH).
# Crashing inputs land in target/fuzz-crashers/; minimize one and commit it to fuzz/crashers
# (see fuzz/crashers/README.md) to have MutationFuzzTest replay it forever.
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
find_jdk
cases=1000 seed=$(date +%s) isolated=false
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) cases=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --isolated) isolated=true; shift ;;
    *) die "usage: fuzz/run.sh [--cases N] [--seed S] [--isolated]" ;;
  esac
done
cd "$ROOT"
mvn -q -B -ntp install -DskipTests -pl core -am
(cd core && mvn -q -B -ntp test-compile)
cp=$(cd core && mvn -q -B -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
log "fuzzing every fixture with $cases cases each (seed $seed, isolated: $isolated)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dexecutorch4j.fuzz.isolated=$isolated -cp "core/target/test-classes:core/target/classes:$cp" \
  executorch4j.fuzz.FuzzDriver fixtures target/fuzz-crashers "$seed" "$cases"
