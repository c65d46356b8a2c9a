"""``digit-classifier train-detector``: train the digit detector (see docs/detector-card.md).

The detector (exercise/detector.py) finds where in a frame handwritten digits are, before
their ink is measured and a student's model reads them. PyTorch is imported only when the
command runs, so ``--help`` works on a runtime-only install (Python 3.8, no torch); the
options live here, torch-free, and ``python -m exercise.training.detector`` uses the same ones.
"""

from __future__ import annotations

import argparse
from typing import Any

from exercise.training.options import add_detector_arguments


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
