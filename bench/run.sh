#!/usr/bin/env bash
# Builds and runs every peer of the executorch4j benchmarks (issue 5) and prints one
# markdown table (also written to bench/results/latest.md):
#   Java      JMH ForwardBench / LoadBench   (bench/target/benchmarks.jar, -prof gc)
#   ONNX RT   JMH OnnxBench                  (ONNX Runtime Java on fixtures/*.onnx)
#   C++       native-libs/bench/et4j_bench   (the same libet4j.so through its C API)
#   Python    bench/python_runner.py         (ExecuTorch's own Python runtime)
#
# Environment:
#   BENCH_QUICK=1          smoke run: JMH -f 1 -wi 2 -i 3 -w 1s -r 1s, short runner loops
#   BENCH_JMH_ARGS="..."   JMH options instead of the defaults (-f 2 -wi 3 -i 5 -w 2s -r 2s)
#   BENCH_INCLUDE=regex    JMH benchmark filter (default: all of executorch4j.bench)
#   BENCH_ORT_THREADS=1    ONNX Runtime intraOpNumThreads (comma list allowed)
#   BENCH_ITERATIONS / BENCH_WARMUP / BENCH_MAX_SECONDS   C++/Python loop sizes
#   BENCH_PYTHON=/path/to/python   interpreter with torch + executorch (else see below)
#   BENCH_SKIP_INSTALL=1   don't run `mvn install` in the root (use the installed jar)
#   BENCH_SKIP_PYTHON=1 / BENCH_SKIP_CPP=1 / BENCH_SKIP_JMH=1   leave a peer out
#   BENCH_UPDATE_README=1  also replace the "Latest results" block of bench/README.md
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
BENCH="$ROOT/bench"
OUT="$BENCH/target/results"
FIXTURES="$ROOT/fixtures"
MODELS=(linear_regression mlp_portable mlp_xnnpack cnn_portable cnn_xnnpack mlp_int8_xnnpack)

blog() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

find_jdk
need mvn "install Maven 3.8+ (apt install maven)"
need python3 "Python 3 builds the report"
cd "$ROOT"
mkdir -p "$OUT"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  JMH_ARGS=${BENCH_JMH_ARGS:-"-f 1 -wi 2 -i 3 -w 1s -r 1s"}
  ITER=${BENCH_ITERATIONS:-2000} WARM=${BENCH_WARMUP:-200} MAXS=${BENCH_MAX_SECONDS:-2}
  MODE="quick"
else
  JMH_ARGS=${BENCH_JMH_ARGS:-"-f 2 -wi 3 -i 5 -w 2s -r 2s"}
  ITER=${BENCH_ITERATIONS:-20000} WARM=${BENCH_WARMUP:-2000} MAXS=${BENCH_MAX_SECONDS:-10}
  MODE="full"
fi
ORT_THREADS=${BENCH_ORT_THREADS:-1}

# ---- 1. build: the library (natives + jar into ~/.m2), the JMH uber jar, the C++ runner
if [ "${BENCH_SKIP_INSTALL:-0}" != 1 ]; then
  blog "building executorch4j (mvn install -DskipTests in $ROOT)"
  mvn -q -B -ntp install -DskipTests -pl bench -am ||
    die "root build failed (set BENCH_SKIP_INSTALL=1 to benchmark the jar already in ~/.m2)"
fi
if [ "${BENCH_SKIP_JMH:-0}" != 1 ]; then
  blog "building bench/target/benchmarks.jar"
  mvn -q -B -ntp -f "$BENCH/pom.xml" package || die "benchmark build failed"
fi
RUNNER="$BENCH/target/native/et4j_bench"
if [ "${BENCH_SKIP_CPP:-0}" != 1 ]; then
  need cmake "install cmake (apt install cmake)"
  need g++ "install a C++17 compiler (apt install g++)"
  [ -f "$ROOT/core/target/natives/linux-x86_64/libet4j.so" ] ||
    die "core/target/natives/linux-x86_64/libet4j.so missing: run native-libs/build.sh (or drop BENCH_SKIP_INSTALL)"
  blog "building the C++ runner ($RUNNER)"
  cmake -S "$ROOT/native-libs/bench" -B "$BENCH/target/native" -DCMAKE_BUILD_TYPE=Release \
    >"$OUT/cmake.log" 2>&1 || { cat "$OUT/cmake.log" >&2; die "cmake configure of native-libs/bench failed"; }
  cmake --build "$BENCH/target/native" >>"$OUT/cmake.log" 2>&1 ||
    { cat "$OUT/cmake.log" >&2; die "C++ runner build failed"; }
fi

# ---- 2. the Python interpreter: $BENCH_PYTHON, the export venv, the bench venv, or a new one
has_et() { [ -x "$1" ] && "$1" -c 'import torch, executorch.runtime' >/dev/null 2>&1; }
PY=""
if [ "${BENCH_SKIP_PYTHON:-0}" != 1 ]; then
  for c in "${BENCH_PYTHON:-}" "$CACHE/venv-export/bin/python" "$CACHE/venv-bench/bin/python"; do
    if [ -n "$c" ] && has_et "$c"; then PY="$c"; break; fi
  done
  if [ -z "$PY" ]; then
    blog "no Python with torch + executorch found: creating .cache/venv-bench"
    blog "  python3 -m venv .cache/venv-bench && pip install torch==2.14.1 executorch==$EXECUTORCH_VERSION (large download)"
    python3 -m venv "$CACHE/venv-bench"
    "$CACHE/venv-bench/bin/python" -m pip install --quiet --upgrade pip
    "$CACHE/venv-bench/bin/python" -m pip install "torch==2.14.1" "executorch==$EXECUTORCH_VERSION"
    has_et "$CACHE/venv-bench/bin/python" || die "the new venv cannot import torch + executorch.runtime"
    PY="$CACHE/venv-bench/bin/python"
  fi
  blog "Python peer: $PY"
fi

# ---- 3. JMH (Java + ONNX Runtime Java), -prof gc, JSON results
JMH_JSON="$OUT/jmh.json"
if [ "${BENCH_SKIP_JMH:-0}" != 1 ]; then
  blog "JMH ($MODE): $JMH_ARGS -prof gc -p threads=$ORT_THREADS"
  rm -f "$JMH_JSON"
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" -Dexecutorch4j.fixtures="$FIXTURES" -jar "$BENCH/target/benchmarks.jar" \
    $JMH_ARGS -prof gc -p threads="$ORT_THREADS" -rf json -rff "$JMH_JSON" \
    ${BENCH_INCLUDE:-"executorch4j.bench"} 2>&1 | tee "$OUT/jmh.log" |
    grep --line-buffered -E '^# (Benchmark|Parameters):|^Iteration|^Benchmark |^(Forward|Load|Onnx)Bench' >&2 || true
  [ -s "$JMH_JSON" ] || { tail -40 "$OUT/jmh.log" >&2; die "JMH produced no results (log: $OUT/jmh.log)"; }
else
  rm -f "$JMH_JSON"
fi

# ---- 4. C++ and Python runners, one JSON line per model
: >"$OUT/cpp.jsonl"
: >"$OUT/python.jsonl"
for m in "${MODELS[@]}"; do
  if [ "${BENCH_SKIP_CPP:-0}" != 1 ]; then
    blog "C++    $m"
    "$RUNNER" "$FIXTURES/$m.pte" --iterations "$ITER" --warmup "$WARM" --max-seconds "$MAXS" --threads "$ORT_THREADS" \
      | tee -a "$OUT/cpp.jsonl" >&2 || blog "C++ runner failed on $m"
  fi
  if [ -n "$PY" ]; then
    blog "Python $m"
    "$PY" "$BENCH/python_runner.py" "$FIXTURES/$m.pte" --threads "${ORT_THREADS%%,*}" --iterations "$ITER" --warmup "$WARM" \
      --max-seconds "$MAXS" 2>"$OUT/python-$m.log" | tee -a "$OUT/python.jsonl" >&2 ||
      { cat "$OUT/python-$m.log" >&2; blog "Python runner failed on $m"; }
  fi
done

# ---- 5. one table
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
JV=$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)
README_ARG=()
[ "${BENCH_UPDATE_README:-0}" = 1 ] && README_ARG=(--readme "$BENCH/README.md")
python3 "$BENCH/report.py" --jmh "$JMH_JSON" --cpp "$OUT/cpp.jsonl" --python "$OUT/python.jsonl" \
  --out "$BENCH/results/latest.md" "${README_ARG[@]}" \
  --title "executorch4j benchmarks ($MODE run, $(date -u +%Y-%m-%dT%H:%MZ)): $(nproc) cores, ${CPU:-unknown CPU}; $JV; JMH $JMH_ARGS" \
  --note "Java/ONNX RT: JMH AverageTime (us/op, ± 99.9% CI); C++ / Python: mean of up to $ITER timed iterations (max ${MAXS}s) after $WARM warmup." \
  --note "Threads: every peer uses the same count ($ORT_THREADS, BENCH_ORT_THREADS; ExecuTorch's Python runtime through portable_lib._unsafe_reset_threadpool)."
blog "raw results in ${OUT#$ROOT/}/ (jmh.json, cpp.jsonl, python.jsonl); table in bench/results/latest.md"
