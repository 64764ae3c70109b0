#!/usr/bin/env bash
# Installs what building every platform's natives needs, from Debian (apt, with sudo when not
# root): the aarch64 cross compiler and its glibc, qemu-user to run aarch64 tests, and LLVM's
# binary tools to check the macOS natives. zig and the ExecuTorch wheels come from PyPI when a
# build first needs them (scripts/common.sh). Does nothing when all is there.
#   scripts/setup-cross.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
missing=()
command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || missing+=(g++-aarch64-linux-gnu libc6-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
{ command -v llvm-otool-19 && command -v llvm-nm-19 && command -v llvm-readelf-19; } >/dev/null 2>&1 || missing+=(llvm-19)
[ ${#missing[@]} -eq 0 ] && exit 0
command -v apt-get >/dev/null 2>&1 || die "install these Debian/Ubuntu packages or their equivalents: ${missing[*]}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
log "installing ${missing[*]} (apt)"
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
