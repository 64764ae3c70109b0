# Shared helpers for the project's scripts: locate a JDK >= 22 and the cache.
# Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
EXECUTORCH_VERSION=1.5.1

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
