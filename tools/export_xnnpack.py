"""Export a PyTorch model to an ExecuTorch program that XNNPACK runs in as few pieces as possible.

ExecuTorch's plain XNNPACK lowering (``to_edge_transform_and_lower`` + ``XnnpackPartitioner``)
leaves two things of every transformer layer outside XNNPACK in 1.5.1, and each one splits the
graph into another delegate call with a portable kernel between:

* ``aten.native_layer_norm``: the partitioner has no LayerNorm config. ``xnnpack_friendly``
  rewrites ``nn.LayerNorm`` over the last dimension with operators it does lower: the two means
  as a ``linear`` with a constant 1/H row (XNNPACK's ``mean.dim`` takes only 4-D spatial means),
  then ``sub``, ``mul``, ``rsqrt``, ``add``. Same arithmetic as the eager LayerNorm (two-pass
  variance, biased), within float32 rounding.
* ``aten.expand_copy`` that changes nothing, left by ``matmul`` on 4-D attention tensors:
  ExecuTorch's own ``RemoveNoopExpandCopyPass`` (``get_transform_passes``) drops them, but the
  XNNPACK recipe does not run it by default.

On a 4-layer BERT this takes the program from 17 XNNPACK partitions to 1 (bench/README.md,
"Model zoo", has the measured effect). Usage::

    from export_xnnpack import lower_to_pte
    lower_to_pte(model.eval(), (example_input,), "model.pte")

or ``python tools/export_xnnpack.py --help`` for the torchvision/Hugging Face demo.
"""

from __future__ import annotations

import collections

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


def lower(exported: torch.export.ExportedProgram, *, tuned: bool = True):
    """ExecuTorch's XNNPACK lowering; ``tuned`` adds ExecuTorch's no-op expand removal."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.backends.xnnpack.utils.configs import get_transform_passes
    from executorch.exir import to_edge_transform_and_lower

    extra = {"transform_passes": get_transform_passes()} if tuned else {}
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
