"""``digit-classifier export CHECKPOINT -o model.onnx``: a trained ``.pt`` to the exercise's ONNX.

Writes opset 17 ONNX (input ``input`` [N,1,28,28] float32, output ``output`` [N,10]
probabilities, normalisation in the metadata), then verifies it: the runtime's model check
must accept it and onnxruntime must match PyTorch on real test images.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a trained checkpoint (.pt) to ONNX and verify it",
        description="Export CHECKPOINT (written by `digit-classifier train`, e.g. runs/digitnet/best.pt) "
        "to ONNX, check it with the exercise's model check, and compare onnxruntime with PyTorch on "
        "test images (max abs difference must be under 1e-5).",
    )
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="a .pt file written by train")
    parser.add_argument(
        "-o",
        "--output",
        metavar="MODEL",
        default="model.onnx",
        help="the .onnx file to write (default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="IDX directory whose test images the verification uses (default: the run's "
        "data directory, else the download cache)",
    )
    parser.add_argument(
        "--verify-images",
        type=int,
        default=1000,
        metavar="N",
        help="test images to compare PyTorch and onnxruntime on (default: %(default)s)",
    )
    parser.set_defaults(func=run, command="export")


def run(args: argparse.Namespace) -> int:
    from exercise.commands._torch import require_torch

    require_torch("export")
    from exercise.training.export import export_and_verify

    ok = export_and_verify(Path(args.checkpoint), Path(args.output), args.data, args.verify_images)
    return 0 if ok else 1
