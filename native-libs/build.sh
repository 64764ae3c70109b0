#!/usr/bin/env bash
# Builds libet4j.so against the ExecuTorch SDK from the PyPI wheel and stages
# it with the runtime libraries in NATIVES_DIR/linux-x86_64 (default
# core/target/natives, packed into the library jar by Maven).
# Idempotent: does nothing when the output is newer than sources.
#   native-libs/build.sh [NATIVES_DIR]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"

OUT="${1:-$ROOT/core/target/natives}/linux-x86_64"
BUILD="$ROOT/core/target/native-build"
SDK="$CACHE/executorch-sdk-$EXECUTORCH_VERSION"
SRC=("$ROOT/native-libs/CMakeLists.txt" "$ROOT/native-libs/src/et4j.cpp" "$ROOT/native-libs/include/et4j.h")

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "prebuilt ExecuTorch SDK is only set up for linux-x86_64"

up_to_date() {
  [ -f "$OUT/libet4j.so" ] && [ -f "$OUT/index.txt" ] || return 1
  [ -z "$(find "$ROOT/native-libs" -type f -newer "$OUT/index.txt" | head -1)" ]
}
if up_to_date; then exit 0; fi

# 1. The wheel (C++ SDK inside), downloaded once into the git-ignored cache.
if [ ! -f "$SDK/executorch/lib/libexecutorch.so" ]; then
  need python3 "Python 3 with pip downloads the executorch wheel"
  mkdir -p "$CACHE/wheels"
  whl=$(ls "$CACHE"/wheels/executorch-$EXECUTORCH_VERSION-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$whl" ]; then
    log "downloading executorch==$EXECUTORCH_VERSION wheel (C++ SDK, ~19 MB)"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux_2_28_x86_64 "executorch==$EXECUTORCH_VERSION" -d "$CACHE/wheels"
    whl=$(ls "$CACHE"/wheels/executorch-$EXECUTORCH_VERSION-*.whl | head -1)
  fi
  log "unpacking the SDK from $(basename "$whl")"
  rm -rf "$SDK.tmp" && mkdir -p "$SDK.tmp"
  python3 - "$whl" "$SDK.tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith(("executorch/lib/", "executorch/include/", "executorch/share/")):
            z.extract(n, sys.argv[2])
PY
  rm -rf "$SDK" && mv "$SDK.tmp" "$SDK"
fi

# 2. Configure and build the facade (Debian's CMake 3.25 suffices: see CMakeLists.txt).
need cmake "install cmake (apt install cmake, or pip install cmake)"
need g++ "install a C++17 compiler (apt install g++)"
mkdir -p "$(dirname "$BUILD")"
log "building the native facade"
cmake -S "$ROOT/native-libs" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DEXECUTORCH_ROOT="$SDK/executorch" -DCMAKE_INSTALL_PREFIX="$OUT" >"$BUILD.log" 2>&1 ||
  { cat "$BUILD.log" >&2; die "cmake configure failed"; }
cmake --build "$BUILD" -j"$(nproc)" >>"$BUILD.log" 2>&1 || { cat "$BUILD.log" >&2; die "native build failed"; }
rm -rf "$OUT" && cmake --install "$BUILD" >>"$BUILD.log" 2>&1 || die "install failed"
log "natives staged in ${OUT#$ROOT/}"
# An index of the staged files with their SHA-256, read by NativeLoader to
# extract them from the jar into a checksum-verified cache folder.
( cd "$OUT" && sha256sum lib*.so | awk '{print $2, $1}' > index.txt )
