#!/usr/bin/env bash
# Writes a text stub (.tbd) of macOS's /usr/lib/libc++.1.dylib that exports exactly the libc++
# symbols the ExecuTorch wheel's own dylibs import: the facade links against the system libc++
# the runtime already uses (not a second, static copy), and a symbol outside that set - one
# macOS 14 might not have - fails the link instead of the load on a user's Mac.
#   libcxx-tbd.sh SDK_LIB_DIR OUT.tbd
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
lib="$1" out="$2"
nm=$(llvm_tool llvm-nm)
symbols=$(for f in "$lib"/libexecutorch*.dylib; do "$nm" -m -u "$f"; done |
  awk '/\(from libc\+\+\)$/ { print $(NF-2) }' | sort -u)
[ -n "$symbols" ] || die "no libc++ imports found in $lib (is it the macOS wheel's lib folder?)"
{
  echo "--- !tapi-tbd"
  echo "tbd-version: 4"
  echo "targets: [ arm64-macos ]"
  echo "install-name: '/usr/lib/libc++.1.dylib'"
  echo "exports:"
  echo "  - targets: [ arm64-macos ]"
  echo "    symbols: ["
  echo "$symbols" | sed "s/.*/      '&',/" | sed '$ s/,$//'
  echo "    ]"
  echo "..."
} >"$out"
