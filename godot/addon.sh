#!/usr/bin/env bash
# Assembles the Godot addon: the GDExtension shim, the executorch4j jar (natives inside) and a
# config naming the JDK, into ADDON_DIR (default demo/addons/executorch4j), plus the demo model.
#   scripts/godot-addon.sh [ADDON_DIR]
set -euo pipefail
source "$(dirname "$0")/common.sh"
find_jdk
ADDON="${1:-$ROOT/demo/addons/executorch4j}"
JAR="$ROOT/target/executorch4j-0.1.0-SNAPSHOT.jar"
if [ ! -f "$JAR" ] || [ ! -f "$ROOT/target/godot/libexecutorch4j_godot.so" ] || \
   [ -n "$(find "$ROOT/src/main" "$ROOT/native-libs" -newer "$JAR" -type f | head -1)" ]; then
  log "building executorch4j"
  (cd "$ROOT" && mvn -q -B -ntp package -DskipTests) || die "build failed"
fi
mkdir -p "$ADDON"
cp "$ROOT/target/godot/libexecutorch4j_godot.so" "$ADDON/"
cp "$JAR" "$ADDON/executorch4j.jar"
printf 'java_home=%s\n' "$JAVA_HOME" > "$ADDON/executorch4j.cfg"
[ -f "$ADDON/executorch4j.gdextension" ] || cp "$ROOT/demo/addons/executorch4j/executorch4j.gdextension" "$ADDON/"
if [ "$ADDON" = "$ROOT/demo/addons/executorch4j" ]; then
  mkdir -p "$ROOT/demo/models"
  cp "$ROOT/fixtures/linear_regression.pte" "$ROOT/demo/models/"
  cp "$ROOT/fixtures/mlp_xnnpack.pte" "$ROOT/demo/models/mlp.pte"
fi
log "addon ready in $ADDON (JVM: $JAVA_HOME)"
