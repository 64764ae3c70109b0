#!/usr/bin/env bash
# Sessions of one LLM program (LlmSessionsBench): memory per extra session against separately loaded
# TextGenerators, aggregate decode tokens/s at 1, 2, 4, 8 concurrent sessions (threads=1 and the
# default pool), time to first token with a forked prefilled system prompt. One JVM per
# measurement; lines go to bench/target/results/llm-sessions[-100m].txt.
#   BENCH_LLM_MODEL=tiny (default) or 100m (bench/target/llm/llama_100m.pte, see llm_run.sh)
#   BENCH_SECONDS per throughput point (default 8), BENCH_TTFT_REPEATS (default 21)
set -euo pipefail
BENCH="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$BENCH")"
OUT="$BENCH/target/results"
mkdir -p "$OUT"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
case "${BENCH_LLM_MODEL:-tiny}" in
  tiny) PTE="$ROOT/fixtures/llm/tiny_llama.pte"; KV_DIM=32; DECODE=64; TAG=llm-sessions ;;
  100m) PTE="$BENCH/target/llm/llama_100m.pte"; KV_DIM=768; DECODE=16; TAG=llm-sessions-100m ;;
  *) echo "llm_sessions.sh: BENCH_LLM_MODEL is tiny or 100m" >&2; exit 1 ;;
esac
[[ -f "$PTE" ]] || { echo "llm_sessions.sh: $PTE missing (bench/llm_run.sh exports the 100m model)" >&2; exit 1; }
[[ -f "$BENCH/target/benchmarks.jar" ]] || (cd "$ROOT" && mvn -q -B -ntp -f "$BENCH/pom.xml" package -DskipTests)
SECONDS_PER_POINT="${BENCH_SECONDS:-8}"
run() {
  # A fixed, pre-touched heap: RSS deltas are then native memory.
  "$JAVA" -Xms256m -Xmx256m -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED ${JAVA_OPTS_EXTRA:-} \
    -Dpte="$PTE" -Dtokenizer="$ROOT/fixtures/llm/tokenizer.json" -DkvDim="$KV_DIM" -DdecodeTokens="$DECODE" \
    -cp "$BENCH/target/benchmarks.jar" executorch4j.bench.LlmSessionsBench "$@"
}
{
  echo "# $(date -u +%FT%TZ) $(basename "$PTE"), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  run memory sessions 8
  run memory generators 8
  for threads in 1 2; do
    for n in 1 2 4 8; do run throughput "$threads" "$n" "$SECONDS_PER_POINT"; done
  done
  # The same with separately loaded TextGenerators (one program each): what sessions replace.
  for n in 1 8; do JAVA_OPTS_EXTRA=-Dgenerators=true run throughput 1 "$n" "$SECONDS_PER_POINT"; done
  run ttft "${BENCH_TTFT_REPEATS:-21}"
  echo "# done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/$TAG.txt"
