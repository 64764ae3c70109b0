#!/usr/bin/env python3
"""Where ONNX Runtime's kernels beat ExecuTorch's, one operator at a time (issue 17).

    python bench/zoo/op_compare.py [--threads 1] [--out bench/target/ops] [--seconds 2]

The zoo's models run the same kernels from Java, C++ and Python (bench/zoo.sh shows the three
agree), so a gap to ONNX Runtime is a kernel difference. This script names it: each layer below,
the kind the zoo's models are made of, is exported alone (seeded weights) to an XNNPACK .pte
(tools/export_xnnpack.py's recipe) and to ONNX, both outputs are checked against PyTorch eager,
and both runtimes are timed in this process at the same thread count (ExecuTorch's pool through
portable_lib._unsafe_reset_threadpool, ONNX Runtime's intra_op_num_threads). One markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import export_xnnpack  # noqa: E402


class Attention(nn.Module):
    """softmax(q k^T / sqrt(d)) v over 4 heads, as the zoo's encoders compute it."""

    def forward(self, q, k, v):
        return torch.softmax(q @ k.transpose(-2, -1) * 0.125, dim=-1) @ v


def layers():
    """(name, module, inputs): the building blocks of the zoo's CNNs and encoders."""
    r = torch.randn
    return [
        ("conv 7x7/2 3->64 @224 (resnet stem)", nn.Conv2d(3, 64, 7, 2, 3), (r(1, 3, 224, 224),)),
        ("conv 3x3 64->64 @56 (resnet block)", nn.Conv2d(64, 64, 3, 1, 1), (r(1, 64, 56, 56),)),
        ("conv 3x3 256->256 @14", nn.Conv2d(256, 256, 3, 1, 1), (r(1, 256, 14, 14),)),
        ("conv 1x1 24->144 @56 (mobilenet expand)", nn.Conv2d(24, 144, 1), (r(1, 24, 56, 56),)),
        ("depthwise 3x3 144 @56 (mobilenet)", nn.Conv2d(144, 144, 3, 1, 1, groups=144), (r(1, 144, 56, 56),)),
        ("linear 128x256 -> 1024 (bert FFN)", nn.Linear(256, 1024), (r(1, 128, 256),)),
        ("linear 197x192 -> 576 (vit qkv)", nn.Linear(192, 576), (r(1, 197, 192),)),
        ("attention 4 heads 128x64", Attention(), (r(1, 4, 128, 64), r(1, 4, 128, 64), r(1, 4, 128, 64))),
        ("layer norm 128x256", nn.Sequential(nn.LayerNorm(256)), (r(1, 128, 256),)),
        ("gelu 128x1024", nn.GELU(), (r(1, 128, 1024),)),
    ]


def time_loop(call, seconds: float) -> float:
    for _ in range(3):
        call()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 10:
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=Path("bench/target/ops"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import onnxruntime as ort
    from executorch.extension.pybindings import portable_lib
    from executorch.runtime import Runtime

    portable_lib._unsafe_reset_threadpool(args.threads)
    torch.set_num_threads(args.threads)
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = args.threads, 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL

    print(f"| layer ({args.threads} thread{'s' if args.threads > 1 else ''}) | XNNPACK partitions "
          "| ExecuTorch µs | ONNX Runtime µs | ExecuTorch / ORT | max err ET, ORT |")
    print("|---|---|---|---|---|---|")
    for i, (name, module, inputs) in enumerate(layers()):
        torch.manual_seed(i)
        for p in module.parameters():
            nn.init.normal_(p, std=0.05)
        module.eval()
        with torch.no_grad():
            golden = module(*inputs)
        pte, onnx = args.out / f"op{i}.pte", args.out / f"op{i}.onnx"
        # ONNX first: lower_to_pte rewrites LayerNorm in place for XNNPACK.
        torch.onnx.export(module, inputs, str(onnx), opset_version=17, dynamo=False,
                          input_names=[f"in{k}" for k in range(len(inputs))])
        pieces = export_xnnpack.lower_to_pte(module, inputs, str(pte))
        method = Runtime.get().load_program(str(pte)).load_method("forward")
        session = ort.InferenceSession(str(onnx), so, providers=["CPUExecutionProvider"])
        feed = {f"in{k}": x.numpy() for k, x in enumerate(inputs)}
        et_err = float((method.execute(list(inputs))[0] - golden).abs().max())
        ort_err = float(np.abs(session.run(None, feed)[0] - golden.numpy()).max())
        et_us = time_loop(lambda: method.execute(list(inputs)), args.seconds)
        ort_us = time_loop(lambda: session.run(None, feed), args.seconds)
        print(f"| {name} | {pieces['partitions']} | {et_us:,.0f} | {ort_us:,.0f} | {et_us / ort_us:.2f} "
              f"| {et_err:.1e}, {ort_err:.1e} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
