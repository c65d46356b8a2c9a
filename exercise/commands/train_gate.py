"""``digit-classifier train-gate``: train the handwriting gate (see docs/gate-card.md).

The gate (exercise/gate.py) decides whether a digit-shaped mark looks like handwriting
before a student's model reads it. PyTorch is imported only when the command runs, so
``--help`` works on a runtime-only install (Python 3.8, no torch); the options live here,
torch-free, and ``python -m exercise.training.gate`` uses the same ones.
"""

from __future__ import annotations

import argparse
from typing import Any

from exercise.training.options import default_cache_dir


def add_gate_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register every ``train-gate`` option on ``parser``; returns it."""
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="runs/gate",
        help="where the mined candidates, checkpoint, ONNX file and table go (default: %(default)s)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=4000,
        metavar="N",
        help="scene frames mined for training, spread over the tuning families; as many again with "
        "non-digits drawn into them and as many plain grounds with non-digits; half as many of each "
        "for validation, and half as many held-out frames for the report (default: %(default)s)",
    )
    parser.add_argument("--epochs", type=int, default=30, help="epochs to train (default: %(default)s)")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="training batch size (default: %(default)s)"
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=3e-3,
        help="peak learning rate of the one-cycle schedule (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="random seed of the network's weights and shuffling; the scenes have fixed seeds, so "
        "the mined candidates are the same for every --seed (default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="directory with the four MNIST IDX files, gzipped or not (default: download MNIST once "
        f"into {default_cache_dir()})",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for PyTorch (default: %(default)s)"
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="mine the candidates again even if OUT/candidates.npz matches the finder, scenes and settings",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="copy the exported gate to exercise/assets/handwriting_gate.onnx (the one the exercise uses)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars, only the summary lines")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="a few frames, one batch, export and check, no cache: tries the whole path in seconds",
    )
    return parser


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train-gate",
        help="train the handwriting gate that keeps non-digits from the model (needs the [train] extra)",
        description="Mine the candidates exercise.preprocess.find_candidates returns on generated scenes "
        "and on non-digits (lines, corners, blobs, textures, printed characters, faces, fingers), train "
        "a tiny network that tells handwriting from the rest, pick its threshold so that 99.5% of "
        "validation digits pass, and export it as ONNX with the threshold in its metadata. Prints "
        "digits kept and non-digits rejected per scene family, the held-out family apart. "
        "See docs/gate-card.md.",
    )
    add_gate_arguments(parser)
    parser.set_defaults(func=run, command="train-gate")


def run(args: argparse.Namespace) -> int:
    from exercise.commands._torch import require_torch

    require_torch("train-gate")
    from exercise.training.gate import main

    return main(args=args)
