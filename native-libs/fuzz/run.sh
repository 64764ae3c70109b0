#!/usr/bin/env bash
# Sanitizer checks of the et4j facade (see README.md in this folder):
#  1. builds et4j_fuzz_load (libFuzzer) and et4j_facade_test with clang and
#     -fsanitize=address,undefined in target/fuzz-build;
#  2. runs et4j_facade_test over fixtures/*.pte with LeakSanitizer on;
#  3. fuzzes program loading/execution for ${FUZZ_SECONDS:-60} seconds, seeded
#     from the fixtures into .cache/fuzz-corpus (git-ignored), then triages
#     every crash with triage.sh into target/fuzz-artifacts/triage.txt.
# Exits non-zero if the facade test fails or a crash's faulting frame is in
# the facade (et4j.cpp). Crashes inside the prebuilt ExecuTorch libraries are
# listed but do not fail the run (FUZZ_STRICT=1 makes any crash fail).
# Needs the ExecuTorch SDK in .cache (native-libs/build.sh downloads it).
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"

HERE="$ROOT/native-libs/fuzz"
BUILD="$ROOT/target/fuzz-build"
ART="$ROOT/target/fuzz-artifacts"
CORPUS="$CACHE/fuzz-corpus"
SDK="$CACHE/executorch-sdk-$EXECUTORCH_VERSION/executorch"
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

[ -f "$SDK/lib/libexecutorch.so" ] ||
  die "the ExecuTorch SDK is not in ${SDK#$ROOT/}: run native-libs/build.sh once (it downloads it)"
need cmake "install cmake (apt install cmake)"

CXX=""
for c in clang++-19 clang++-18 clang++-17 clang++-16 clang++-15 clang++-14 clang++; do
  if command -v "$c" >/dev/null 2>&1; then CXX=$(command -v "$c"); break; fi
done
[ -n "$CXX" ] || die "clang is needed for libFuzzer and the sanitizers: apt-get install clang-19 libclang-rt-19-dev (or clang-14 libclang-rt-14-dev)"
ver=$("$CXX" -dumpversion | cut -d. -f1)

# The sanitizer and libFuzzer runtimes live in a separate Debian package.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long){return 0;}' >"$probe/p.cpp"
"$CXX" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >"$probe/log" 2>&1 || {
  cat "$probe/log" >&2
  die "$CXX cannot link -fsanitize=fuzzer,address,undefined: the sanitizer runtime is missing; apt-get install libclang-rt-$ver-dev"
}

log "building the sanitizer targets with $CXX in ${BUILD#$ROOT/}"
cmake -S "$HERE" -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX" -DEXECUTORCH_ROOT="$SDK" >"$BUILD.log" 2>&1 ||
  { cat "$BUILD.log" >&2; die "cmake configure failed"; }
cmake --build "$BUILD" -j"$(nproc)" >>"$BUILD.log" 2>&1 || { tail -40 "$BUILD.log" >&2; die "build failed"; }

log "facade test (ASan + LSan + UBSan) over fixtures/*.pte"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$BUILD/et4j_facade_test" "$ROOT"/fixtures/*.pte || die "facade test failed (see above)"

log "fuzzing et4j_fuzz_load for ${FUZZ_SECONDS}s (corpus ${CORPUS#$ROOT/})"
mkdir -p "$CORPUS" "$ART"
cp -n "$ROOT"/fixtures/*.pte "$CORPUS"/
rm -f "$ART"/crash-* "$ART"/oom-* "$ART"/timeout-* "$ART"/leak-*
# allocator_may_return_null: a huge malloc asked for by a corrupt program
# returns NULL as it does in production (the facade handles that) instead of
# being reported; -malloc_limit_mb likewise keeps libFuzzer from calling it an OOM.
# Fork mode with -ignore_crashes keeps fuzzing past the known ExecuTorch crashes.
( cd "$ART" && ASAN_OPTIONS=allocator_may_return_null=1 "$BUILD/et4j_fuzz_load" \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1048576 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -print_final_stats=1 \
    -artifact_prefix="$ART/" "$CORPUS" >"$ART/fuzz.log" 2>&1 ) || true
grep -a '^#' "$ART/fuzz.log" | tail -1 >&2 || true

crashes=$(find "$ART" -maxdepth 1 -name 'crash-*' ! -name '*.txt' | sort)
if [ -z "$crashes" ]; then
  log "no crashes"
  exit 0
fi
"$HERE/triage.sh" "$BUILD/et4j_fuzz_load" $crashes >"$ART/triage.txt"
log "$(echo "$crashes" | wc -l) crash(es); by faulting location (full reports: ${ART#$ROOT/}/crash-*.txt):"
awk -F'\t' '{print $4 "\t" $3 "\t" $6}' "$ART/triage.txt" | sed -E 's/0x[0-9a-f]+/0x?/g' | sort | uniq -c >&2
if awk -F'\t' '$4 == "facade" {found=1} END {exit !found}' "$ART/triage.txt"; then
  awk -F'\t' '$4 == "facade"' "$ART/triage.txt" >&2
  die "crash(es) in the facade (et4j.cpp): see ${ART#$ROOT/}/triage.txt"
fi
[ "${FUZZ_STRICT:-0}" = 1 ] && die "crashes found (FUZZ_STRICT=1)"
log "no crash in the facade; crashes in the prebuilt ExecuTorch libraries are listed in ${ART#$ROOT/}/triage.txt"
