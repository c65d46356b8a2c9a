"""``digit-classifier train``: train a digit classifier with PyTorch (see docs/training.md).

PyTorch is imported only when the command runs, so ``--help`` works on a runtime-only
install (Python 3.8, no torch).
"""

from __future__ import annotations

import argparse
from typing import Any

from exercise.exceptions import UsageError
from exercise.training.options import add_train_arguments


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a digit classifier with PyTorch (needs the [train] extra)",
        description="Train a network on MNIST-format IDX data: progress bars, validation each epoch, "
        "best checkpoint, early stopping, --resume, a JSON-lines log and PNG plots in --out. "
        "Export the result with `digit-classifier export OUT/best.pt -o model.onnx`. See docs/training.md.",
    )
    add_train_arguments(parser)
    parser.set_defaults(func=run, command="train")


def run(args: argparse.Namespace) -> int:
    from exercise.commands._torch import require_torch

    require_torch("train")
    if (args.finetune is None) != (args.extra is None):
        raise UsageError("--finetune MODEL and --extra DIR go together")
    if args.finetune is not None:
        from exercise.training import finetune

        return finetune.main(args)
    from exercise.training.train import main

    return main(args=args)
