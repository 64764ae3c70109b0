#!/usr/bin/env python3
"""The Python peer of LlmBench: the same calls on fixtures/llm/tiny_llama.pte with ExecuTorch's
own Python runtime (executorch.runtime, the pybindings of the executorch==1.5.1 wheel), one
thread (XNNPACK threadpool reset to 1, like LlmBench's threads=1).

  rawDecodeStep      forward(1 token, pos 64) + argmax
  rawPrefill32       forward(32 tokens, pos 0) + argmax
  generate32Then64   prefill 32 tokens, then 64 greedy decode steps (a Python generation loop)

Prints one JSON line per benchmark: mean microseconds per call over the timed calls (at least
one). Warm-up: the given number of calls, cut short after --warmup-seconds (a large model).

    python bench/llm_python_runner.py [--seconds S] [--pte PATH]   # default fixtures/llm/tiny_llama.pte
"""

import argparse
import json
import time
from pathlib import Path

import torch
from executorch.extension.pybindings import portable_lib
from executorch.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
PROMPT, DECODE, DECODE_POS = 32, 64, 64


def timed(fn, seconds, warmup, warmup_seconds):
    start = time.perf_counter_ns()
    for _ in range(warmup):
        fn()
        if time.perf_counter_ns() - start > warmup_seconds * 1e9:
            break
    n, start = 0, time.perf_counter_ns()
    while n == 0 or time.perf_counter_ns() - start < seconds * 1e9:
        fn()
        n += 1
    return (time.perf_counter_ns() - start) / 1e3 / n, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup-seconds", type=float, default=6)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pte", default=str(ROOT / "fixtures/llm/tiny_llama.pte"))
    args = ap.parse_args()
    portable_lib._unsafe_reset_threadpool(args.threads)
    torch.set_num_threads(1)
    program = Runtime.get().load_program(args.pte)
    forward = program.load_method("forward")
    ids = [5 + (i * 37) % 390 for i in range(PROMPT)]
    prompt = torch.tensor([ids], dtype=torch.long)
    one = torch.tensor([[ids[0]]], dtype=torch.long)
    pos0 = torch.tensor([0], dtype=torch.long)
    pos64 = torch.tensor([DECODE_POS], dtype=torch.long)

    def raw_decode():
        return int(torch.argmax(forward.execute([one, pos64])[0]))

    def raw_prefill():
        return int(torch.argmax(forward.execute([prompt, pos0])[0]))

    def generate():
        logits = forward.execute([prompt, pos0])[0]
        out, pos = [], PROMPT
        for _ in range(DECODE + 1):
            t = int(torch.argmax(logits))
            out.append(t)
            if len(out) == DECODE + 1:
                break
            logits = forward.execute([torch.tensor([[t]], dtype=torch.long), torch.tensor([pos], dtype=torch.long)])[0]
            pos += 1
        return out

    for name, fn, warmup in [("rawDecodeStep", raw_decode, 2000), ("rawPrefill32", raw_prefill, 500),
                             ("generate32Then64", generate, 20)]:
        us, n = timed(fn, args.seconds, warmup, args.warmup_seconds)
        print(json.dumps({"peer": "python", "benchmark": name, "us_per_op": round(us, 2), "calls": n,
                          "threads": portable_lib._threadpool_get_thread_count()}))


if __name__ == "__main__":
    main()
