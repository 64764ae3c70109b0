#!/usr/bin/env bash
# Fetches Godot's GDExtension interface data from crates.io's `gdextension-api`
# crate (through cargo, the registry's own client) into the git-ignored cache,
# once, and prints the directory that holds it:
#   .cache/gdextension-api-0.4.0/versions/4.{2..6}/res/gdextension_interface.h
#   .cache/gdextension-api-0.4.0/versions/4.{2..6}/res/extension_api.json
#   .cache/gdextension-api-0.5.1/src/gdextension_interface.json  (4.1 .. 4.7)
#   .cache/gdextension-api-0.5.1/src/4.{2..7}/extension_api.json
# 0.5.x no longer ships the C headers (Godot 4.7 describes its interface in
# gdextension_interface.json instead), so 4.2-4.6 come from 0.4.0 and 4.7 from 0.5.1.
#   scripts/godot-api.sh           prints the 0.4.0 directory (the headers)
#   scripts/godot-api.sh 0.5.1     prints the 0.5.1 directory
# cargo checks each download against the registry's checksum.
set -euo pipefail
source "$(dirname "$0")/common.sh"
VERSIONS=(0.4.0 0.5.1)
WANT="${1:-0.4.0}"

have_all() {
  [ -f "$CACHE/gdextension-api-0.4.0/versions/4.3/res/gdextension_interface.h" ] &&
  [ -f "$CACHE/gdextension-api-0.4.0/versions/4.6/res/gdextension_interface.h" ] &&
  [ -f "$CACHE/gdextension-api-0.5.1/src/gdextension_interface.json" ]
}

if ! have_all; then
  need cargo "install Rust's cargo (apt install cargo, or rustup) to fetch the gdextension-api crate from crates.io"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/gdextension-api.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  mkdir -p "$WORK/src"
  : >"$WORK/src/lib.rs"
  {
    echo '[package]'
    echo 'name = "executorch4j-godot-api-fetch"'
    echo 'version = "0.0.0"'
    echo 'edition = "2021"'
    echo '[dependencies]'
    for v in "${VERSIONS[@]}"; do
      echo "api_${v//./_} = { package = \"gdextension-api\", version = \"=$v\" }"
    done
  } >"$WORK/Cargo.toml"
  log "fetching gdextension-api ${VERSIONS[*]} from crates.io (cargo vendor)"
  (cd "$WORK" && cargo vendor --versioned-dirs --manifest-path "$WORK/Cargo.toml" "$WORK/vendor" >"$WORK/vendor.log" 2>&1) ||
    { cat "$WORK/vendor.log" >&2; die "could not fetch the gdextension-api crate from crates.io (is the registry reachable?)"; }
  mkdir -p "$CACHE"
  for v in "${VERSIONS[@]}"; do
    [ -d "$WORK/vendor/gdextension-api-$v" ] || die "cargo vendor produced no gdextension-api-$v"
    rm -rf "$CACHE/gdextension-api-$v"
    mv "$WORK/vendor/gdextension-api-$v" "$CACHE/gdextension-api-$v"
    log "cached ${CACHE#$ROOT/}/gdextension-api-$v"
  done
  have_all || die "the gdextension-api crates lack the expected files (layout changed?)"
fi
[ -d "$CACHE/gdextension-api-$WANT" ] || die "unknown gdextension-api version '$WANT' (cached: ${VERSIONS[*]})"
echo "$CACHE/gdextension-api-$WANT"
