#!/usr/bin/env bash
# Builds the one jar for every platform: natives for linux-x86_64, linux-aarch64 and
# macos-aarch64 (cross-built here), the CLI and the Godot module with the shim for each, then
# link-checks every platform's natives (scripts/check-natives.py) and prints their sizes.
#   scripts/build-all-platforms.sh      (about 2 minutes after the first downloads)
set -euo pipefail
source "$(dirname "$0")/common.sh"
find_jdk
need mvn "install Maven 3.8+ (apt install maven)"
bash "$ROOT/scripts/setup-cross.sh"
cd "$ROOT"
log "building the jars with the natives of every platform"
mvn -B -q install -DskipTests -Dnatives.platforms=all -pl core,cli,godot -am
python3 scripts/check-natives.py core/target/natives godot/target/native >target/check-natives.log ||
  { grep -v "\[ok\]" target/check-natives.log; die "the natives failed their link check (target/check-natives.log)"; }
tail -1 target/check-natives.log >&2
JAR=$(module_jar core executorch4j)
for p in "${ALL_PLATFORMS[@]}"; do
  unzip -l "$JAR" "natives/$p/*" >/dev/null 2>&1 || die "$JAR has no natives/$p"
  log "natives/$p: $(du -sh --apparent-size "core/target/natives/$p" | cut -f1) uncompressed"
done
log "$JAR: $(du -h --apparent-size "$JAR" | cut -f1) (natives for ${ALL_PLATFORMS[*]})"
