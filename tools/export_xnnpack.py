"""Export a PyTorch model to an ExecuTorch program that XNNPACK runs in as few pieces as possible.

ExecuTorch's plain XNNPACK lowering (``to_edge_transform_and_lower`` + ``XnnpackPartitioner``)
leaves parts of every transformer layer outside XNNPACK in 1.5.1, and each one splits the graph
into another delegate call with a portable kernel between:

* ``aten.native_layer_norm``: the partitioner has no LayerNorm config. ``xnnpack_friendly``
  rewrites ``nn.LayerNorm`` over the last dimension with operators it does lower: the two means
  as a ``linear`` with a constant 1/H row (XNNPACK's ``mean.dim`` takes only 4-D spatial means),
  then ``sub``, ``mul``, ``rsqrt``, ``add``. Same arithmetic as the eager LayerNorm (two-pass
  variance, biased), within float32 rounding.
* ``aten.expand_copy`` that changes nothing, left by ``matmul`` on 4-D attention tensors:
  ExecuTorch's own ``RemoveNoopExpandCopyPass`` (``get_transform_passes``) drops them, but the
  XNNPACK recipe does not run it by default.
* ``scaled_dot_product_attention``'s safe softmax, and the ``select``/``squeeze``/``unsqueeze``
  with which ``nn.MultiheadAttention`` splits q, k and v: see ``attention_as_matmul_softmax``
  and ``_shape_ops_as_view``.

A 12-layer ViT goes from 86 XNNPACK partitions to 1, a 4-layer BERT from 17 to 1 (bench/README.md,
"Model zoo", has the measured effect). Usage::

    from export_xnnpack import lower_to_pte
    lower_to_pte(model.eval(), (example_input,), "model.pte")

or ``python tools/export_xnnpack.py --help`` for the torchvision/Hugging Face demo.
"""

from __future__ import annotations

import collections
import math

import torch


class XnnpackLayerNorm(torch.nn.Module):
    """LayerNorm over the last dimension, written with operators XNNPACK lowers."""

    def __init__(self, norm: torch.nn.LayerNorm):
        super().__init__()
        (hidden,) = norm.normalized_shape
        self.weight, self.bias, self.eps = norm.weight, norm.bias, norm.eps
        # mean(x, -1) == linear(x, [1/H ... 1/H]): a GEMM XNNPACK takes, where mean.dim is not.
        self.register_buffer("average", torch.full((1, hidden), 1.0 / hidden), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        centered = x - torch.nn.functional.linear(x, self.average)
        variance = torch.nn.functional.linear(centered * centered, self.average)
        y = centered * torch.rsqrt(variance + self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y


def xnnpack_friendly(model: torch.nn.Module) -> int:
    """Replaces, in place, every last-dimension ``nn.LayerNorm``; returns how many."""
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.LayerNorm) and len(child.normalized_shape) == 1:
                setattr(module, name, XnnpackLayerNorm(child))
                replaced += 1
    return replaced


def attention_as_matmul_softmax(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                enable_gqa=False):
    """``scaled_dot_product_attention`` (inference) as matmul, softmax, matmul.

    ExecuTorch 1.5.1 otherwise decomposes it with torch's "safe softmax" (``any``/``eq``/``where``
    to give fully masked rows 0 instead of NaN), which XNNPACK does not take: every attention
    then runs in three pieces. The one difference: a row whose keys are all masked gives NaN.
    """
    if enable_gqa and q.shape[-3] != k.shape[-3]:
        groups = q.shape[-3] // k.shape[-3]
        k, v = k.repeat_interleave(groups, -3), v.repeat_interleave(groups, -3)
    s = scale if scale is not None else 1.0 / math.sqrt(q.shape[-1])
    scores = torch.matmul(q * s, k.transpose(-2, -1))
    if is_causal:
        scores = scores + torch.full((q.shape[-2], k.shape[-2]), float("-inf")).triu(1)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            # Additive, and computed from the mask alone: it stays outside the activation path,
            # so the attention itself is not cut by a non-delegated where.
            attn_mask = torch.zeros(attn_mask.shape, dtype=scores.dtype).masked_fill(
                attn_mask.logical_not(), float("-inf"))
        scores = scores + attn_mask
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def _shape_ops_as_view():
    """An edge pass: ``select_copy`` as ``slice_copy`` + ``view_copy``, ``squeeze``/``unsqueeze``
    as ``view_copy``. XNNPACK takes slices and views, not these (torch's MultiheadAttention
    splits its packed q/k/v projection with them, three pieces more per layer)."""
    from executorch.exir.dialects._ops import ops as exir_ops
    from executorch.exir.pass_base import ExportPass

    edge = exir_ops.edge.aten
    reshapes = (edge.squeeze_copy.dims, edge.squeeze_copy.dim, edge.squeeze_copy.default, edge.unsqueeze_copy.default)

    class ShapeOpsAsView(ExportPass):
        def call_operator(self, op, args, kwargs, meta):
            if op in reshapes:
                return super().call_operator(edge.view_copy.default, (args[0], list(meta["val"].shape)), {}, meta)
            if op == edge.select_copy.int:
                x, dim, index = args
                size = x.to_tensor().shape
                dim %= len(size)
                index %= size[dim]
                sliced = super().call_operator(edge.slice_copy.Tensor, (x, dim, index, index + 1), {}, meta)
                return super().call_operator(edge.view_copy.default, (sliced, list(meta["val"].shape)), {}, meta)
            return super().call_operator(op, args, kwargs, meta)

    return ShapeOpsAsView()


def lower(exported: torch.export.ExportedProgram, *, tuned: bool = True):
    """ExecuTorch's XNNPACK lowering; ``tuned`` adds attention as matmul/softmax, ExecuTorch's
    no-op expand removal and shape ops as views."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.backends.xnnpack.utils.configs import get_transform_passes
    from executorch.exir import to_edge_transform_and_lower

    extra = {}
    if tuned:
        exported = exported.run_decompositions(
            {torch.ops.aten.scaled_dot_product_attention.default: attention_as_matmul_softmax})
        extra = {"transform_passes": get_transform_passes([_shape_ops_as_view()])}
    return to_edge_transform_and_lower(exported, partitioner=[XnnpackPartitioner()], **extra)


def delegation(edge_program) -> dict:
    """Delegate calls and the operators left outside XNNPACK, by name."""
    calls, others = 0, collections.Counter()
    for node in edge_program.exported_program().graph.nodes:
        if node.op != "call_function" or "getitem" in str(node.target):
            continue
        if "executorch_call_delegate" in str(node.target):
            calls += 1
        else:
            name = getattr(node.target, "_name", None) or str(node.target).split(":")[0]
            others[str(name).replace("<EdgeOpOverload: ", "").rstrip(">")] += 1
    return {"partitions": calls, "non_delegated_ops": dict(sorted(others.items()))}


def lower_to_pte(model: torch.nn.Module, example_inputs: tuple, path: str, *, tuned: bool = True) -> dict:
    """Exports ``model`` (in eval mode) to ``path``; returns ``delegation`` of the result."""
    if tuned:
        xnnpack_friendly(model)
    edge = lower(torch.export.export(model, example_inputs), tuned=tuned)
    pieces = delegation(edge)  # before to_executorch, which rewrites the graph in place
    with open(path, "wb") as f:
        edge.to_executorch().write_to_file(f)
    return pieces


def _main() -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description="Export a seeded, randomly initialised torchvision or BERT model both ways "
        "and print how XNNPACK partitions each.")
    parser.add_argument("model", help="a torchvision model name (vit_b_16, resnet18, …) or 'bert'")
    parser.add_argument("--out", default=".", help="folder for NAME.default.pte and NAME.tuned.pte")
    args = parser.parse_args()
    for tuned in (False, True):
        torch.manual_seed(0)
        if args.model == "bert":
            from transformers import BertConfig, BertModel

            bert = BertModel(BertConfig(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                                        intermediate_size=1024, attn_implementation="eager"))

            class Encoder(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.bert = bert

                def forward(self, ids, mask):
                    return self.bert(input_ids=ids, attention_mask=mask).last_hidden_state

            model, inputs = Encoder(), (torch.randint(0, 30000, (1, 128)), torch.ones(1, 128, dtype=torch.long))
        else:
            import torchvision

            model, inputs = torchvision.models.get_model(args.model, weights=None), (torch.randn(1, 3, 224, 224),)
        path = f"{args.out}/{args.model}.{'tuned' if tuned else 'default'}.pte"
        print(path, lower_to_pte(model.eval(), inputs, path, tuned=tuned))


if __name__ == "__main__":
    _main()
