#!/usr/bin/env bash
# Reproduces each crasher given on the command line with the et4j_fuzz_load
# binary and prints one tab-separated line per file:
#   sha256 size error-kind where(facade|executorch|harness|other) facade-entry
#   top-frame last-runtime-log-line
# (the INDEX.tsv columns of fuzz/crashers from sha256 on, without in_jvm).
# "where" is decided by the first stack frame outside the sanitizer runtime
# and libc: src/facade/*.cpp or src/worker/client_*.cpp -> facade, libexecutorch*.so -> executorch.
# Usage: triage.sh BINARY crash-file...
# Every argument must be an existing regular file (else exit 2). The full
# report of each file goes to $TRIAGE_REPORTS/<file name>.txt, by default
# target/fuzz-artifacts/reports/ under the repository: never next to the input.
# Paths printed in the row are relative to the repository (no machine paths).
# ASAN_OPTIONS defaults to allocator_may_return_null=1 so that an oversized
# malloc behaves as in production (NULL, which the facade handles) instead of
# being reported; set ASAN_OPTIONS= to see those reports.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
usage() { echo "usage: triage.sh BINARY crash-file... (reports in \$TRIAGE_REPORTS, default target/fuzz-artifacts/reports)" >&2; exit 2; }
[ $# -ge 2 ] || usage
bin=$1; shift
[ -f "$bin" ] && [ -x "$bin" ] || { echo "triage.sh: $bin is not an executable file" >&2; exit 2; }
for f in "$@"; do
  [ -f "$f" ] || { echo "triage.sh: $f is not an existing regular file" >&2; exit 2; }
done
REPORTS=${TRIAGE_REPORTS:-$ROOT/target/fuzz-artifacts/reports}
mkdir -p "$REPORTS" || { echo "triage.sh: cannot create $REPORTS" >&2; exit 2; }
REPORTS=$(cd "$REPORTS" && pwd)
# The machine-specific prefixes stripped from frames: the SDK's lib dir, then the repository root.
sdk_lib_re="$(printf '%s' "$ROOT" | sed 's/[.[\*^$/]/\\&/g')/\.cache/executorch-sdk-[0-9.]+/executorch/lib/"
root_re="$(printf '%s' "$ROOT" | sed 's/[.[\*^$/]/\\&/g')/"
for f in "$@"; do
  out="$REPORTS/$(basename "$f").txt"
  EXECUTORCH4J_LOG=1 ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1} UBSAN_OPTIONS=print_stacktrace=1 \
    timeout 60 "$bin" -rss_limit_mb=2048 -malloc_limit_mb=1048576 "$f" >"$out" 2>&1
  kind=$(grep -a -m1 -oE "^SUMMARY: [A-Za-z]+Sanitizer: [A-Za-z-]+" "$out" | sed 's/^SUMMARY: //')
  [ -z "$kind" ] && kind=$(grep -a -m1 -oE "ERROR: libFuzzer: [a-z-]+|runtime error: [a-z ]+" "$out")
  [ -z "$kind" ] && kind="no-crash"
  # First frame that is not the sanitizer runtime, libc or libFuzzer itself.
  frame=$(grep -aE "^ +#[0-9]+ " "$out" |
    grep -vE "<unknown module>|__sanitizer|pthread_kill|in raise |in abort |pal_abort|runtime_abort|libc\.so\.6\+|libclang_rt|compiler-rt|sanitizer_common|asan_|ubsan_|libc\.so|libc-start|libc_start|__interceptor|interceptors|in (malloc|calloc|realloc|free|memcpy|memmove|memset|strlen|abort|raise|operator new|operator delete)|in __(memcpy|memmove|memset)|fuzzer::" |
    head -1 | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ (in )?//; s/ \(BuildId.*//' |
    sed -E "s#$sdk_lib_re##g; s#$root_re##g; s#/[^ ()]*/\.cache/executorch-sdk-[0-9.]+/executorch/lib/##g")
  # The facade entry point the crash happened under.
  via=$(grep -aE "^ +#[0-9]+ .* in et_[a-z_]+ .*src/(facade/[a-z_]+|worker/client_[a-z]+)\.cpp" "$out" | head -1 | sed -E 's/.* in (et_[a-z_]+) .*/\1/')
  case "$frame" in
    *src/facade/*.cpp*|*src/worker/client_*.cpp*) where=facade ;;
    *libexecutorch*|*executorch/runtime*|*executorch/extension*|*executorch/kernels*|*executorch/backends*) where=executorch ;;
    *fuzz_load.cpp*|*facade_test.cpp*) where=harness ;;
    *) where=other ;;
  esac
  # The runtime's last fatal/error log line (ET_CHECK messages before an abort).
  msg=$(grep -aE "^\[executorch [EF]\]" "$out" | tail -1 | cut -c1-140 | sed -E "s#$sdk_lib_re##g; s#$root_re##g")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(sha256sum "$f" | cut -c1-64)" "$(stat -c %s "$f")" \
    "$kind" "$where" "${via:--}" "${frame:0:150}" "$msg"
done
