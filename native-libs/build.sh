#!/usr/bin/env bash
# Builds the facade (libet4j.so / libet4j.dylib) against the ExecuTorch SDK from the PyPI wheel
# of each platform and stages it with the runtime libraries and a checksum index in
# NATIVES_DIR/<platform> (default core/target/natives, packed into the library jar by Maven).
# Platforms other than the host are cross-built: linux-aarch64 with Debian's
# g++-aarch64-linux-gnu, macos-aarch64 with zig (PyPI ziglang); scripts/setup-cross.sh installs
# what they need.
# Idempotent: a platform whose index is newer than native-libs/ is left as it is.
#   native-libs/build.sh [NATIVES_DIR] [PLATFORMS]   PLATFORMS: host (default), all, or a
#                                                     comma-separated list of linux-x86_64,
#                                                     linux-aarch64, macos-aarch64
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

NATIVES="${1:-$ROOT/core/target/natives}"
mapfile -t PLATFORMS < <(platform_list "${2:-host}")

up_to_date() {
  local out="$1"
  [ -f "$out/index.txt" ] || return 1
  [ -z "$(find "$ROOT/native-libs" -type f -newer "$out/index.txt" | head -1)" ]
}

build_platform() {
  local platform="$1" out="$NATIVES/$1" build="$ROOT/core/target/native-build/$1" sdk args=()
  if up_to_date "$out"; then return 0; fi
  sdk=$(executorch_sdk "$platform")
  read -ra args <<<"$(cmake_cross_args "$platform")"
  if [ "$platform" = macos-aarch64 ]; then
    mkdir -p "$build"
    bash "$ROOT/native-libs/toolchains/libcxx-tbd.sh" "$sdk/lib" "$build/libc++.tbd"
    args+=("-DET4J_LIBCXX_TBD=$build/libc++.tbd")
  fi
  need cmake "install cmake (apt install cmake, or pip install cmake)"
  mkdir -p "$build"
  log "building the native facade for $platform"
  { cmake -S "$ROOT/native-libs" -B "$build" -DCMAKE_BUILD_TYPE=Release "${args[@]}" \
      -DEXECUTORCH_ROOT="$sdk" -DCMAKE_INSTALL_PREFIX="$out" &&
    cmake --build "$build" -j"$(nproc)" &&
    rm -rf "$out" && cmake --install "$build"; } >"$build.log" 2>&1 ||
    { tail -40 "$build.log" >&2; die "native build for $platform failed (${build#$ROOT/}.log)"; }
  # The index lists each staged file with its SHA-256; NativeLoader extracts them from the jar
  # into a checksum-verified cache folder. The facade comes first.
  # et4j-worker (Linux only) is the isolated-execution worker, listed after the facade.
  ( cd "$out" && sha256sum libet4j.* $(ls et4j-worker 2>/dev/null) $(ls lib* | grep -v '^libet4j\.') | awk '{print $2, $1}' > index.txt )
  log "natives for $platform staged in ${out#$ROOT/} ($(du -sh "$out" | cut -f1))"
}

mkdir -p "$NATIVES"
for p in "${PLATFORMS[@]}"; do build_platform "$p"; done
# Platforms built earlier but not asked for now stay while they match the sources (so a host
# build after an all-platform one keeps the jar whole); stale ones go, never to ship old code.
for d in "$NATIVES"/*/; do
  d="${d%/}"
  up_to_date "$d" || { rm -rf "$d"; log "dropped ${d#$ROOT/}: older than native-libs/"; }
done
