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
log "facade under AddressSanitizer + UBSan: lifecycle, errors, memory policies, close racing forward"
SDK="$CACHE/executorch-sdk-$EXECUTORCH_VERSION/executorch"
{ cmake -S native-libs -B target/asan-build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXECUTORCH_ROOT="$SDK" \
    -DCMAKE_INSTALL_PREFIX="$ROOT/target/natives-asan" -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" &&
  cmake --build target/asan-build -j"$(nproc)" && cmake --install target/asan-build; } >target/asan-build.log 2>&1 ||
  { tail -30 target/asan-build.log; die "ASan build of the facade failed (target/asan-build.log)"; }
# The JVM uses SIGSEGV itself (handle_segv=0); leaks are checked by LeakTest and the C facade test.
ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
LD_PRELOAD="$(gcc -print-file-name=libasan.so)" \
  mvn -B -ntp -q surefire:test -Dtest='ConcurrencyTest,LifecycleTest,ErrorsTest,MemoryPolicyTest,ProfilingTest,LinearRegressionTest' \
  -DargLine="--enable-native-access=ALL-UNNAMED -Dexecutorch4j.natives.dir=$ROOT/target/natives-asan" \
  -Dsurefire.reportsDirectory="$ROOT/target/asan-reports" >target/asan-tests.log 2>&1 ||
  { tail -40 target/asan-tests.log; die "tests under ASan failed (target/asan-tests.log)"; }

log "native fuzzing of the facade (bounded): ASan/LSan facade test over the fixtures, ${FUZZ_SECONDS:-60}s of libFuzzer"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash native-libs/fuzz/run.sh >target/native-fuzz.log 2>&1 ||
  { tail -40 target/native-fuzz.log; die "native fuzzing found a problem in the facade (target/native-fuzz.log)"; }
grep -E "execs|crash|facade test" target/native-fuzz.log | tail -5 || true

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
