"""``digit-classifier plot RUN_DIR``: redraw a training run's PNG plots (no PyTorch needed)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="redraw the plots of a training run",
        description="Read RUN_DIR/log.jsonl and RUN_DIR/predictions.npz (written by `digit-classifier "
        "train`) and write curves.png, samples.png, confusion.png and mistakes.png into RUN_DIR.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the --out directory of a training run")
    parser.add_argument(
        "--data", metavar="DIR", help="IDX directory with the test images (default: the one the run used)"
    )
    parser.set_defaults(func=run, command="plot")


def run(args: argparse.Namespace) -> int:
    from exercise.training.plots import plot_run_dir

    for path in plot_run_dir(Path(args.run_dir), args.data):
        print(f"wrote {path}")
    return 0
