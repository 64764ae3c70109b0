#!/usr/bin/env python3
"""Same program, same kernels: is Java within 2% of the C++ runner and of ExecuTorch's own Python
runtime? (issue 17). Interleaved blocks across long-lived peers, so that the drift of a shared
machine falls on every peer alike.

    python3 bench/zoo/parity.py --zoo bench/target/zoo --jar bench/target/benchmarks.jar \
        --runner bench/target/native/et4j_bench --python .cache/venv-export/bin/python \
        [--models a,b] [--threads 1,2] [--rounds 20] [--block-seconds 0.5] [--warmup-seconds 8] \
        [--peers java,cpp,python,cpp-control] \
        [--out bench/target/zoo-results/parity.jsonl] [--table bench/results/parity.md]

For each model x threads it starts the three peers one after another, each loading the same
NAME.pte, checking its output against the PyTorch golden and warming up before it says it serves:
  java    executorch4j.bench.ZooServe (LoadOptions.defaults().withThreads(N), as ZooBench)
  cpp     et4j_bench --serve (the same libet4j.so through its C API; --workspace-sharing 1, the
          setting the Java levels use)
  python  bench/zoo/python_runner.py --serve (executorch.runtime over the wheel's pybindings)
Then R rounds; in each, every peer runs one block of K calls (K sized so a block takes about
--block-seconds), the order rotated from round to round, one peer at a time (the others wait on
stdin). Per block: the median call time, and the CPU time the peer's process spent per call (all
its threads, from /proc/PID/stat), which shows work a peer does beside the call (JIT, GC, spinning
pool threads). Java and C++ also report, per call, the runtime's execute inside it (the facade's
clock): the call minus the execute is what each wrapper adds (inputs in, outputs out), and
Java/C++ on the execute alone says whether a gap is in our Java layer or in the same native code
running slower.

With --peers ...,cpp-control a second C++ process runs the same program beside the first: the
C++/C++ ratio is the control, what two identical peers differ by on this machine.

Per row: each peer's median over all calls, and for Java/C++ and Java/Python the median of the
per-round ratios of block medians with a bootstrap 95% interval over rounds. The verdict: "<= 1.02"
when the interval's upper end is at most 1.02, "> 1.02" when its lower end is above, else
"unresolved". Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

PEERS = ("java", "cpp", "python")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Peer:
    def __init__(self, name: str, cmd: list[str], env=None):
        self.name = name
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1, env=env)
        line = self.proc.stdout.readline()
        try:
            hello = json.loads(line)
        except json.JSONDecodeError:
            hello = {}
        if not hello.get("serving"):
            self.proc.kill()
            err = self.proc.stderr.read()[-2000:]
            raise RuntimeError(f"{name} did not start serving: {line.strip()!r}\n{err}")
        if hello.get("ok") is False:
            self.close()
            raise RuntimeError(f"{name}: output does not match the golden")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime, all threads

    def block(self, n: int) -> tuple[list[float], float]:
        c0 = self.cpu_seconds()
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        cpu = self.cpu_seconds() - c0
        calls = [tuple(float(v) for v in x.split(":")) for x in line.split()]
        if len(calls) != n:
            raise RuntimeError(f"{self.name}: asked for {n} calls, got {line.strip()[:200]!r}")
        return calls, cpu

    def close(self):
        try:
            self.proc.stdin.write("q\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()


def commands(args, model: str, threads: int) -> dict[str, list[str]]:
    zoo = args.zoo.resolve()
    manifest = zoo / f"{model}.json"
    warm = str(args.warmup_seconds)
    cpp_args = subprocess.run([sys.executable, str(Path(__file__).resolve().parent.parent / "zoo_report.py"),
                               "cpp-args", str(manifest)], check=True, capture_output=True, text=True).stdout.split()
    java = args.java or os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java")
    cmds = {
        "java": [java, "--enable-native-access=ALL-UNNAMED", f"-Dexecutorch4j.zoo={zoo}", "-cp", str(args.jar),
                 "executorch4j.bench.ZooServe", model, str(threads), warm],
        "cpp": [str(args.runner), str(zoo / f"{model}.pte"), "--threads", str(threads), "--workspace-sharing", "1",
                *cpp_args, "--load-repeats", "1", "--warmup", "100000000",
                "--max-seconds", str(max(1, round(args.warmup_seconds))), "--serve"],
        "python": [str(args.python), str(Path(__file__).resolve().parent / "python_runner.py"), str(manifest),
                   "--threads", str(threads), "--max-seconds", warm, "--serve"],
    }
    cmds["cpp-control"] = list(cmds["cpp"])  # the same C++ peer again: the control
    return cmds


def bootstrap_median(values: list[float], rng: random.Random, n: int = 4000) -> tuple[float, float]:
    meds = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(n))
    return meds[int(0.025 * n)], meds[int(0.975 * n) - 1]


def verdict(lo: float, hi: float) -> str:
    if hi <= 1.02:
        return "<= 1.02"
    if lo > 1.02:
        return "> 1.02"
    return "unresolved"


def run_row(args, model: str, threads: int, rng: random.Random) -> dict:
    peers: dict[str, Peer] = {}
    try:
        for name, cmd in commands(args, model, threads).items():
            if name in args.peers:
                print(f"[parity] {model} t={threads}: starting {name}", file=sys.stderr, flush=True)
                peers[name] = Peer(name, cmd)
        probe = [statistics.median(c[0] for c in p.block(3)[0]) for p in peers.values()]
        k = max(3, min(5000, round(args.block_seconds * 1e6 / statistics.median(probe))))
        blocks = {name: [] for name in peers}
        order = list(peers)
        for r in range(args.rounds):
            for name in order[r % len(order):] + order[:r % len(order)]:
                calls, cpu = peers[name].block(k)
                times = [c[0] for c in calls]
                block = {"median_us": statistics.median(times), "mean_us": statistics.fmean(times),
                         "cpu_us_per_call": cpu * 1e6 / k, "times": times}
                if all(len(c) == 2 for c in calls):
                    block["execute_median_us"] = statistics.median(c[1] for c in calls)
                    block["outside_median_us"] = statistics.median(c[0] - c[1] for c in calls)
                blocks[name].append(block)
                time.sleep(args.pause)
        row = {"model": model, "threads": threads, "rounds": args.rounds, "block_calls": k, "peers": {}}
        for name, bl in blocks.items():
            every = [t for b in bl for t in b["times"]]
            row["peers"][name] = {
                "median_us": round(statistics.median(every), 3),
                "mean_us": round(statistics.fmean(every), 3),
                "cpu_us_per_call": round(statistics.median(b["cpu_us_per_call"] for b in bl), 1),
                "block_medians_us": [round(b["median_us"], 3) for b in bl],
            }
            if all("outside_median_us" in b for b in bl):
                row["peers"][name]["execute_median_us"] = round(statistics.median(b["execute_median_us"] for b in bl), 3)
                row["peers"][name]["outside_execute_us"] = round(statistics.median(b["outside_median_us"] for b in bl), 3)
        for other in ("cpp", "python"):
            if "java" in blocks and other in blocks:
                ratios = [j["median_us"] / o["median_us"] for j, o in zip(blocks["java"], blocks[other])]
                lo, hi = bootstrap_median(ratios, rng)
                row[f"java/{other}"] = {"median": round(statistics.median(ratios), 4), "ci95": [round(lo, 4), round(hi, 4)],
                                        "verdict": verdict(lo, hi)}
        if "cpp-control" in blocks and "cpp" in blocks:
            ratios = [c2["median_us"] / c["median_us"] for c2, c in zip(blocks["cpp-control"], blocks["cpp"])]
            lo, hi = bootstrap_median(ratios, rng)
            row["cpp-control/cpp"] = {"median": round(statistics.median(ratios), 4), "ci95": [round(lo, 4), round(hi, 4)]}
        if all("execute_median_us" in b for n in ("java", "cpp") if n in blocks for b in blocks[n]) \
                and "java" in blocks and "cpp" in blocks:
            ratios = [j["execute_median_us"] / c["execute_median_us"] for j, c in zip(blocks["java"], blocks["cpp"])]
            lo, hi = bootstrap_median(ratios, rng)
            row["java/cpp execute"] = {"median": round(statistics.median(ratios), 4), "ci95": [round(lo, 4), round(hi, 4)]}
        return row
    except RuntimeError as e:
        return {"model": model, "threads": threads, "error": str(e)}
    finally:
        for p in peers.values():
            p.close()


def table(rows: list[dict], title: str) -> str:
    out = [f"### {title}", "",
           "| model | threads | Java µs | C++ µs | Python µs | Java/C++ (95% CI) | Java/Python (95% CI) "
           "| Java/C++, execute only | outside execute µs: Java / C++ | Java layer's extra, % of the call "
           "| CPU µs per call: Java / C++ / Python | control: C++/C++ (95% CI) |",
           "|---|---:|---:|---:|---:|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['model']} | {r['threads']} | failed: {r['error'].splitlines()[0][:120]} |||||||||")
            continue
        p = r["peers"]

        def cell(name, key="median_us"):
            return f"{p[name][key]:,.1f}" if name in p else "–"

        def ratio(other):
            x = r.get(f"java/{other}")
            if not x:
                return "–"
            bold = "**" if x["verdict"] == "> 1.02" else ""
            return f"{bold}{x['median']:.3f}{bold} ({x['ci95'][0]:.3f}–{x['ci95'][1]:.3f}) {x['verdict']}"

        cpu = " / ".join(cell(n, "cpu_us_per_call") for n in PEERS)
        outside = " / ".join(f"{p[n]['outside_execute_us']:.1f}" if "outside_execute_us" in p.get(n, {}) else "–"
                             for n in ("java", "cpp"))
        ex = r.get("java/cpp execute")
        execute = f"{ex['median']:.3f} ({ex['ci95'][0]:.3f}–{ex['ci95'][1]:.3f})" if ex else "–"
        layer = "–"
        if "outside_execute_us" in p.get("java", {}) and "outside_execute_us" in p.get("cpp", {}):
            layer = f"{100 * (p['java']['outside_execute_us'] - p['cpp']['outside_execute_us']) / p['cpp']['median_us']:.2f}%"
        ctl = r.get("cpp-control/cpp")
        control = f"{ctl['median']:.3f} ({ctl['ci95'][0]:.3f}–{ctl['ci95'][1]:.3f})" if ctl else "–"
        out.append(f"| {r['model']} | {r['threads']} | {cell('java')} | {cell('cpp')} | {cell('python')} "
                   f"| {ratio('cpp')} | {ratio('python')} | {execute} | {outside} | {layer} | {cpu} | {control} |")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zoo", type=Path)
    ap.add_argument("--jar", type=Path)
    ap.add_argument("--runner", type=Path)
    ap.add_argument("--python", type=Path)
    ap.add_argument("--java", help="java executable (default $JAVA_HOME/bin/java)")
    ap.add_argument("--models", default="mobilenet_v2,resnet18,efficientnet_b0,vit_tiny,vit_tiny_tuned,bert_mini,"
                    "bert_mini_tuned,whisper_tiny_encoder,whisper_tiny_encoder_tuned,mobilenet_v2_int8")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--peers", default=",".join(PEERS),
                    help="of java, cpp, python and cpp-control: a second C++ process on the same program, "
                         "whose ratio to the first shows what two identical peers differ by on this machine")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--block-seconds", type=float, default=0.5)
    ap.add_argument("--warmup-seconds", type=float, default=8)
    ap.add_argument("--pause", type=float, default=0.05, help="seconds between blocks (idle pool threads park)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", type=Path, help="append one JSON line per row")
    ap.add_argument("--table", type=Path, help="write the markdown table here")
    ap.add_argument("--title", default="Java against C++ and Python on the same .pte, interleaved")
    ap.add_argument("--from-jsonl", type=Path, help="only render the table from rows a run appended (--out)")
    args = ap.parse_args()
    if args.from_jsonl:
        rows = [json.loads(line) for line in args.from_jsonl.read_text().splitlines() if line.strip()]
        text = table(rows, args.title)
        print(text)
        if args.table:
            args.table.write_text(text)
        return 0
    args.peers = set(args.peers.split(","))
    if not (args.zoo and args.jar and args.runner and args.python):
        ap.error("--zoo, --jar, --runner and --python are required to run")
    if args.rounds < 3:
        ap.error("--rounds must be >= 3")
    rng = random.Random(args.seed)
    rows = []
    for model in args.models.split(","):
        for threads in (int(t) for t in args.threads.split(",")):
            row = run_row(args, model, threads, rng)
            rows.append(row)
            summary = {k: v for k, v in row.items() if k != "peers"}
            if "peers" in row:
                summary["median_us"] = {n: p["median_us"] for n, p in row["peers"].items()}
            print(json.dumps(summary), flush=True)
            if args.out:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
    text = table(rows, args.title)
    print(text)
    if args.table:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text(text)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
