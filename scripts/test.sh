#!/usr/bin/env bash
# Runs every test: the Maven build of every module with its unit tests against the
# real fixtures, the facade under AddressSanitizer + UBSan, bounded native fuzzing,
# the Godot host harness self-test, the consumer example and a benchmark smoke run.
set -euo pipefail
source "$(dirname "$0")/common.sh"
find_jdk
need mvn "install Maven 3.8+ (apt install maven)"
cd "$ROOT"
mkdir -p target
log "build and unit tests of every module (JDK: $JAVA_HOME)"
mvn -B install

log "facade under AddressSanitizer + UBSan: lifecycle, errors, memory policies, close racing forward"
SDK="$CACHE/executorch-sdk-$EXECUTORCH_VERSION/executorch"
ASAN_NATIVES="$ROOT/core/target/natives-asan"
{ cmake -S native-libs -B target/asan-build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXECUTORCH_ROOT="$SDK" \
    -DCMAKE_INSTALL_PREFIX="$ASAN_NATIVES" -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" &&
  cmake --build target/asan-build -j"$(nproc)" && cmake --install target/asan-build; } >target/asan-build.log 2>&1 ||
  { tail -30 target/asan-build.log; die "ASan build of the facade failed (target/asan-build.log)"; }
# The JVM uses SIGSEGV itself (handle_segv=0); leaks are checked by LeakTest and the C facade test.
# NativeBuildTest fails unless the library loaded is the sanitized one named here.
ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
LD_PRELOAD="$(gcc -print-file-name=libasan.so)" \
  mvn -B -pl core surefire:test \
  -Dtest='NativeBuildTest,ConcurrencyTest,LifecycleTest,ErrorsTest,MemoryPolicyTest,ProfilingTest,LinearRegressionTest' \
  -DextraArgLine="-Dexecutorch4j.natives.dir=$ASAN_NATIVES -Dexecutorch4j.expect.sanitized=true" \
  -Dsurefire.reportsDirectory="$ROOT/target/asan-reports" >target/asan-tests.log 2>&1 ||
  { tail -60 target/asan-tests.log; die "tests under ASan failed (target/asan-tests.log)"; }
grep -m1 "facade loaded:" target/asan-tests.log >&2 || die "the sanitized run did not report which facade it loaded"
grep -E "Tests run: [0-9]+, Failures" target/asan-tests.log | tail -1 >&2

log "native fuzzing of the facade (bounded): ASan/LSan facade test over the fixtures and crashers, ${FUZZ_SECONDS:-60}s of libFuzzer"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash native-libs/fuzz/run.sh >target/native-fuzz.log 2>&1 ||
  { tail -40 target/native-fuzz.log; die "native fuzzing failed (target/native-fuzz.log)"; }
grep -E "execs|crash|facade test" target/native-fuzz.log | tail -5 >&2 || true

log "Godot host harness self-test under AddressSanitizer + UBSan (ctest)"
cmake -S godot/native/host -B target/gdhost-asan -DGDHOST_ASAN=ON -DCMAKE_BUILD_TYPE=Debug >target/gdhost-asan.log 2>&1 &&
  cmake --build target/gdhost-asan -j"$(nproc)" >>target/gdhost-asan.log 2>&1 &&
  (cd target/gdhost-asan && ctest --output-on-failure >>../gdhost-asan.log 2>&1) ||
  { tail -40 target/gdhost-asan.log; die "harness self-test failed (target/gdhost-asan.log)"; }

log "consumer example (depends only on the library jar)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "examples/consumer/target/consumer-1.0.jar:core/target/executorch4j-0.1.0-SNAPSHOT.jar" \
  example.Consumer fixtures/linear_regression.pte
log "the library jar carries no CLI or Godot class"
if unzip -l core/target/executorch4j-0.1.0-SNAPSHOT.jar | grep -E "executorch4j/(cli|godot)/"; then
  die "the core jar contains CLI or Godot classes"
fi
log "benchmarks compile and every benchmark body runs once (no timing is asserted)"
"$JAVA_HOME/bin/java" -jar bench/target/benchmarks.jar -f 0 -wi 0 -i 1 -r 20ms -foe true >target/bench-smoke.log 2>&1 ||
  { tail -30 target/bench-smoke.log; die "a benchmark failed (target/bench-smoke.log)"; }
log "all tests passed"
