#!/usr/bin/env python3
"""Builds bench/run.sh's markdown table from JMH's JSON and the runners' JSON lines.

    python3 bench/report.py --jmh jmh.json [--cpp cpp.jsonl] [--python python.jsonl]
                            [--out bench/results/latest.md] [--readme bench/README.md]
                            [--title "..."] [--note "..."]

Columns: model | Java (us ± error) | C++ (us) | Python (us) | ONNX RT Java (us) | Java/C++ |
Python/Java | gc.alloc.rate.norm (B/op). Java and ONNX RT come from JMH (AverageTime,
score ± 99.9% error); C++ and Python are the runners' mean_us. Missing cells print "–".
The ONNX column uses the fp32 .onnx of the same network (mlp.onnx for both mlp_* rows,
cnn.onnx for both cnn_* rows, mlp_int8.onnx (the MLP with int8 weights by ONNX Runtime's
quantize_dynamic) for mlp_int8_xnnpack). Load times (LoadBench and
the runners' load_ms) follow the table as one line. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

MODELS = ["linear_regression", "mlp_portable", "mlp_xnnpack", "cnn_portable", "cnn_xnnpack",
          "mlp_int8_xnnpack"]
ONNX_OF = {"linear_regression": "linear_regression", "mlp_portable": "mlp", "mlp_xnnpack": "mlp",
           "cnn_portable": "cnn", "cnn_xnnpack": "cnn", "mlp_int8_xnnpack": "mlp_int8"}
BEGIN, END = "<!-- latest-results:begin -->", "<!-- latest-results:end -->"


def fmt(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_err(score: float, err: float | None) -> str:
    if err is None or math.isnan(err) or math.isinf(err):
        return fmt(score)
    return f"{fmt(score)} ± {fmt(err)}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def load_jmh(path: Path | None) -> list[dict]:
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return []
    return json.loads(path.read_text())


def secondary(entry: dict, name: str) -> float | None:
    for key, m in (entry.get("secondaryMetrics") or {}).items():
        if key.lstrip("·") == name:  # JMH < 1.37 prefixes profiler metrics with '·'
            return m.get("score")
    return None


def load_lines(path: Path | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if path is None or not path.is_file():
        return out
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[d["model"]] = d
    return out


def build(jmh: list[dict], cpp: dict[str, dict], py: dict[str, dict], threads_note: str) -> str:
    java: dict[str, dict] = {}
    onnx: dict[str, dict] = {}
    load: dict[str, dict] = {}
    levels: dict[tuple, dict] = {}
    for e in jmh:
        name = e["benchmark"].rsplit(".", 2)
        cls, method = name[-2], name[-1]
        params = e.get("params") or {}
        pm = e["primaryMetric"]
        if pm.get("scoreUnit") != "us/op":
            print(f"report.py: {e['benchmark']}: unit {pm.get('scoreUnit')}, expected us/op", file=sys.stderr)
        row = {"score": pm["score"], "error": pm.get("scoreError"),
               "alloc": secondary(e, "gc.alloc.rate.norm"), "params": params}
        if cls == "ForwardBench":
            java[params.get("model")] = row
        elif cls == "OnnxBench":
            # several thread counts: keep the first (run.sh passes one)
            onnx.setdefault(params.get("model"), row)
        elif cls == "LoadBench":
            load[method] = row
        elif cls == "LevelBench":
            levels[(params.get("model"), params.get("level"), params.get("profiling"))] = row

    header = ("| model | Java (us ± error) | C++ (us) | Python (us) | ONNX RT Java (us) | Java/C++ "
              "| Python/Java | gc.alloc.rate.norm (B/op) |")
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    models = MODELS + sorted(set(java) - set(MODELS))
    for m in models:
        j = java.get(m)
        c = cpp.get(m)
        p = py.get(m)
        o = onnx.get(ONNX_OF.get(m, ""))
        js = j["score"] if j else None
        cs = c["mean_us"] if c else None
        ps = p["mean_us"] if p else None
        os_ = o["score"] if o else None
        if not any(x is not None for x in (js, cs, ps, os_)):
            continue
        alloc = j["alloc"] if j else None
        lines.append("| " + " | ".join([
            f"`{m}`",
            fmt_err(js, j["error"]) if j else "–",
            fmt(cs), fmt(ps), fmt(os_),
            ratio(js, cs), ratio(ps, js),
            "–" if alloc is None else f"{alloc:.0f}",
        ]) + " |")

    if levels:
        lines += ["", "| model | NONE (us) | BASIC (us) | AGGRESSIVE (us) | BASIC + profiling (us) | profiling overhead |",
                  "|---|---:|---:|---:|---:|---:|"]
        for m in sorted({k[0] for k in levels}):
            def cell(level, prof="false"):
                r = levels.get((m, level, prof))
                return (r["score"], r["error"]) if r else (None, None)
            b, _ = cell("BASIC")
            bp, _ = cell("BASIC", "true")
            row = [f"`{m}`"] + [fmt_err(*cell(l)) if cell(l)[0] is not None else "–"
                                 for l in ("NONE", "BASIC", "AGGRESSIVE")]
            row += [fmt_err(*cell("BASIC", "true")) if bp is not None else "–",
                    f"{(bp / b - 1) * 100:+.1f}%" if b and bp else "–"]
            lines.append("| " + " | ".join(row) + " |")

    extra = []
    if load:
        model = next(iter(load.values()))["params"].get("model", "?")
        parts = [f"{k} {fmt_err(v['score'], v['error'])} us" for k, v in sorted(load.items())]
        extra.append(f"Load of `{model}` from Java (LoadBench; close not timed): " + ", ".join(parts) + ".")
    lm = [f"C++ {cpp[m]['load_ms'] * 1000:.0f} us" for m in ["cnn_xnnpack"] if m in cpp]
    lm += [f"Python {py[m]['load_ms'] * 1000:.0f} us" for m in ["cnn_xnnpack"] if m in py]
    if lm:
        extra.append("Program + method load of `cnn_xnnpack` (mmap, median): " + ", ".join(lm) + ".")
    if onnx:
        t = sorted({str(v["params"].get("threads", "?")) for v in onnx.values()})
        extra.append(f"ONNX Runtime: the same networks as `.onnx` (fp32; `mlp_int8.onnx` has int8 weights from "
                     f"ONNX Runtime's quantize_dynamic), intraOpNumThreads={','.join(t)}{threads_note}.")
    return "\n".join(lines) + ("\n\n" + "\n".join(f"* {x}" for x in extra) if extra else "") + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jmh", type=Path)
    ap.add_argument("--cpp", type=Path)
    ap.add_argument("--python", type=Path)
    ap.add_argument("--out", type=Path, help="also write the report here")
    ap.add_argument("--readme", type=Path, help=f"replace the text between {BEGIN} and {END}")
    ap.add_argument("--title", default="")
    ap.add_argument("--note", action="append", default=[], help="a bullet under the table (repeatable)")
    args = ap.parse_args()

    table = build(load_jmh(args.jmh), load_lines(args.cpp), load_lines(args.python), "")
    notes = "".join(f"* {n}\n" for n in args.note)
    body = (f"{args.title}\n\n" if args.title else "") + table + notes
    print(body, end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(body)
    if args.readme:
        text = args.readme.read_text()
        pat = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        if not pat.search(text):
            print(f"report.py: no {BEGIN} marker in {args.readme}; not updated", file=sys.stderr)
        else:
            args.readme.write_text(pat.sub(lambda _: f"{BEGIN}\n{body}{END}", text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
