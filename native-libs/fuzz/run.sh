#!/usr/bin/env bash
# Sanitizer checks of the et4j facade (see README.md in this folder):
#  1. builds et4j_fuzz_load (libFuzzer) and et4j_facade_test with clang and
#     -fsanitize=address,undefined in target/fuzz-build;
#  2. runs et4j_facade_test with LeakSanitizer on over fixtures/*.pte (the
#     XNNPACK backend must be registered; only custom_op.pte,
#     unknown_backend.pte and mlp_openvino.pte (OpenVINO is loaded on demand by the Java side,
#     never by this test) may fail to load, each with its own error) and over
#     the fuzz/crashers rows marked rejected-at-load (each must be refused
#     with an error, nothing leaked);
#  3. checks fuzz/crashers/INDEX.tsv against the files and triages the other
#     committed crashers: none may crash in the facade;
#  4. fuzzes program loading/execution for ${FUZZ_SECONDS:-60} seconds, seeded
#     from the fixtures into .cache/fuzz-corpus (git-ignored), checks from
#     fuzz.log that libFuzzer really ran that long and executed inputs, then
#     triages every crash with triage.sh into target/fuzz-artifacts/triage.txt.
# Exits non-zero if the facade test fails, the fuzzer did not run, or a
# crash's faulting frame is in the facade (src/facade, src/worker/client_*). Crashes inside the
# prebuilt ExecuTorch libraries are listed but do not fail the run
# (FUZZ_STRICT=1 makes any crash fail).
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

mkdir -p "$CORPUS" "$ART"
CRASHERS="$ROOT/fuzz/crashers"
[ -f "$CRASHERS/INDEX.tsv" ] || die "fuzz/crashers/INDEX.tsv is missing"
rejected=$(awk -F'\t' 'NR > 1 && $4 == "rejected-at-load" {print $1}' "$CRASHERS/INDEX.tsv")
others=$(awk -F'\t' 'NR > 1 && $4 != "rejected-at-load" {print $1}' "$CRASHERS/INDEX.tsv")
[ -n "$rejected" ] || die "fuzz/crashers/INDEX.tsv lists no rejected-at-load reproducer"

log "facade test (ASan + LSan + UBSan) over fixtures/*.pte and the $(echo "$rejected" | wc -l) rejected-at-load crashers"
mapfile -t rejected_paths < <(echo "$rejected" | sed "s#^#$CRASHERS/#")
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$BUILD/et4j_facade_test" --require-backend XnnpackBackend \
    --expect-error custom_op.pte=operator_missing --expect-error unknown_backend.pte=backend_unavailable \
    --expect-error mlp_openvino.pte=backend_unavailable \
    "$ROOT"/fixtures/*.pte --reject "${rejected_paths[@]}" >"$BUILD/facade-test.log" 2>&1 ||
  { tail -40 "$BUILD/facade-test.log" >&2; die "facade test failed (target/fuzz-build/facade-test.log)"; }
tail -3 "$BUILD/facade-test.log" >&2

log "fuzz/crashers: INDEX.tsv matches the files; the $(echo "$others" | wc -l) not rejected at load do not crash in the facade"
listed=$(awk -F'\t' 'NR > 1 {print $1}' "$CRASHERS/INDEX.tsv" | sort)
present=$(cd "$CRASHERS" && ls -1 | grep -vxE 'INDEX\.tsv|README\.md' | sort)
[ "$listed" = "$present" ] || { diff <(echo "$listed") <(echo "$present") >&2; die "fuzz/crashers and its INDEX.tsv disagree (< listed only, > file only)"; }
awk -F'\t' 'NR > 1 {print $2 "  " $1}' "$CRASHERS/INDEX.tsv" | (cd "$CRASHERS" && sha256sum --quiet -c -) >&2 ||
  die "a file in fuzz/crashers does not match its sha256 in INDEX.tsv"
mapfile -t other_paths < <(echo "$others" | sed "s#^#$CRASHERS/#")
TRIAGE_REPORTS="$ART/crashers-reports" "$HERE/triage.sh" "$BUILD/et4j_fuzz_load" "${other_paths[@]}" \
  >"$ART/crashers-triage.txt" || die "triage of fuzz/crashers failed"
if awk -F'\t' '$4 == "facade" {found=1} END {exit !found}' "$ART/crashers-triage.txt"; then
  awk -F'\t' '$4 == "facade"' "$ART/crashers-triage.txt" >&2
  die "a committed crasher now crashes in the facade: see ${ART#$ROOT/}/crashers-triage.txt"
fi

log "fuzzing et4j_fuzz_load for ${FUZZ_SECONDS}s (corpus ${CORPUS#$ROOT/})"
cp -n "$ROOT"/fixtures/*.pte "$CORPUS"/
rm -rf "$ART"/crash-* "$ART"/oom-* "$ART"/timeout-* "$ART"/leak-* "$ART/reports"
# allocator_may_return_null: a huge malloc asked for by a corrupt program
# returns NULL as it does in production (the facade handles that) instead of
# being reported; -malloc_limit_mb likewise keeps libFuzzer from calling it an OOM.
# Fork mode with -ignore_crashes keeps fuzzing past the known ExecuTorch crashes;
# its exit status is then that of the last failing job, so whether the fuzzer
# really ran is read from fuzz.log below.
started=$SECONDS
set +e
( cd "$ART" && ASAN_OPTIONS=allocator_may_return_null=1 "$BUILD/et4j_fuzz_load" \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1048576 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -print_final_stats=1 \
    -artifact_prefix="$ART/" "$CORPUS" >"$ART/fuzz.log" 2>&1 )
rc=$?
set -e
elapsed=$((SECONDS - started))
# The fork-mode status lines are "#EXECS: cov: ... time: Ns job: N"; a run that
# went the distance ends with "INFO: fuzzed for N seconds, wrapping up soon" and
# "INFO: exiting: RC time: Ns".
execs=$(grep -aoE '^#[0-9]+:' "$ART/fuzz.log" | tail -1 | tr -d '#:' || true)
fuzzed=$(grep -aoE '^INFO: fuzzed for [0-9]+ seconds' "$ART/fuzz.log" | tail -1 | grep -oE '[0-9]+' || true)
exit_rc=$(grep -aoE '^INFO: exiting: [0-9]+ time' "$ART/fuzz.log" | tail -1 | grep -oE '[0-9]+' || true)
grep -a '^#' "$ART/fuzz.log" | tail -1 >&2 || true
not_run() { grep -aE '^(ERROR|WARNING|INFO: exiting)' "$ART/fuzz.log" | grep -v 'libFuzzer: deadly' | tail -5 >&2 || true; die "the fuzzer did not run: $* (exit status $rc after ${elapsed}s; ${ART#$ROOT/}/fuzz.log)"; }
[ -n "$execs" ] && [ "$execs" -gt 0 ] || not_run "no fork-mode status line with a positive number of executions"
[ -n "$fuzzed" ] || not_run "no 'INFO: fuzzed for N seconds' line: it stopped before -max_total_time"
[ "$fuzzed" -ge "$FUZZ_SECONDS" ] || not_run "it fuzzed for ${fuzzed}s of ${FUZZ_SECONDS}s"
[ "$elapsed" -ge "$FUZZ_SECONDS" ] || not_run "it returned after ${elapsed}s of ${FUZZ_SECONDS}s"
[ -n "$exit_rc" ] && [ "$exit_rc" = "$rc" ] || not_run "no 'INFO: exiting: $rc' line"
grep -aqE '^WARNING: unrecognized flag' "$ART/fuzz.log" && not_run "$(grep -a -m1 '^WARNING: unrecognized flag' "$ART/fuzz.log")"
log "fuzzer ran ${elapsed}s: $execs executions"

crashes=$(find "$ART" -maxdepth 1 -name 'crash-*' | sort)
if [ -z "$crashes" ]; then
  log "no crashes"
  exit 0
fi
TRIAGE_REPORTS="$ART/reports" "$HERE/triage.sh" "$BUILD/et4j_fuzz_load" $crashes >"$ART/triage.txt"
log "$(echo "$crashes" | wc -l) crash(es); by faulting location (full reports: ${ART#$ROOT/}/reports/):"
awk -F'\t' '{print $4 "\t" $3 "\t" $6}' "$ART/triage.txt" | sed -E 's/0x[0-9a-f]+/0x?/g' | sort | uniq -c >&2
if awk -F'\t' '$4 == "facade" {found=1} END {exit !found}' "$ART/triage.txt"; then
  awk -F'\t' '$4 == "facade"' "$ART/triage.txt" >&2
  die "crash(es) in the facade: see ${ART#$ROOT/}/triage.txt"
fi
[ "${FUZZ_STRICT:-0}" = 1 ] && die "crashes found (FUZZ_STRICT=1)"
log "no crash in the facade; crashes in the prebuilt ExecuTorch libraries are listed in ${ART#$ROOT/}/triage.txt"
