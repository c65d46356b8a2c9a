"""Fine-tune a trained model on MNIST plus a student's own hard examples, then export it.

``digit-classifier train --finetune MODEL --extra DIR`` ends up in :func:`main`. Read top
to bottom: load the model (a ``train`` checkpoint, or an ONNX file this project exported),
load MNIST and the examples, measure both, train a few hundred steps in which every batch
is part MNIST and part examples (so that a few hundred examples weigh as much as they
should against 55,000 MNIST digits, and MNIST is not forgotten), measure again, export
with the parity check.

Output directory (``--out``)::

    finetuned.pt     the fine-tuned checkpoint (``export`` and ``evaluate`` take it)
    model.onnx       the same, exported and verified: upload it in the page
    finetune.json    what was measured before and after
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from tqdm import tqdm

from exercise.examples import ExampleSet, counts_per_class
from exercise.exceptions import DatasetError, ModelFormatError, UsageError
from exercise.model import NORMALIZATION_KEY
from exercise.training import checkpoints, data, export, nets, options
from exercise.training.train import test

CHECKPOINT = "finetuned.pt"
ONNX_FILE = "model.onnx"
SUMMARY = "finetune.json"


def load_model(path: Path) -> Tuple[torch.nn.Module, str, str]:
    """(network, architecture, input normalisation) of a checkpoint or of an ONNX file we exported.

    Raises:
        ModelFormatError: neither; the message says what can be fine-tuned.
    """
    if path.suffix != ".onnx":
        state = checkpoints.load(path)
        return checkpoints.restore_network(state), str(state["arch"]), str(state["normalization"])
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # onnx raises several kinds for a file that is not a model
        raise ModelFormatError(f"not an ONNX model ({exc})", source=str(path)) from exc
    metadata = {entry.key: entry.value for entry in model.metadata_props}
    arch = metadata.get("arch", "")
    if arch not in nets.ARCHITECTURES:
        raise ModelFormatError(
            "only checkpoints of `digit-classifier train` (.pt) and ONNX files it exported (metadata "
            f"'arch' one of {', '.join(sorted(nets.ARCHITECTURES))}) can be fine-tuned here; fine-tune "
            "your model in its own framework on the examples' IDX files instead",
            source=str(path),
        )
    net = nets.build(arch)
    _load_onnx_weights(net, model, str(path))
    return net.eval(), arch, metadata.get(NORMALIZATION_KEY, "unit")


def _load_onnx_weights(net: torch.nn.Module, model: onnx.ModelProto, source: str) -> None:
    """Copy each Conv and Gemm node's weights into the network's layers, in order.

    The exporter folds each batch norm into the convolution before it, so the batch norms
    become identities whose running statistics stay fixed during fine-tuning.
    """
    constants = {tensor.name: numpy_helper.to_array(tensor) for tensor in model.graph.initializer}
    found: List[Tuple[np.ndarray, np.ndarray]] = []
    for node in model.graph.node:
        if node.op_type not in ("Conv", "Gemm") or len(node.input) < 3:
            continue
        weight, bias = constants.get(node.input[1]), constants.get(node.input[2])
        if weight is None or bias is None:
            continue
        # Gemm multiplies by B, or by B transposed when transB = 1 (torch's Linear layout).
        as_linear = any(a.name == "transB" and a.i == 1 for a in node.attribute)
        found.append((weight.T if node.op_type == "Gemm" and not as_linear else weight, bias))
    # Each layer with weights, and the batch norm after it (which takes the folded bias
    # when the layer has none of its own).
    layers: List[Tuple[Union[torch.nn.Conv2d, torch.nn.Linear], Optional[torch.nn.BatchNorm2d]]] = []
    for module in net.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            layers.append((module, None))
        elif isinstance(module, torch.nn.BatchNorm2d) and layers:
            layers[-1] = (layers[-1][0], module)
    if len(found) != len(layers) or any(
        tuple(layer.weight.shape) != w.shape for (layer, _), (w, _) in zip(layers, found)
    ):
        raise ModelFormatError(
            "its weights do not fit the architecture its metadata names; fine-tune its checkpoint (.pt)",
            source=source,
        )
    with torch.no_grad():
        for (layer, norm), (weight, bias) in zip(layers, found):
            layer.weight.copy_(torch.from_numpy(np.array(weight)))
            if norm is not None:
                assert norm.running_mean is not None and norm.running_var is not None
                norm.weight.fill_(1.0)
                norm.bias.zero_()
                norm.running_mean.zero_()
                norm.running_var.fill_(1.0 - norm.eps)  # divides by sqrt(var + eps) = 1
            target = layer.bias if layer.bias is not None else (norm.bias if norm is not None else None)
            if target is None:
                raise ModelFormatError(
                    "a layer's bias has nowhere to go; fine-tune its checkpoint (.pt)", source=source
                )
            target.copy_(torch.from_numpy(np.array(bias)))


def accuracy(net: torch.nn.Module, images: np.ndarray, labels: np.ndarray, normalization: str) -> float:
    """Share of ``images`` (uint8 ``(N, 28, 28)``) that ``net`` reads as ``labels``."""
    _, share, _ = test(net, data.DigitDataset(images, labels), normalization, torch.device("cpu"), quiet=True)
    return share


def _frozen_norms(net: torch.nn.Module) -> None:
    """Training mode, except that the batch norms' running statistics stay MNIST's (or the
    folded identity); their scale and shift train with the rest."""
    net.train()
    for module in net.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()


def finetune(
    net: torch.nn.Module,
    mnist: data.DigitDataset,
    extra: data.DigitDataset,
    normalization: str,
    args: argparse.Namespace,
) -> None:
    """``args.steps`` steps of AdamW; each batch holds ``args.extra_share`` of examples."""
    generator = torch.Generator().manual_seed(args.seed)
    augment = data.Augmenter()
    batch_size = args.batch_size
    from_extra = max(1, round(batch_size * args.extra_share))
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.finetune_lr, weight_decay=args.weight_decay)
    # No warm-up: the weights are trained already; the rate falls from its peak to nothing.
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)
    _frozen_norms(net)
    for _ in tqdm(range(args.steps), desc="fine-tune", unit="step", disable=args.quiet):
        pick_mnist = torch.randint(len(mnist), (batch_size - from_extra,), generator=generator)
        pick_extra = torch.randint(len(extra), (from_extra,), generator=generator)
        images = torch.cat([mnist.images[pick_mnist], extra.images[pick_extra]])
        labels = torch.cat([mnist.labels[pick_mnist], extra.labels[pick_extra]])
        batch = data.normalize(augment(data.to_float(images), generator), normalization)
        loss = F.cross_entropy(net(batch.contiguous(memory_format=torch.channels_last)), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
    net.eval()


def main(args: argparse.Namespace) -> int:
    """Fine-tune as the arguments say; returns the process exit status."""
    if args.steps < 1 or not 0.0 < args.extra_share < 1.0:
        raise UsageError("--steps must be at least 1, and --extra-share between 0 and 1 (not either)")
    if args.device != "cpu":
        raise UsageError("--finetune runs on the CPU (a few hundred steps): leave out --device")
    if args.dry_run:
        args.steps = 1  # the whole path, one step: checks model, examples and output quickly
    started = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    source = Path(args.finetune)
    net, arch, normalization = load_model(source)
    net = nets.with_memory_format(net, torch.channels_last)
    extra_images, extra_labels = ExampleSet(args.extra).load()
    if len(extra_labels) == 0:
        raise DatasetError(
            str(args.extra), "holds no examples: save some in the page first (Save this digit)"
        )
    data_dir = data.resolve_data_dir(args.data)
    splits = data.load_splits(data_dir, args.val_size, args.subset)
    test_images, test_labels = splits.test.numpy()
    print(
        f"fine-tuning {source} ({arch}, input {normalization}) on {len(splits.train):,} MNIST images and "
        f"{len(extra_labels)} examples from {args.extra} (per digit {counts_per_class(extra_labels)}); "
        f"{args.steps} steps of {args.batch_size}, {args.extra_share:.0%} of each batch examples; "
        f"{args.threads} thread(s)"
    )
    before = {
        "mnist_test": accuracy(net, test_images, test_labels, normalization),
        "examples": accuracy(net, extra_images, extra_labels, normalization),
    }
    finetune(net, splits.train, data.DigitDataset(extra_images, extra_labels), normalization, args)
    after = {
        "mnist_test": accuracy(net, test_images, test_labels, normalization),
        "examples": accuracy(net, extra_images, extra_labels, normalization),
    }
    out = Path(args.out or options.DEFAULT_FINETUNE_OUT)
    saved_args = {k: v for k, v in vars(args).items() if k != "func"}
    checkpoints.save(
        out / CHECKPOINT,
        arch=arch,
        net=net,
        normalization=normalization,
        epoch=0,
        best_val_accuracy=float("nan"),
        args=saved_args,
    )
    verified = _export(net, arch, normalization, out / ONNX_FILE, (test_images, test_labels), source)
    seconds = time.perf_counter() - started
    print(_table(before, after, len(test_labels), len(extra_labels)))
    summary: Dict[str, Any] = {
        "source": str(source),
        "extra": str(args.extra),
        "examples": len(extra_labels),
        "examples_per_digit": counts_per_class(extra_labels),
        "before": before,
        "after": after,
        "seconds": round(seconds, 1),
        "export_verified": verified,
        "args": saved_args,
    }
    (out / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{seconds:.0f} s in all; upload {out / ONNX_FILE} in the page (Model: Upload .onnx...)")
    return 0 if verified else 1


def _export(
    net: torch.nn.Module,
    arch: str,
    normalization: str,
    path: Path,
    test_set: Tuple[np.ndarray, np.ndarray],
    source: Path,
) -> bool:
    """Write ``net`` as ONNX (fine-tunable again: it names its architecture) and verify it."""
    test_images, test_labels = test_set
    net = nets.with_memory_format(net, torch.contiguous_format).eval()
    path.write_bytes(export.to_onnx_bytes(net, normalization, {"arch": arch, "finetuned_from": source.name}))
    images01 = test_images[:1000, None].astype(np.float32) / 255.0
    result = export.verify(path, net, images01, test_labels[:1000].astype(np.int64), normalization)
    print(
        f"wrote {path}: parity on {result.images} test images, max |onnxruntime - PyTorch| = "
        f"{result.max_abs_difference:.1e}: {'verified' if result.ok else 'FAILED VERIFICATION'}"
    )
    return result.ok


def _table(before: Dict[str, float], after: Dict[str, float], tests: int, examples: int) -> str:
    rows = [
        ("", "before", "after"),
        (f"MNIST test ({tests:,})", f"{before['mnist_test']:.2%}", f"{after['mnist_test']:.2%}"),
        (f"your examples ({examples}, trained on)", f"{before['examples']:.2%}", f"{after['examples']:.2%}"),
    ]
    width = max(len(row[0]) for row in rows)
    return "\n".join(f"{name:<{width}}  {b:>8}  {a:>8}" for name, b, a in rows)
