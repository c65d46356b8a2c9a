"""The ``train`` command's options, without importing PyTorch.

``digit-classifier --help`` and ``digit-classifier train --help`` build their parsers from
here, so they work on the runtime's Python 3.8 install where torch is absent; only running
the training imports torch. Keep this module 3.8-compatible and torch-free.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import List

#: ``--arch`` choices, in the order of the side-by-side table; nets.ARCHITECTURES builds them.
ARCH_NAMES: List[str] = ["mlp", "lenet", "cnn", "digitnet"]
#: The architecture of the bundled default model.
DEFAULT_ARCH = "digitnet"
#: Images held out of the training set to pick the best epoch and stop early.
DEFAULT_VAL_SIZE = 5000
SCALINGS: List[str] = ["unit", "mnist", "symmetric"]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/digit-classifier/mnist``, or ``~/.cache/digit-classifier/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "digit-classifier" / "mnist"


def add_train_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register every training option on ``parser``; returns it."""
    parser.add_argument(
        "--arch",
        default=DEFAULT_ARCH,
        choices=ARCH_NAMES,
        help="network: mlp (784-128-64-10), lenet (LeNet-5), cnn (PyTorch example), "
        f"digitnet (the default model's) (default: {DEFAULT_ARCH})",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="directory with the four MNIST-format IDX files, gzipped or not (default: "
        f"download MNIST once into {default_cache_dir()})",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="runs/digitnet",
        help="where checkpoints, log and plots go (default: %(default)s)",
    )
    parser.add_argument("--epochs", type=int, default=15, help="epochs to train (default: %(default)s)")
    parser.add_argument(
        "--batch-size", type=int, default=128, help="training batch size (default: %(default)s)"
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=3e-3,
        help="peak learning rate of the one-cycle schedule (default: %(default)s)",
    )
    parser.add_argument(
        "--weight-decay", type=float, default=1e-4, help="AdamW weight decay (default: %(default)s)"
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=5,
        help="stop after this many epochs without a better validation accuracy (default: %(default)s)",
    )
    parser.add_argument(
        "--normalization",
        default="unit",
        choices=SCALINGS,
        help="input scaling trained with and recorded in the exported model (default: unit)",
    )
    # Two flags by hand: argparse.BooleanOptionalAction needs Python 3.9.
    parser.add_argument(
        "--augment",
        dest="augment",
        action="store_true",
        default=True,
        help="random webcam-like distortions of training images (default)",
    )
    parser.add_argument(
        "--no-augment", dest="augment", action="store_false", help="train on the images as they are"
    )
    parser.add_argument(
        "--val-size",
        type=int,
        default=DEFAULT_VAL_SIZE,
        help="validation images taken from the training set (default: %(default)s)",
    )
    parser.add_argument("--subset", type=int, metavar="N", help="use only N training images (quick runs)")
    parser.add_argument("--device", default="cpu", help="cpu (default), or cuda when present")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for PyTorch (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last.pt")
    parser.add_argument(
        "--no-plots", dest="plots", action="store_false", help="skip the PNG plots at the end"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars, only the per-epoch lines")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="one batch of one epoch: checks data, network and output directory quickly",
    )
    return parser
