#!/usr/bin/env bash
# Runs every test: the native facade build, the Java unit tests against the
# real fixtures, and the consumer example that depends only on the jar.
set -euo pipefail
source "$(dirname "$0")/common.sh"
find_jdk
need mvn "install Maven 3.8+ (apt install maven)"
cd "$ROOT"
log "unit tests (JDK: $JAVA_HOME)"
mvn -B -ntp install
log "Godot host harness self-test under AddressSanitizer + UBSan (ctest)"
cmake -S native-libs/godot/host -B target/gdhost-asan -DGDHOST_ASAN=ON -DCMAKE_BUILD_TYPE=Debug >target/gdhost-asan.log 2>&1 &&
  cmake --build target/gdhost-asan -j"$(nproc)" >>target/gdhost-asan.log 2>&1 &&
  (cd target/gdhost-asan && ctest --output-on-failure >>../gdhost-asan.log 2>&1) ||
  { tail -40 target/gdhost-asan.log; die "harness self-test failed (target/gdhost-asan.log)"; }
log "consumer example (depends only on the installed jar)"
mvn -B -ntp -q -f examples/consumer/pom.xml package
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "examples/consumer/target/consumer-1.0.jar:$HOME/.m2/repository/io/github/executorch4j/executorch4j/0.1.0-SNAPSHOT/executorch4j-0.1.0-SNAPSHOT.jar" \
  example.Consumer fixtures/linear_regression.pte
log "benchmarks compile and every benchmark body runs once (no timing is asserted)"
mvn -B -ntp -q -f bench/pom.xml package
"$JAVA_HOME/bin/java" -jar bench/target/benchmarks.jar -f 0 -wi 0 -i 1 -r 20ms -foe true >target/bench-smoke.log 2>&1 ||
  { tail -30 target/bench-smoke.log; die "a benchmark failed (target/bench-smoke.log)"; }
log "all tests passed"
