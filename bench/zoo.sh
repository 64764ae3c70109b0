#!/usr/bin/env bash
# The model zoo (issue 17): real architectures, four peers on the same inputs, one table.
#
#   bench/zoo.sh [--models a,b] [--threads 1,2] [--quick] [--parity]
#
# Exports the zoo into bench/target/zoo if a model is missing (bench/zoo/export_zoo.py: NAME.pte,
# NAME.onnx, inputs, PyTorch goldens, NAME.json), builds like run.sh, then for each model and
# thread count runs, back to back:
#   Java      JMH ZooBench       (LoadOptions.defaults().withThreads(N), one fork)
#   C++       et4j_bench         (the same libet4j.so; --inputs/--golden from the manifest)
#   Python    bench/zoo/python_runner.py (ExecuTorch's own Python runtime)
#   ORT Java  JMH ZooOnnxBench   (NAME.onnx, intraOpNumThreads = N, ORT_ENABLE_ALL)
# and then ZooProbe --runtime java / ort in a fresh JVM each (load time, peak RSS, correctness).
# Every peer checks its output against the golden; a peer that fails is a loud row, not a gap.
# --parity runs bench/zoo/parity.py instead of the four peers: Java, C++ and Python served side by
# side and timed in interleaved blocks (ZOO_PARITY_ROUNDS, default 20), the question being whether
# Java is within 2% of the others on the same .pte, with a second C++ process as the control
# (ZOO_PARITY_PEERS, default java,cpp,python,cpp-control); table: bench/results/parity.md.
# Raw JSON lines: bench/target/zoo-results/results.jsonl (logs beside it); table:
# bench/results/zoo.md (bench/zoo_report.py).
#
# Environment:
#   ZOO_ROUNDS=R           run the four timing peers R times per model x threads, the order
#                          rotated each round (java cpp python ort, cpp python ort java, ...);
#                          the table shows medians and the min-max range of the ratios
#   ZOO_JMH_ARGS="..."     JMH options (default -f 1 -wi 3 -i 5 -w 2s -r 2s; --quick: -f 1 -wi 1
#                          -i 3 -w 1s -r 1s)
#   ZOO_ITERATIONS / ZOO_WARMUP / ZOO_MAX_SECONDS / ZOO_LOAD_REPEATS   C++/Python loop sizes
#                          (default 100000 / 10 / 10 s / 10; --quick: 1000 / 3 / 2 s / 3)
#   ZOO_SKIP=python,ort    leave peers out (java, cpp, python, ort, probe)
#   BENCH_PYTHON=/path/to/python   interpreter for the export and the Python peer (else
#                          .cache/venv-export, created if missing and given fixtures/requirements-export.txt
#                          + bench/zoo/requirements.txt if it lacks a package)
#   BENCH_SKIP_INSTALL=1   don't run `mvn install` in the root (use the installed jar)
#   ZOO_DIR=DIR            the zoo folder (default bench/target/zoo)
#   BENCH_UPDATE_README=1  also replace the <!-- zoo:begin --> block of bench/README.md
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
BENCH="$ROOT/bench"
ZOO="${ZOO_DIR:-$BENCH/target/zoo}"
OUT="$BENCH/target/zoo-results"
ALL_MODELS=mobilenet_v2,resnet18,efficientnet_b0,vit_tiny,vit_tiny_tuned,bert_mini,bert_mini_tuned,whisper_tiny_encoder,whisper_tiny_encoder_tuned,mobilenet_v2_int8

zlog() { printf '\033[1m[zoo]\033[0m %s\n' "$*" >&2; }
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

MODELS_ARG=$ALL_MODELS THREADS_ARG=1,2 QUICK=0 PARITY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --models) MODELS_ARG=${2:?--models needs a list}; shift 2 ;;
    --models=*) MODELS_ARG=${1#*=}; shift ;;
    --threads) THREADS_ARG=${2:?--threads needs a list}; shift 2 ;;
    --threads=*) THREADS_ARG=${1#*=}; shift ;;
    --quick) QUICK=1; shift ;;
    --parity) PARITY=1; shift ;;
    -h | --help) usage 0 ;;
    *) zlog "unknown argument $1"; usage 2 ;;
  esac
done
IFS=, read -r -a MODELS <<<"$MODELS_ARG"
IFS=, read -r -a THREADS <<<"$THREADS_ARG"
ROUNDS=${ZOO_ROUNDS:-1}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ZOO_ROUNDS must be a positive integer"
SKIP=",${ZOO_SKIP:-},"
skipped() { [[ "$SKIP" == *",$1,"* ]]; }

if [ "$QUICK" = 1 ]; then
  JMH_ARGS=${ZOO_JMH_ARGS:-"-f 1 -wi 1 -i 3 -w 1s -r 1s"}
  ITER=${ZOO_ITERATIONS:-1000} WARM=${ZOO_WARMUP:-3} MAXS=${ZOO_MAX_SECONDS:-2} LOADR=${ZOO_LOAD_REPEATS:-3}
  MODE=quick
else
  JMH_ARGS=${ZOO_JMH_ARGS:-"-f 1 -wi 3 -i 5 -w 2s -r 2s"}
  ITER=${ZOO_ITERATIONS:-100000} WARM=${ZOO_WARMUP:-10} MAXS=${ZOO_MAX_SECONDS:-10} LOADR=${ZOO_LOAD_REPEATS:-10}
  MODE=full
fi

find_jdk
need mvn "install Maven 3.8+ (apt install maven)"
need python3 "Python 3 builds the report"
cd "$ROOT"
mkdir -p "$OUT/logs"

# ---- 1. the Python interpreter (export + the Python peer) and the zoo itself
can_run() { [ -x "$1" ] && "$1" -c 'import numpy, torch, executorch.runtime' >/dev/null 2>&1; }
can_export() {
  can_run "$1" && "$1" -c 'import torchvision, transformers, torchao, onnx, onnxruntime, executorch.exir' >/dev/null 2>&1
}
missing=()
for m in "${MODELS[@]}"; do [ -f "$ZOO/$m.json" ] || missing+=("$m"); done
PY=""
if [ ${#missing[@]} -gt 0 ] || ! skipped python; then
  check=can_run
  [ ${#missing[@]} -gt 0 ] && check=can_export
  if [ -n "${BENCH_PYTHON:-}" ]; then
    $check "$BENCH_PYTHON" || die "BENCH_PYTHON=$BENCH_PYTHON cannot import what bench/zoo needs (bench/zoo/requirements.txt)"
    PY=$BENCH_PYTHON
  else
    PY="$CACHE/venv-export/bin/python"
    if ! $check "$PY"; then
      [ -f "$BENCH/zoo/requirements.txt" ] || die "$PY lacks the zoo's packages and bench/zoo/requirements.txt is missing"
      if [ ! -x "$PY" ]; then
        zlog "creating .cache/venv-export (python3 -m venv)"
        python3 -m venv "$CACHE/venv-export"
        "$PY" -m pip install --quiet --upgrade pip
      fi
      zlog "pip install -r fixtures/requirements-export.txt -r bench/zoo/requirements.txt into .cache/venv-export (large download)"
      "$PY" -m pip install -r "$ROOT/fixtures/requirements-export.txt" -r "$BENCH/zoo/requirements.txt"
      $check "$PY" || die "$PY still cannot import the zoo's packages"
    fi
  fi
  zlog "Python: $PY"
fi
if [ ${#missing[@]} -gt 0 ]; then
  models_csv=$(IFS=,; echo "${missing[*]}")
  zlog "exporting $models_csv into ${ZOO#$ROOT/} (bench/zoo/export_zoo.py)"
  "$PY" "$BENCH/zoo/export_zoo.py" --out "$ZOO" --models "$models_csv" 2>&1 | tee "$OUT/logs/export.log" >&2 ||
    zlog "the export failed for some models (log: ${OUT#$ROOT/}/logs/export.log)"
fi

# ---- 2. build: the library, the JMH uber jar (ZooBench, ZooOnnxBench, ZooProbe), the C++ runner
if [ "${BENCH_SKIP_INSTALL:-0}" != 1 ]; then
  zlog "building executorch4j (mvn install -DskipTests in $ROOT)"
  mvn -q -B -ntp install -DskipTests -pl bench -am ||
    die "root build failed (set BENCH_SKIP_INSTALL=1 to benchmark the jar already in ~/.m2)"
else
  zlog "building bench/target/benchmarks.jar"
  mvn -q -B -ntp -f "$BENCH/pom.xml" package || die "benchmark build failed"
fi
JAR="$BENCH/target/benchmarks.jar"
RUNNER="$BENCH/target/native/et4j_bench"
if ! skipped cpp; then
  need cmake "install cmake (apt install cmake)"
  need g++ "install a C++17 compiler (apt install g++)"
  [ -f "$ROOT/core/target/natives/linux-x86_64/libet4j.so" ] ||
    die "core/target/natives/linux-x86_64/libet4j.so missing: run native-libs/build.sh (or drop BENCH_SKIP_INSTALL)"
  zlog "building the C++ runner (${RUNNER#$ROOT/})"
  { cmake -S "$ROOT/native-libs/bench" -B "$BENCH/target/native" -DCMAKE_BUILD_TYPE=Release &&
    cmake --build "$BENCH/target/native"; } >"$OUT/logs/cmake.log" 2>&1 ||
    { cat "$OUT/logs/cmake.log" >&2; die "C++ runner build failed"; }
fi

# ---- 3a. parity: Java against C++ and Python, interleaved
if [ "$PARITY" = 1 ]; then
  [ -n "$PY" ] || die "--parity needs the Python peer (drop python from ZOO_SKIP)"
  skipped cpp && die "--parity needs the C++ runner (drop cpp from ZOO_SKIP)"
  zlog "parity: ${MODELS_ARG} x threads ${THREADS_ARG}, ${ZOO_PARITY_ROUNDS:-20} interleaved rounds"
  python3 "$BENCH/zoo/parity.py" --zoo "$ZOO" --jar "$JAR" --runner "$RUNNER" --python "$PY" --java "$JAVA_HOME/bin/java" \
    --models "$MODELS_ARG" --threads "$THREADS_ARG" --rounds "${ZOO_PARITY_ROUNDS:-20}" \
    --peers "${ZOO_PARITY_PEERS:-java,cpp,python,cpp-control}" \
    --out "$OUT/parity.jsonl" --table "$BENCH/results/parity.md" \
    --title "Java against C++ and Python on the same .pte, interleaved ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  zlog "table in bench/results/parity.md (rows also in ${OUT#$ROOT/}/parity.jsonl)"
  exit 0
fi

# ---- 3. the peers
RESULTS="$OUT/results.jsonl"
[ -f "$RESULTS" ] && mv "$RESULTS" "$OUT/results.previous.jsonl"
: >"$RESULTS"
touch "$OUT/.started"  # a zoo file newer than this was rewritten during the run (see the table's notes)
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED)

# run_peer PEER MODEL THREADS ROUND SEQ: one peer's run, recorded as one JSON line
run_peer() {
  local peer=$1 m=$2 t=$3 r=$4 s=$5 base rc=0
  base="$OUT/logs/$m-t$t-r$r-$peer"
  rm -f "$base.json"
  case "$peer" in
    java | ort)
      local cls=ZooBench
      [ "$peer" = ort ] && cls=ZooOnnxBench
      # shellcheck disable=SC2086
      "${JAVA[@]}" -Dexecutorch4j.zoo="$ZOO" -jar "$JAR" "executorch4j\\.bench\\.$cls\\." -p model="$m" -p threads="$t" \
        $JMH_ARGS -rf json -rff "$base.json" >"$base.log" 2>&1 || rc=$?
      grep -E '^(Zoo|Benchmark )' "$base.log" >&2 || true
      python3 "$BENCH/zoo_report.py" record --results "$RESULTS" --peer "$peer" --model "$m" --threads "$t" \
        --round "$r" --seq "$s" --status "$rc" --log "$base.log" --jmh "$base.json"
      ;;
    cpp)
      local cargs
      mapfile -t cargs < <(python3 "$BENCH/zoo_report.py" cpp-args "$ZOO/$m.json")
      "$RUNNER" "$ZOO/$m.pte" --threads "$t" "${cargs[@]}" --iterations "$ITER" --warmup "$WARM" \
        --max-seconds "$MAXS" --load-repeats "$LOADR" >"$base.out" 2>"$base.log" || rc=$?
      cat "$base.out" >&2
      python3 "$BENCH/zoo_report.py" record --results "$RESULTS" --peer cpp --model "$m" --threads "$t" \
        --round "$r" --seq "$s" --status "$rc" --log "$base.log" --stdout "$base.out"
      ;;
    python)
      "$PY" "$BENCH/zoo/python_runner.py" "$ZOO/$m.json" --threads "$t" --iterations "$ITER" --warmup "$WARM" \
        --max-seconds "$MAXS" >"$base.out" 2>"$base.log" || rc=$?
      cat "$base.out" >&2
      python3 "$BENCH/zoo_report.py" record --results "$RESULTS" --peer python --model "$m" --threads "$t" \
        --round "$r" --seq "$s" --status "$rc" --log "$base.log" --stdout "$base.out"
      ;;
    java-probe | ort-probe)
      "${JAVA[@]}" -cp "$JAR" executorch4j.bench.ZooProbe --runtime "${peer%-probe}" --manifest "$ZOO/$m.json" \
        --threads "$t" --load-repeats "$LOADR" >"$base.out" 2>"$base.log" || rc=$?
      cat "$base.out" >&2
      python3 "$BENCH/zoo_report.py" record --results "$RESULTS" --peer "$peer" --model "$m" --threads "$t" \
        --round "$r" --seq "$s" --status "$rc" --log "$base.log" --stdout "$base.out"
      ;;
  esac
}

PEERS=(java cpp python ort)
for m in "${MODELS[@]}"; do
  if [ ! -f "$ZOO/$m.json" ]; then
    zlog "$m: no manifest (export failed?)"
    echo "{\"peer\":\"java\",\"model\":\"$m\",\"threads\":${THREADS[0]},\"round\":1,\"ok\":false,\"error\":\"not exported (see logs/export.log)\"}" >>"$RESULTS"
    continue
  fi
  for t in "${THREADS[@]}"; do
    for ((r = 1; r <= ROUNDS; r++)); do
      seq=0
      for ((k = 0; k < ${#PEERS[@]}; k++)); do
        p=${PEERS[$(((k + r - 1) % ${#PEERS[@]}))]}
        skipped "$p" && continue
        seq=$((seq + 1))
        zlog "$m threads=$t round $r/$ROUNDS: $p"
        run_peer "$p" "$m" "$t" "$r" "$seq"
      done
    done
    if ! skipped probe; then
      for p in java-probe ort-probe; do
        skipped "${p%-probe}" && continue
        zlog "$m threads=$t: $p (fresh JVM: load, peak RSS, correctness)"
        run_peer "$p" "$m" "$t" 1 0
      done
    fi
  done
done

# ---- 4. one table
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
JV=$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)
TABLE_ARGS=()
[ "${BENCH_UPDATE_README:-0}" = 1 ] && TABLE_ARGS=(--readme "$BENCH/README.md")
changed=$(find "$ZOO" -maxdepth 1 -type f -newer "$OUT/.started" -printf '%f ' 2>/dev/null || true)
if [ -n "$changed" ]; then
  zlog "WARNING: zoo files were rewritten during the run: $changed"
  TABLE_ARGS+=(--note "**WARNING: zoo files were rewritten during this run** (an export running beside it?): $changed- peers may have read different versions; re-run.")
fi
python3 "$BENCH/zoo_report.py" table --results "$RESULTS" --zoo "$ZOO" --out "$BENCH/results/zoo.md" "${TABLE_ARGS[@]}" \
  --title "executorch4j model zoo ($MODE run, $(date -u +%Y-%m-%dT%H:%MZ), $ROUNDS round(s)): $(nproc) cores, ${CPU:-unknown CPU}; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $JV; JMH $JMH_ARGS" \
  --note "Java / ORT: JMH AverageTime (µs/op, ± 99.9% CI); C++ / Python: mean of up to $ITER timed iterations (max ${MAXS}s) after up to $WARM warm-up calls. Ratios within a round; with several rounds the median (min–max)." \
  --note "Load: Java / ORT from ZooProbe (fresh JVM, runtime initialized untimed, median of $LOADR loads; Java's includes the default BASIC level's one warm-up execute), C++ median of $LOADR (program + method), Python one load. Peak RSS: the whole process (VmHWM / ru_maxrss), so a JVM or the Python interpreter with torch count in it." \
  --note "Threads: the same N for every peer (Java/C++ LoadOptions/et_method_config threads, Python _unsafe_reset_threadpool(N), ORT intraOpNumThreads = N, interOpNumThreads = 1)."
zlog "raw results in ${OUT#$ROOT/}/results.jsonl (logs in logs/); table in bench/results/zoo.md"
