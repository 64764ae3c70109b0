#!/usr/bin/env python3
"""The Python peer of bench/: ExecuTorch's own Python runtime (executorch==1.5.1 wheel).

    python bench/python_runner.py MODEL.pte [--iterations N] [--warmup W] [--load-repeats R]
                                            [--max-seconds S]

One timed iteration = ``method.execute([inputs])`` (the pybindings copy the inputs in, run
the method and wrap the outputs as torch tensors). Inputs are preallocated torch tensors of
the declared dtypes/shapes with seeded values in [-1, 1). Timed with time.perf_counter_ns
(CLOCK_MONOTONIC on Linux). Prints one JSON line like the C++ runner:

    {"model":..,"mean_us":..,"p50_us":..,"p90_us":..,"p99_us":..,"load_ms":..}

load_ms = Runtime.load_program(path) (default InternalConsistency verification) +
Program.load_method("forward"), median of R loads (first_load_ms is the first one).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import torch
from executorch.runtime import Runtime

SEED = 42

# c10::ScalarType codes (executorch/runtime/core/portable_type/scalar_type.h)
DTYPES = {
    0: torch.uint8,
    1: torch.int8,
    2: torch.int16,
    3: torch.int32,
    4: torch.int64,
    5: torch.float16,
    6: torch.float32,
    7: torch.float64,
    11: torch.bool,
    15: torch.bfloat16,
}


def seeded(shape, code: int, gen: torch.Generator) -> torch.Tensor:
    dtype = DTYPES.get(code)
    if dtype is None:
        raise SystemExit(f"python_runner: no seeded filler for dtype code {code}")
    v = torch.rand(tuple(shape), generator=gen, dtype=torch.float64) * 2 - 1
    if dtype == torch.bool:
        return v > 0
    if dtype.is_floating_point:
        return v.to(dtype).contiguous()
    return (v * 100).to(dtype).contiguous()


def percentile(sorted_values, p: float) -> float:  # nearest rank, as the C++ runner
    n = len(sorted_values)
    idx = max(math.ceil(p * n) - 1, 0)
    return sorted_values[min(idx, n - 1)]


def timed_loop(execute, inputs, warmup: int, iterations: int, max_seconds: float) -> list:
    """Sorted per-call times (µs) of up to `iterations` calls after up to `warmup` calls, each
    phase stopping after max_seconds (0 = no limit); shared with bench/zoo/python_runner.py."""
    clock = time.perf_counter_ns
    budget = int(max_seconds * 1e9)
    deadline = clock() + budget
    for _ in range(warmup):
        execute(inputs)
        if budget and clock() > deadline:
            break
    deadline = clock() + budget
    times = []
    for _ in range(iterations):
        t0 = clock()
        out = execute(inputs)
        t1 = clock()
        times.append((t1 - t0) / 1e3)
        if budget and t1 > deadline:
            break
    del out
    times.sort()
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--load-repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0,
                    help="resize ExecuTorch's thread pool first (0 = its default, one per core)")
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="stop warmup, then the timed loop, after S seconds each (0 = no limit)")
    args = ap.parse_args()
    if args.iterations < 1:
        ap.error("--iterations must be >= 1")
    if not args.model.is_file():
        ap.error(f"no such file: {args.model}")

    if args.threads > 0:
        # The pybindings' one thread setting; before the load, which binds XNNPACK to the pool.
        from executorch.extension.pybindings import portable_lib

        portable_lib._unsafe_reset_threadpool(args.threads)
    runtime = Runtime.get()
    loads = []
    program = method = None
    for _ in range(max(args.load_repeats, 1)):
        method = program = None
        t0 = time.perf_counter_ns()
        program = runtime.load_program(args.model)
        method = program.load_method("forward")
        loads.append((time.perf_counter_ns() - t0) / 1e6)
    if method is None:
        raise SystemExit(f"python_runner: {args.model} has no method 'forward'")

    meta = method.metadata
    gen = torch.Generator().manual_seed(SEED)
    inputs = []
    for i in range(meta.num_inputs()):
        t = meta.input_tensor_meta(i)
        inputs.append(seeded(t.sizes(), t.dtype(), gen))

    execute = method.execute
    times = timed_loop(execute, inputs, args.warmup, args.iterations, args.max_seconds)

    print(json.dumps({
        "model": args.model.stem,
        "mean_us": round(sum(times) / len(times), 3),
        "p50_us": round(percentile(times, 0.5), 3),
        "p90_us": round(percentile(times, 0.9), 3),
        "p99_us": round(percentile(times, 0.99), 3),
        "load_ms": round(statistics.median(loads), 3),
        "first_load_ms": round(loads[0], 3),
        "iterations": len(times),
        "warmup": args.warmup,
        "runtime": "executorch (Python) " + _version(),
    }))
    return 0


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("executorch") + ", torch " + torch.__version__
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main())
