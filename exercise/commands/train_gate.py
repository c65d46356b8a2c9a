"""``digit-classifier train-gate``: train the handwriting gate (see docs/gate-card.md).

The gate (exercise/gate.py) decides whether a digit-shaped mark looks like handwriting
before a student's model reads it. PyTorch is imported only when the command runs, so
``--help`` works on a runtime-only install (Python 3.8, no torch); the options live in
``exercise/training/options.py``, torch-free, and ``python -m exercise.training.gate`` uses the same ones.
"""

from __future__ import annotations

import argparse
from typing import Any

from exercise.training.options import add_gate_arguments


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train-gate",
        help="train the handwriting gate that keeps non-digits from the model (needs the [train] extra)",
        description="Mine the candidates exercise.preprocess.find_candidates returns on generated scenes "
        "and on non-digits (lines, corners, blobs, textures, printed characters, faces, fingers, "
        "handwritten letters), train "
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
