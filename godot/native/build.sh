#!/usr/bin/env bash
# Builds the Godot side's natives into OUT_DIR (default godot/target/native): the GDExtension
# shim Godot loads (JNI headers from the JDK) for each platform, and gdhost, the stand-in engine
# GodotHarnessTest drives (host only). File names are the ones executorch4j.gdextension lists:
#   linux-x86_64   libexecutorch4j_godot.so
#   linux-aarch64  libexecutorch4j_godot.linux.arm64.so
#   macos-aarch64  libexecutorch4j_godot.macos.arm64.dylib
#   godot/native/build.sh [OUT_DIR] [PLATFORMS]   PLATFORMS as for native-libs/build.sh
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
HERE="$ROOT/godot/native"
OUT="${1:-$ROOT/godot/target/native}"
mapfile -t PLATFORMS < <(platform_list "${2:-host}")

shim_name() {
  case "$1" in
    linux-x86_64) echo libexecutorch4j_godot.so ;;
    linux-aarch64) echo libexecutorch4j_godot.linux.arm64.so ;;
    macos-aarch64) echo libexecutorch4j_godot.macos.arm64.dylib ;;
  esac
}

fresh() {
  local f
  for f in "$@"; do
    [ -f "$OUT/$f" ] && [ -z "$(find "$HERE" -type f -newer "$OUT/$f" | head -1)" ] || return 1
  done
}

find_jdk
need cmake "install cmake (apt install cmake, or pip install cmake)"
mkdir -p "$OUT" "$ROOT/godot/target"
for platform in "${PLATFORMS[@]}"; do
  build="$ROOT/godot/target/native-build/$platform" name=$(shim_name "$platform")
  if [ "$platform" = "$(host_platform)" ]; then
    fresh "$name" gdhost && continue
    need gcc "install a C compiler (apt install gcc)"
    log "building the Godot shim and host harness ($platform)"
    src="$HERE" args=()
  else
    fresh "$name" && continue
    log "building the Godot shim for $platform"
    src="$HERE/shim"
    read -ra args <<<"$(cmake_cross_args "$platform")"
  fi
  mkdir -p "$build"
  { cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DJAVA_HOME="$JAVA_HOME" "${args[@]}" &&
    cmake --build "$build" -j"$(nproc)"; } >"$build.log" 2>&1 ||
    { tail -40 "$build.log" >&2; die "Godot natives build for $platform failed (${build#$ROOT/}.log)"; }
  shim=$(find "$build" -maxdepth 2 -name 'libexecutorch4j_godot.*' -type f | head -1)
  cp "$shim" "$OUT/$name"
  [ "$platform" != "$(host_platform)" ] || cp "$build/host/gdhost" "$OUT/"
done
# Shims of platforms not asked for stay while they match the sources; stale ones go.
for platform in "${ALL_PLATFORMS[@]}"; do
  name=$(shim_name "$platform")
  [ -f "$OUT/$name" ] && ! fresh "$name" && { rm -f "$OUT/$name"; log "dropped $name: older than godot/native/"; }
done
true
