#!/usr/bin/env bash
# Assembles the Godot addon into ADDON_DIR (default godot/demo/addons/executorch4j): the GDExtension
# shim, the executorch4j jar (natives inside) and the Godot glue jar under the names the shim puts
# on its default classpath (<addon dir>/executorch4j.jar:<addon dir>/executorch4j-godot.jar), and
# a config naming the JDK; plus the demo models when the addon goes to the demo.
#   godot/addon.sh [ADDON_DIR]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
find_jdk
DEMO="$ROOT/godot/demo"
ADDON="${1:-$DEMO/addons/executorch4j}"
JAR="$ROOT/core/target/executorch4j-0.1.0-SNAPSHOT.jar"
GODOT_JAR="$ROOT/godot/target/executorch4j-godot-0.1.0-SNAPSHOT.jar"
SHIM="$ROOT/godot/target/native/libexecutorch4j_godot.so"
stale() {
  local f
  for f in "$JAR" "$GODOT_JAR" "$SHIM"; do
    [ -f "$f" ] || return 0
  done
  # Newer sources than the oldest artifact mean a rebuild.
  [ -n "$(find "$ROOT/core/src/main" "$ROOT/native-libs" "$ROOT/godot/src/main" "$ROOT/godot/native" \
    -type f \( -newer "$JAR" -o -newer "$GODOT_JAR" -o -newer "$SHIM" \) 2>/dev/null | head -1)" ]
}
if stale; then
  log "building executorch4j and the Godot glue"
  (cd "$ROOT" && mvn -q -B -ntp install -DskipTests -pl godot -am) || die "build failed"
fi
for f in "$JAR" "$GODOT_JAR" "$SHIM"; do
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
printf 'java_home=%s\n' "$JAVA_HOME" > "$ADDON/executorch4j.cfg"
[ -f "$ADDON/executorch4j.gdextension" ] || cp "$DEMO/addons/executorch4j/executorch4j.gdextension" "$ADDON/"
if [ "$ADDON" = "$DEMO/addons/executorch4j" ]; then
  mkdir -p "$DEMO/models"
  cp "$ROOT/fixtures/linear_regression.pte" "$DEMO/models/"
  cp "$ROOT/fixtures/mlp_xnnpack.pte" "$DEMO/models/mlp.pte"
fi
log "addon ready in ${ADDON#$ROOT/} (JVM: $JAVA_HOME)"
