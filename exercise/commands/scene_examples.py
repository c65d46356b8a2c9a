"""``digit-classifier scene-examples``: digits as the webcam path hands them to a model.

Writes MNIST train digits into generated webcam scenes, reads them with the exercise's own
reading path and saves each digit it finds as a labelled 28x28 example, in the IDX files
``train --finetune MODEL --extra DIR`` reads (see exercise/training/scene_examples.py).
"""

from __future__ import annotations

import argparse
from typing import Any

from exercise.training.options import add_scene_examples_arguments


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scene-examples",
        help="save digits as the webcam path reads them, to fine-tune a model on (needs the [train] extra)",
        description="Write MNIST train digits into generated webcam scenes (every tuning scene family, "
        "never the held-out one), read each frame as the exercise does (detector, gate, MNIST-style "
        "normalisation) and save each digit found as a labelled 28x28 example: what a model meets "
        "live. Fine-tune on them with `digit-classifier train --finetune MODEL --extra OUT`, or read "
        "the IDX files in any framework.",
    )
    add_scene_examples_arguments(parser)
    parser.set_defaults(func=run, command="scene-examples")


def run(args: argparse.Namespace) -> int:
    from exercise.commands._torch import require_torch

    if args.frames < 1:
        from exercise.exceptions import UsageError

        raise UsageError("--frames must be at least 1")
    require_torch("scene-examples")
    from exercise.training.scene_examples import main

    return main(args)
