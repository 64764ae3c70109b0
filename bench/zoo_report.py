#!/usr/bin/env python3
"""The model zoo's results (issue 17, bench/zoo.sh): records each peer's run as one JSON line,
and builds the markdown table from those lines.

    python3 bench/zoo_report.py record --results R.jsonl --peer P --model M --threads T
                                       [--round N] [--seq K] [--status RC] [--log LOG]
                                       (--stdout FILE | --jmh JMH.json)
    python3 bench/zoo_report.py cpp-args bench/target/zoo/NAME.json
    python3 bench/zoo_report.py table --results R.jsonl [--zoo DIR] [--out bench/results/zoo.md]
                                      [--readme bench/README.md] [--title ..] [--note ..]

record: appends one line to R.jsonl: the last JSON line a runner printed (--stdout: the C++
runner, bench/zoo/python_runner.py, ZooProbe) or JMH's result (--jmh: ZooBench, ZooOnnxBench),
tagged with peer (java | cpp | python | ort | java-probe | ort-probe), round and seq (its place
in the round's order). A peer that printed nothing gets {"ok": false, "error": ...} from the
last lines of its log, so a failure is a row in the table, not a missing cell.

cpp-args: prints the C++ runner's --inputs/--golden/--atol/--rtol arguments for a manifest,
one per line.

table: one row per model x threads:
  Java us (± 99.9% CI) | C++ us | Python us | ORT us | Java/C++ | Java/Python | ORT/Java |
  load ms (java / cpp / python / ort) | first load ms (same order) | peak RSS MB (same order) |
  max abs err (same order) | ok (same order)
Java and ORT are JMH AverageTime scores; C++ and Python their runners' mean_us. Load, RSS and
correctness of Java and ORT come from ZooProbe (a fresh JVM per model), of C++ and Python from
their timing runs. With several rounds: the median over rounds, and for the ratios (computed
within each round) the median with the min-max range. Standard library only.
"""

from __future__ import annotations

import argparse
import array
import json
import math
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import fmt, load_jmh  # noqa: E402  (bench/report.py: number format, JMH reader)

MODELS = ["mobilenet_v2", "resnet18", "efficientnet_b0", "vit_tiny", "bert_mini", "whisper_tiny_encoder",
          "mobilenet_v2_int8"]
PEERS = ["java", "cpp", "python", "ort"]            # timing peers, the column order
CHECKERS = {"java": "java-probe", "cpp": "cpp", "python": "python", "ort": "ort-probe"}
BEGIN, END = "<!-- zoo:begin -->", "<!-- zoo:end -->"
JMH_PEER = {"ZooBench": "java", "ZooOnnxBench": "ort"}


# ---------------------------------------------------------------------------------------- record

def tail(path: Path | None, n: int = 6) -> str:
    if path is None or not path.is_file():
        return ""
    lines = [l.strip() for l in path.read_text(errors="replace").splitlines() if l.strip()]
    # the exception line of a JMH setup failure says the most; else the last lines
    for l in reversed(lines):
        if re.search(r"(Exception|Error)(:|$)", l) and not l.startswith("at "):
            return l[:400]
    return " | ".join(lines[-n:])[:400]


def record(args) -> int:
    tags = {"peer": args.peer, "model": args.model, "threads": args.threads, "round": args.round,
            "seq": args.seq}
    lines = []
    if args.jmh is not None:
        for e in load_jmh(args.jmh):
            cls = e["benchmark"].rsplit(".", 2)[-2]
            params = e.get("params") or {}
            pm = e["primaryMetric"]
            try:
                err = float(pm.get("scoreError"))  # JMH writes "NaN" with fewer than 3 iterations
            except (TypeError, ValueError):
                err = math.nan
            lines.append({"runtime": JMH_PEER.get(cls, cls), "mean_us": pm["score"],
                          "ci_us": None if math.isnan(err) else err,
                          "unit": pm.get("scoreUnit"), "jmh_model": params.get("model"),
                          "jmh_threads": params.get("threads"), "ok": True})
    elif args.stdout is not None and args.stdout.is_file():
        for l in args.stdout.read_text(errors="replace").splitlines():
            l = l.strip()
            if l.startswith("{"):
                try:
                    lines.append(json.loads(l))
                except json.JSONDecodeError:
                    pass
        lines = lines[-1:]
    if not lines:
        lines = [{"ok": False, "error": tail(args.log) or f"no result (exit status {args.status})"}]
    with args.results.open("a") as f:
        for d in lines:
            if args.status not in (None, 0):
                d["exit_status"] = args.status
            d.update(tags)
            f.write(json.dumps(d) + "\n")
            if d.get("ok") is False:
                print(f"zoo_report.py: {args.peer} {args.model} threads={args.threads}: NOT OK "
                      f"{d.get('error') or 'max_abs_err ' + str(d.get('max_abs_err'))}", file=sys.stderr)
    return 0


def cpp_args(args) -> int:
    m = json.loads(args.manifest.read_text())
    base = args.manifest.resolve().parent
    tol = m.get("tolerance", {})
    print("--inputs")
    print(",".join(str(base / i["file"]) for i in m["inputs"]))
    print("--golden")
    print(",".join(str(base / o["golden"]) for o in m["outputs"]))
    print("--atol")
    print(repr(float(tol.get("atol", 1e-3))))
    print("--rtol")
    print(repr(float(tol.get("rtol", 1e-3))))
    return 0


# ----------------------------------------------------------------------------------------- table

def read_lines(path: Path) -> list[dict]:
    out = []
    if path.is_file():
        for l in path.read_text().splitlines():
            l = l.strip()
            if l.startswith("{"):
                try:
                    out.append(json.loads(l))
                except json.JSONDecodeError:
                    pass
    return out


def median(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_ms(v) -> str:
    return "–" if v is None else fmt(float(v))


def fmt_err(v) -> str:
    if v is None:
        return "–"
    v = float(v)
    if v >= 1e300:
        return "inf"
    return "0" if v == 0 else f"{v:.1e}"


def ratio_cell(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.2f}×"
    return f"{med:.2f}× ({min(values):.2f}–{max(values):.2f})"


def build(lines: list[dict], zoo: Path | None) -> tuple[str, list[str]]:
    keys = []
    for d in lines:
        k = (d.get("model"), int(d.get("threads") or 0))
        if k not in keys:
            keys.append(k)
    order = {m: i for i, m in enumerate(MODELS)}
    keys.sort(key=lambda k: (order.get(k[0], len(MODELS)), k[0], k[1]))
    rounds = sorted({d.get("round") or 1 for d in lines})

    header = ("| model | threads | Java µs (± CI) | C++ µs | Python µs | ORT µs | Java/C++ | Java/Python "
              "| ORT/Java | load ms (java / cpp / python / ort) | first load ms (java / cpp / python / ort) "
              "| peak RSS MB (java / cpp / python / ort) "
              "| max abs err (java / cpp / python / ort) | ok (java / cpp / python / ort) |")
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    failures: list[str] = []
    for model, threads in keys:
        mine = [d for d in lines if d.get("model") == model and int(d.get("threads") or 0) == threads]

        def of(peer, rnd=None):
            return [d for d in mine if d.get("peer") == peer and (rnd is None or (d.get("round") or 1) == rnd)]

        def score(peer, rnd):
            # a run whose output failed the check still shows its time (the row is marked NOT OK)
            good = [d["mean_us"] for d in of(peer, rnd) if d.get("mean_us") is not None]
            return good[-1] if good else None

        med = {p: median([score(p, r) for r in rounds]) for p in PEERS}
        java_ci = median([d.get("ci_us") for d in of("java") if d.get("ci_us") is not None])

        def ratios(a, b):
            out = []
            for r in rounds:
                x, y = score(a, r), score(b, r)
                if x is not None and y:
                    out.append(x / y)
            return out

        # load / RSS / correctness: the probe for Java and ORT, the timing runs for C++ / Python
        def stat(peer, key):
            got = of(CHECKERS[peer])
            if key == "first_load_ms":  # the Python runner loads once: its load_ms is its first
                got = [{**d, "first_load_ms": d.get("first_load_ms", d.get("load_ms"))} for d in got]
            vals = [d.get(key) for d in got if d.get(key) is not None]
            if key == "max_abs_err":
                return max(vals) if vals else None
            return median(vals)

        oks, bad = [], []
        for p in PEERS:
            checks = of(CHECKERS[p]) + ([] if CHECKERS[p] == p else of(p))
            if not checks:
                oks.append("–")
            elif all(d.get("ok") is True for d in checks):
                oks.append("✓")
            else:
                oks.append("✗")
                why = next((d.get("error") for d in checks if d.get("error")), None)
                err = stat(p, "max_abs_err")
                bad.append(f"{p}: " + (why if why else f"max abs err {fmt_err(err)} above the tolerance"))
        name = f"`{model}`"
        if bad:
            name = f"**✗ {model}: NOT OK ({', '.join(b.split(':')[0] for b in bad)})**"
            failures += [f"`{model}` threads={threads}, {b}" for b in bad]
        java = "–" if med["java"] is None else (fmt(med["java"]) + (f" ± {fmt(java_ci)}" if java_ci is not None else ""))
        mark = {p: " ✗" if o == "✗" else "" for p, o in zip(PEERS, oks)}
        rows.append("| " + " | ".join([
            name, str(threads), java + mark["java"], fmt_ms(med["cpp"]) + mark["cpp"],
            fmt_ms(med["python"]) + mark["python"], fmt_ms(med["ort"]) + mark["ort"],
            ratio_cell(ratios("java", "cpp")), ratio_cell(ratios("java", "python")), ratio_cell(ratios("ort", "java")),
            " / ".join(fmt_ms(stat(p, "load_ms")) for p in PEERS),
            " / ".join(fmt_ms(stat(p, "first_load_ms")) for p in PEERS),
            " / ".join(fmt_ms(stat(p, "peak_rss_mb")) for p in PEERS),
            " / ".join(fmt_err(stat(p, "max_abs_err")) for p in PEERS),
            " ".join(oks),
        ]) + " |")

    text = "\n".join(rows) + "\n"
    info, warnings = model_info(zoo, [k[0] for k in keys]) if zoo else ("", [])
    if info:
        text += "\n" + info
    return text, failures + [f"WEAK CHECK {w}" for w in warnings]


def max_abs_golden(zoo: Path, outputs: list[dict]) -> float | None:
    """max|golden| over a manifest's outputs (float32 / float64 / int64 / int32 goldens)."""
    codes = {"float32": "f", "float64": "d", "int64": "q", "int32": "i"}
    best = None
    for o in outputs:
        code = codes.get(o.get("dtype"))
        f = zoo / str(o.get("golden"))
        if code is None or not f.is_file():
            return None
        a = array.array(code)
        a.frombytes(f.read_bytes())
        if sys.byteorder != "little":
            a.byteswap()
        m = max((abs(x) for x in a), default=0.0)
        best = m if best is None else max(best, m)
    return best


def model_info(zoo: Path, models: list[str]) -> tuple[str, list[str]]:
    """The models' manifest facts, and a warning for each whose check cannot fail for near-zero output."""
    rows = ["| model | kind | parameters | XNNPACK partitions | ops outside XNNPACK | max abs golden "
            "| tolerance (atol, rtol) |", "|---|---|---:|---:|---|---:|---|"]
    warnings = []
    for m in dict.fromkeys(models):
        f = zoo / f"{m}.json"
        if not f.is_file():
            continue
        d = json.loads(f.read_text())
        dl = d.get("delegation") or {}
        nd = dl.get("non_delegated_ops") or {}
        ops = ", ".join(f"`{k}` ×{v}" for k, v in sorted(nd.items())) or "none"
        tol = d.get("tolerance") or {}
        params = d.get("params")
        g = max_abs_golden(zoo, d.get("outputs") or [])
        if g is not None and g <= float(tol.get("atol", 0)):
            warnings.append(f"`{m}`: the golden output is tiny (max |golden| = {g:.2g} <= atol = "
                            f"{tol.get('atol')}), so an all-zero output would pass the check too: its ✓ "
                            f"proves nothing about the numbers (seeded weights that shrink the activations)")
        rows.append(f"| `{m}` | {d.get('kind', '')} | {f'{params:,}' if isinstance(params, int) else '–'} "
                    f"| {dl.get('partitions', '–')} | {ops} | {'–' if g is None else f'{g:.3g}'} "
                    f"| {tol.get('atol')}, {tol.get('rtol')} |")
    return ("\n".join(rows) + "\n" if len(rows) > 2 else ""), warnings


def table(args) -> int:
    lines = read_lines(args.results)
    if not lines:
        print(f"zoo_report.py: no results in {args.results}", file=sys.stderr)
        return 1
    text, failures = build(lines, args.zoo)
    notes = list(args.note)
    if failures:
        notes = [f"**{f[:10]}**{f[10:]}" if f.startswith("WEAK CHECK") else f"**NOT OK**: {f}"
                 for f in failures] + notes
    body = (f"{args.title}\n\n" if args.title else "") + text + "".join(f"\n* {n}" for n in notes)
    body = body.rstrip("\n") + "\n"
    print(body, end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(body)
    if args.readme:
        readme = args.readme.read_text()
        pat = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        if not pat.search(readme):
            print(f"zoo_report.py: no {BEGIN} marker in {args.readme}; not updated", file=sys.stderr)
        else:
            args.readme.write_text(pat.sub(lambda _: f"{BEGIN}\n{body}{END}", readme))
    return 2 if args.strict and any(not f.startswith("WEAK CHECK") for f in failures) else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("record", help="append one peer's result to the results file")
    r.add_argument("--results", type=Path, required=True)
    r.add_argument("--peer", required=True, choices=PEERS + ["java-probe", "ort-probe"])
    r.add_argument("--model", required=True)
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("--round", type=int, default=1)
    r.add_argument("--seq", type=int, default=0)
    r.add_argument("--status", type=int)
    r.add_argument("--log", type=Path)
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--stdout", type=Path)
    src.add_argument("--jmh", type=Path)
    r.set_defaults(fn=record)

    c = sub.add_parser("cpp-args", help="the C++ runner's input/golden arguments of a manifest")
    c.add_argument("manifest", type=Path)
    c.set_defaults(fn=cpp_args)

    t = sub.add_parser("table", help="the markdown table")
    t.add_argument("--results", type=Path, required=True)
    t.add_argument("--zoo", type=Path, help="the zoo folder (model info table from the manifests)")
    t.add_argument("--out", type=Path)
    t.add_argument("--readme", type=Path, help=f"replace the text between {BEGIN} and {END}")
    t.add_argument("--title", default="")
    t.add_argument("--note", action="append", default=[])
    t.add_argument("--strict", action="store_true", help="exit 2 when a peer is not ok")
    t.set_defaults(fn=table)

    args = ap.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
