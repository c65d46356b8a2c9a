"""``digit-classifier``: one argparse parser, one module per subcommand.

Each module in ``exercise.commands`` provides ``add_parser(subparsers)`` which registers its
subcommand and sets ``func`` (``run(args) -> int``) as the parser default. Errors the user
can fix (:class:`~exercise.exceptions.ExerciseError`) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, NoReturn, Optional

from exercise import __version__
from exercise.exceptions import ExerciseError

#: Subcommand modules under exercise.commands, in the order ``--help`` lists them.
COMMANDS = [
    "serve",
    "run",
    "predict",
    "check",
    "evaluate",
    "record",
    "train",
    "scene_examples",
    "train_gate",
    "train_detector",
    "export",
    "plot",
]


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line naming the problem, then exit 2 (argparse's usage dump is noise)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="digit-classifier",
        description="Read handwritten digits from a camera with your own ONNX model.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        # Command modules import their heavy dependencies (torch, uvicorn) inside run(),
        # so building the parser stays fast and works without the optional extras.
        importlib.import_module(f"exercise.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ExerciseError as exc:
        print(f"digit-classifier {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
