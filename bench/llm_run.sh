#!/usr/bin/env bash
# Text generation on fixtures/llm/tiny_llama.pte (or a ~100M-parameter peer, below; issue 19), peers side by side in one run:
#   Java    JMH LlmBench (bench/target/benchmarks.jar), threads=1
#   Python  llm_python_runner.py on ExecuTorch's Python runtime (executorch.runtime), 1 thread
# Prints a table (also bench/target/results/llm.md); raw results in bench/target/results/.
#   BENCH_PYTHON=python with torch+executorch (default .cache/golden-venv, then .cache/venv-export)
#   BENCH_JMH_ARGS (default: -f 1 -wi 3 -i 5 -w 2s -r 2s), BENCH_PY_SECONDS (default 10)
#   BENCH_LLM_MODEL=tiny (default) or 100m: the ~100M-parameter model of the same architecture,
#     bench/target/llm/llama_100m.pte, exported first if missing (export_llm.py --size 100m, a few
#     minutes, ~400 MB, never committed); results then go to llm-100m-*.json / llm-100m.md
set -euo pipefail
BENCH="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$BENCH")"
OUT="$BENCH/target/results"
mkdir -p "$OUT"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
PY="${BENCH_PYTHON:-}"
for c in "$ROOT/.cache/golden-venv/bin/python" "$ROOT/.cache/venv-export/bin/python"; do
  [[ -z "$PY" && -x "$c" ]] && PY="$c"
done
[[ -n "$PY" ]] || { echo "llm_run.sh: no Python with executorch (set BENCH_PYTHON)" >&2; exit 1; }
MODEL="${BENCH_LLM_MODEL:-tiny}"
case "$MODEL" in
  tiny) PTE="$ROOT/fixtures/llm/tiny_llama.pte"; TAG=llm ;;
  100m) PTE="$BENCH/target/llm/llama_$MODEL.pte"; TAG="llm-$MODEL"
        [[ -f "$PTE" ]] || "$PY" "$ROOT/fixtures/llm/export_llm.py" --size "$MODEL" --out "$BENCH/target/llm" ;;
  *) echo "llm_run.sh: BENCH_LLM_MODEL=$MODEL: tiny or 100m" >&2; exit 1 ;;
esac
[[ -f "$BENCH/target/benchmarks.jar" ]] || (cd "$ROOT" && mvn -q -B -ntp -f "$BENCH/pom.xml" package -DskipTests)
# shellcheck disable=SC2086
"$JAVA" -Dexecutorch4j.fixtures="$ROOT/fixtures" -jar "$BENCH/target/benchmarks.jar" LlmBench -p pte="$PTE" \
  ${BENCH_JMH_ARGS:--f 1 -wi 3 -i 5 -w 2s -r 2s} -rf json -rff "$OUT/$TAG-jmh.json" > "$OUT/$TAG-jmh.log" 2>&1
"$PY" "$BENCH/llm_python_runner.py" --pte "$PTE" --seconds "${BENCH_PY_SECONDS:-10}" 2>/dev/null > "$OUT/$TAG-python.jsonl"
"$PY" - "$OUT" "$TAG" "$(basename "$PTE")" <<'PYEOF' | tee "$OUT/$TAG.md"
import json, sys
out, tag, pte = sys.argv[1:4]
java = {b["benchmark"].rsplit(".", 1)[1]: b["primaryMetric"] for b in json.load(open(f"{out}/{tag}-jmh.json"))}
py = {}
for line in open(f"{out}/{tag}-python.jsonl"):
    if line.startswith("{"):
        r = json.loads(line); py[r["benchmark"]] = r["us_per_op"]
def j(name): m = java[name]; return f"{m['score']:.0f} ± {m['scoreError']:.0f}"
print(f"| call ({pte}, 1 thread) | Java µs | Python µs |")
print("|---|---:|---:|")
print(f"| one decode step: forward(1 token) + argmax (`rawDecodeStep`) | {j('rawDecodeStep')} | {py['rawDecodeStep']:.0f} |")
print(f"| 32-token prefill + argmax (`rawPrefill32`) | {j('rawPrefill32')} | {py['rawPrefill32']:.0f} |")
print(f"| prefill 32 + 64 greedy decode steps, generator loop (`generate32Then64`) | {j('generate32Then64')} | {py['generate32Then64']:.0f} |")
print(f"| TextGenerator prefill only (`generatePrefillOnly`) | {j('generatePrefillOnly')} | |")
g, p, d = java["generate32Then64"]["score"], java["rawPrefill32"]["score"], java["rawDecodeStep"]["score"]
sec = {b["benchmark"].rsplit(".", 1)[1]: b.get("secondaryMetrics", {}) for b in json.load(open(f"{out}/{tag}-jmh.json"))}
aux = sec.get("generate32Then64", {})
if "overheadNanos" in aux and aux.get("overheadTokens", {}).get("score"):
    print(f"| TextGenerator's own time per decoded token outside forward (`overheadNanos / overheadTokens`) "
          f"| {aux['overheadNanos']['score'] / aux['overheadTokens']['score'] / 1000:.1f} | |")
print()
print(f"Java: prefill {32e6 / p:.0f} tok/s, decode {1e6 / d:.0f} tok/s (raw calls); "
      f"TextGenerator {65e6 / (g - p):.0f} tok/s after the prefill; "
      f"per-token TextGenerator overhead over the raw decode step: {(g - p - 64 * d) / 65:.0f} µs "
      f"(from the means; compare with the errors). Python: prefill {32e6 / py['rawPrefill32']:.0f} tok/s, "
      f"decode {1e6 / py['rawDecodeStep']:.0f} tok/s.")
PYEOF
