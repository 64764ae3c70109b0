#!/usr/bin/env bash
# Builds jextract (https://github.com/openjdk/jextract) from a source checkout without Gradle:
# javac over its sources, run against Debian's libclang, into .cache/jextract (git-ignored), and
# prints the launcher to use as JEXTRACT for jextract/regen.sh and jextract/regen-godot.sh.
#   jextract/build-jextract.sh /path/to/jextract-checkout
# Needs a JDK 22+ (find_jdk) and libclang: apt-get install libclang-19-dev (LLVM_HOME defaults
# to /usr/lib/llvm-19).
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
SRC="${1:?usage: jextract/build-jextract.sh JEXTRACT_SOURCE_DIR}"
LLVM_HOME="${LLVM_HOME:-/usr/lib/llvm-19}"
[ -f "$SRC/src/main/java/module-info.java" ] || die "$SRC is not a jextract checkout (no src/main/java/module-info.java)"
[ -e "$LLVM_HOME/lib/libclang.so" ] || die "no libclang at $LLVM_HOME/lib (apt-get install libclang-19-dev, or set LLVM_HOME)"
INC="$(ls -d "$LLVM_HOME"/lib/clang/*/include | head -1)"
[ -d "$INC" ] || die "no clang builtin headers under $LLVM_HOME/lib/clang/*/include"
find_jdk
OUT="$CACHE/jextract"
rm -rf "$OUT" && mkdir -p "$OUT/classes"
log "compiling jextract from $SRC"
find "$SRC/src/main/java" -name '*.java' >"$OUT/sources.txt"
"$JAVA_HOME/bin/javac" -nowarn --module-version 23 -d "$OUT/classes" @"$OUT/sources.txt"
cp -r "$SRC/src/main/resources/." "$OUT/classes/"
cat >"$OUT/jextract" <<LAUNCHER
#!/bin/sh
exec "$JAVA_HOME/bin/java" --enable-native-access=org.openjdk.jextract -Djava.library.path="$LLVM_HOME/lib" \\
  -Djextract.header.path="$INC" --module-path "$OUT/classes" \\
  -m org.openjdk.jextract/org.openjdk.jextract.JextractTool "\$@"
LAUNCHER
chmod +x "$OUT/jextract"
"$OUT/jextract" --version >&2
echo "$OUT/jextract"
