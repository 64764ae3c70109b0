#!/usr/bin/env bash
# Reproduces each crasher given on the command line with the et4j_fuzz_load
# binary and prints one tab-separated line per file:
#   sha256 size error-kind where(facade|executorch|harness|other) facade-entry
#   top-frame last-runtime-log-line
# "where" is decided by the first stack frame outside the sanitizer runtime
# and libc: et4j.cpp -> facade, libexecutorch*.so -> executorch.
# Usage: triage.sh BINARY crash-file... (full reports go to <file>.txt)
# ASAN_OPTIONS defaults to allocator_may_return_null=1 so that an oversized
# malloc behaves as in production (NULL, which the facade handles) instead of
# being reported; set ASAN_OPTIONS= to see those reports.
set -uo pipefail
bin=$1; shift
for f in "$@"; do
  out="$f.txt"
  EXECUTORCH4J_LOG=1 ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1} UBSAN_OPTIONS=print_stacktrace=1 \
    timeout 60 "$bin" -rss_limit_mb=2048 -malloc_limit_mb=1048576 "$f" >"$out" 2>&1
  kind=$(grep -a -m1 -oE "^SUMMARY: [A-Za-z]+Sanitizer: [A-Za-z-]+" "$out" | sed 's/^SUMMARY: //')
  [ -z "$kind" ] && kind=$(grep -a -m1 -oE "ERROR: libFuzzer: [a-z-]+|runtime error: [a-z ]+" "$out")
  [ -z "$kind" ] && kind="no-crash"
  # First frame that is not the sanitizer runtime, libc or libFuzzer itself.
  frame=$(grep -aE "^ +#[0-9]+ " "$out" |
    grep -vE "<unknown module>|__sanitizer|pthread_kill|in raise |in abort |pal_abort|runtime_abort|libc\.so\.6\+|libclang_rt|compiler-rt|sanitizer_common|asan_|ubsan_|libc\.so|libc-start|libc_start|__interceptor|interceptors|in (malloc|calloc|realloc|free|memcpy|memmove|memset|strlen|abort|raise|operator new|operator delete)|in __(memcpy|memmove|memset)|fuzzer::" |
    head -1 | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ (in )?//; s/ \(BuildId.*//; s#/work/main/\.cache/executorch-sdk-[0-9.]+/executorch/lib/##; s#/work/main/##')
  # The facade entry point the crash happened under.
  via=$(grep -aE "^ +#[0-9]+ .* in et_[a-z_]+ .*et4j\.cpp" "$out" | head -1 | sed -E 's/.* in (et_[a-z_]+) .*/\1/')
  case "$frame" in
    *et4j.cpp*) where=facade ;;
    *libexecutorch*|*executorch/runtime*|*executorch/extension*|*executorch/kernels*|*executorch/backends*) where=executorch ;;
    *fuzz_load.cpp*|*facade_test.cpp*) where=harness ;;
    *) where=other ;;
  esac
  # The runtime's last fatal/error log line (ET_CHECK messages before an abort).
  msg=$(grep -aE "^\[executorch [EF]\]" "$out" | tail -1 | cut -c1-140)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(sha256sum "$f" | cut -c1-64)" "$(stat -c %s "$f")" \
    "$kind" "$where" "${via:--}" "${frame:0:150}" "$msg"
done
