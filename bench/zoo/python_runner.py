#!/usr/bin/env python3
"""The Python peer of the model-zoo benchmark (issue 17): ExecuTorch's OWN Python runtime
(executorch.runtime over the pybindings of the executorch==1.5.1 wheel, not our facade) on
the NAME.pte of a manifest written by bench/zoo/export_zoo.py.

    python bench/zoo/python_runner.py bench/target/zoo/NAME.json --threads N \
        [--iterations I] [--warmup W] [--max-seconds S] [--serve]

Threads: the pybindings' one setting, portable_lib._unsafe_reset_threadpool(N), resizes
ExecuTorch's global threadpool (the pthreadpool that XNNPACK and the optimized CPU kernels
parallelize on) before the program is loaded; torch.set_num_threads(N) as well, for the
torch work around the call (the runtime itself does not use torch's intra-op pool).

One timed iteration = method.execute([inputs]) (copies the inputs in, runs, wraps the outputs
as torch tensors). The inputs are the manifest's .bin files; the first output is checked
against the golden: ok iff max|out-golden| <= atol + rtol*max|golden| for every output.
Prints ONE JSON line:

  {"runtime":"python","model":..,"threads":N,"mean_us":..,"p50_us":..,"p90_us":..,"min_us":..,
   "iterations":..,"load_ms":..,"peak_rss_mb":..,"max_abs_err":..,"ok":true/false}

--serve (bench/zoo/parity.py): after the check, warm up for --max-seconds, print the JSON line
{"runtime":"python","serving":true,...}, then answer each stdin line "N" with one line of N
per-call times in microseconds, until "q" or end of input.

load_ms = Runtime.load_program(path) + Program.load_method("forward") (one load);
peak_rss_mb = the process's ru_maxrss at the end; it includes the Python interpreter, torch and
the executorch modules (~940 MB on Linux x86_64 before any program is loaded), so the extra
field rss_before_load_mb (ru_maxrss after the imports and the input files, before the load)
is printed too: peak_rss_mb - rss_before_load_mb is the model's own share.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from python_runner import percentile, timed_loop  # noqa: E402  (bench/python_runner.py)

NP_DTYPES = {"float32": np.float32, "int64": np.int64}


def load_bin(path: Path, dtype: str, shape) -> torch.Tensor:
    arr = np.fromfile(path, dtype=np.dtype(NP_DTYPES[dtype]).newbyteorder("<"))
    return torch.from_numpy(arr.astype(NP_DTYPES[dtype]).reshape(shape)).contiguous()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest", type=Path)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="stop warmup, then the timed loop, after S seconds each (0 = no limit)")
    ap.add_argument("--serve", action="store_true",
                    help="time blocks on request (stdin) instead of one loop")
    args = ap.parse_args()
    if args.iterations < 1 or args.threads < 1:
        ap.error("--iterations and --threads must be >= 1")
    manifest = json.loads(args.manifest.read_text())
    base = args.manifest.parent

    from executorch.extension.pybindings import portable_lib
    from executorch.runtime import Runtime

    portable_lib._unsafe_reset_threadpool(args.threads)
    if portable_lib._threadpool_get_thread_count() != args.threads:
        raise SystemExit(f"python_runner: the ExecuTorch threadpool has "
                         f"{portable_lib._threadpool_get_thread_count()} threads, not {args.threads}")
    torch.set_num_threads(args.threads)

    inputs = [load_bin(base / i["file"], i["dtype"], i["shape"]) for i in manifest["inputs"]]
    goldens = [load_bin(base / o["golden"], o["dtype"], o["shape"]) for o in manifest["outputs"]]

    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    runtime = Runtime.get()
    t0 = time.perf_counter_ns()
    program = runtime.load_program(base / manifest["pte"])
    method = program.load_method("forward")
    load_ms = (time.perf_counter_ns() - t0) / 1e6

    execute = method.execute
    outs = execute(inputs)
    tol = manifest["tolerance"]
    max_err, ok = 0.0, len(outs) == len(goldens)
    for out, gold in zip(outs, goldens):
        if tuple(out.shape) != tuple(gold.shape):
            ok = False
            continue
        err = float((out.to(torch.float64) - gold.to(torch.float64)).abs().max())
        max_err = max(max_err, err)
        ok = ok and err <= tol["atol"] + tol["rtol"] * float(gold.abs().max())
    del outs

    if args.serve:
        return serve(execute, inputs, args.threads, args.max_seconds, ok)

    times = timed_loop(execute, inputs, args.warmup, args.iterations, args.max_seconds)

    print(json.dumps({
        "runtime": "python",
        "model": manifest["name"],
        "threads": args.threads,
        "mean_us": round(sum(times) / len(times), 3),
        "p50_us": round(percentile(times, 0.5), 3),
        "p90_us": round(percentile(times, 0.9), 3),
        "min_us": round(times[0], 3),
        "iterations": len(times),
        "load_ms": round(load_ms, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "max_abs_err": max_err,
        "ok": bool(ok),
        "rss_before_load_mb": round(rss_before_mb, 1),
    }))
    return 0 if ok else 1


def serve(execute, inputs, threads: int, warmup_seconds: float, ok: bool) -> int:
    clock = time.perf_counter_ns
    end = clock() + int(warmup_seconds * 1e9)
    while clock() < end:
        execute(inputs)
    print(json.dumps({"runtime": "python", "serving": True, "threads": threads, "ok": bool(ok)}), flush=True)
    for request in sys.stdin:
        if request.startswith("q"):
            break
        times = []
        for _ in range(int(request)):
            t0 = clock()
            out = execute(inputs)
            times.append((clock() - t0) / 1e3)
            del out
        print(" ".join(f"{t:.3f}" for t in times), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
