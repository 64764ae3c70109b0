#!/usr/bin/env bash
# Builds the Godot side's natives into OUT_DIR (default godot/target/native):
# libexecutorch4j_godot.so, the GDExtension shim Godot loads (JNI headers from
# the JDK), and gdhost, the stand-in engine GodotHarnessTest drives.
#   godot/native/build.sh [OUT_DIR]
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
HERE="$ROOT/godot/native"
OUT="${1:-$ROOT/godot/target/native}"
BUILD="$ROOT/godot/target/native-build"
if [ -f "$OUT/libexecutorch4j_godot.so" ] && [ -f "$OUT/gdhost" ] &&
   [ -z "$(find "$HERE" -type f -newer "$OUT/gdhost" | head -1)" ]; then
  exit 0
fi
find_jdk
need cmake "install cmake (apt install cmake, or pip install cmake)"
need gcc "install a C compiler (apt install gcc)"
mkdir -p "$OUT" "$(dirname "$BUILD")"
log "building the Godot shim and host harness"
{ cmake -S "$HERE" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DJAVA_HOME="$JAVA_HOME" &&
  cmake --build "$BUILD" -j"$(nproc)"; } >"$BUILD.log" 2>&1 ||
  { tail -40 "$BUILD.log" >&2; die "Godot natives build failed (${BUILD#$ROOT/}.log)"; }
cp "$BUILD/shim/libexecutorch4j_godot.so" "$BUILD/host/gdhost" "$OUT/"
