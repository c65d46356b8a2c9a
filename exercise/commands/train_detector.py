"""``digit-classifier train-detector``: train the digit detector (see docs/detector-card.md).

The detector (exercise/detector.py) finds where in a frame handwritten digits are, before
their ink is measured and a student's model reads them. PyTorch is imported only when the
command runs, so ``--help`` works on a runtime-only install (Python 3.8, no torch); the
options live here, torch-free, and ``python -m exercise.training.detector`` uses the same ones.
"""

from __future__ import annotations

import argparse
from typing import Any

from exercise.training.options import default_cache_dir


def add_detector_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register every ``train-detector`` option on ``parser``; returns it."""
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="runs/detector",
        help="where the checkpoint, ONNX file and report go (default: %(default)s)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=12000,
        metavar="N",
        help="training frames: scenes of the tuning families (some with non-digits painted in), "
        "plain grounds with non-digits, pad drawings; a sixth as many for validation "
        "(default: %(default)s)",
    )
    parser.add_argument("--epochs", type=int, default=12, help="epochs to train (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="frames per batch (default: %(default)s)")
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
        help="random seed of the weights, shuffling and augmentation; the frames have fixed seeds "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="directory with the four MNIST IDX files, gzipped or not (default: download MNIST once "
        f"into {default_cache_dir()})",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="processes drawing the frames (default: %(default)s)"
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="CPU threads for PyTorch (default: %(default)s)"
    )
    parser.add_argument(
        "--zoom-in",
        type=float,
        default=1.7,
        metavar="X",
        help="training frames are seen from 0.55 up to X times nearer (default: %(default)s; 3 also "
        "shows digits filling the view)",
    )
    parser.add_argument(
        "--init",
        metavar="PT",
        help="start from these weights (a detector.pt of an earlier run) instead of random ones: fine-tuning",
    )
    parser.add_argument(
        "--checkpoint",
        metavar="PT",
        help="skip training: take these weights (a detector.pt of an earlier run) and only pick the "
        "threshold, report and export",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="copy the exported detector to exercise/assets/digit_detector.onnx (the one the exercise uses)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="a few frames, one epoch, export and check: tries the whole path in seconds",
    )
    return parser


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train-detector",
        help="train the detector that finds handwritten digits in a frame (needs the [train] extra)",
        description="Draw frames of the tuning scene families (the held-out room never) with MNIST "
        "train digits, paint non-digits into some, add pad drawings, train a small fully "
        "convolutional network to mark each handwritten digit's centre and size, pick its threshold "
        "on validation frames written with MNIST test digits, and export it as ONNX with the "
        "threshold in its metadata. Prints digits found and empty frames with a detection per "
        "source. See docs/detector-card.md.",
    )
    add_detector_arguments(parser)
    parser.set_defaults(func=run, command="train-detector")


def run(args: argparse.Namespace) -> int:
    from exercise.commands._torch import require_torch

    require_torch("train-detector")
    from exercise.training.detector import main

    return main(args=args)
