"""``digit-classifier predict IMAGE_OR_DIR...``: the digits in image files, one line per image.

Each image is read as ``POST /api/digit`` reads an upload, by
:func:`exercise.reading.read_digits`: the exercise's digit finder finds the digits, the
model classifies each. An image that cannot be read gets an error line and the others go
on; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from exercise.commands._models import add_model_argument, load_model
from exercise.exceptions import ImageError
from exercise.images import IMAGE_SUFFIXES, read_image
from exercise.model import DigitModel
from exercise.reading import read_digits


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="read the digits in image files",
        description="Find and classify the digits in each image, as the exercise does with camera "
        "frames. A directory means the image files in it (not recursive). Exit status 1 if any "
        "image could not be read.",
    )
    parser.add_argument("paths", nargs="+", metavar="IMAGE_OR_DIR", help="image files or directories")
    add_model_argument(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per image: {"path", "digit", "confidence", "probabilities", '
        '"box", "digits"} or {"path", "error"}',
    )
    parser.set_defaults(func=run, command="predict")


def run(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    failed = False
    for path in expand_paths(args.paths):
        try:
            result = predict_file(model, path)
        except ImageError as exc:
            failed = True
            if args.json:
                print(json.dumps({"path": str(path), "error": str(exc)}), flush=True)
            else:
                print(f"digit-classifier predict: {exc}", file=sys.stderr, flush=True)
            continue
        print(json.dumps(result) if args.json else format_result(result), flush=True)
    return 1 if failed else 0


def expand_paths(paths: List[str]) -> List[Path]:
    """Files as given (a bad one then gets its error line); directories as their image files, sorted."""
    expanded: List[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            expanded += sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        else:
            expanded.append(path)
    return expanded


def predict_file(model: DigitModel, path: Path) -> Dict[str, Any]:
    """The ``--json`` record of one image; raises ImageError if it cannot be read.

    ``digit``, ``confidence``, ``probabilities`` and ``box`` are the largest digit's.
    """
    reading = read_digits(model, read_image(path))
    main = reading.main
    digits = [{"digit": d.digit, "confidence": d.confidence, "box": list(d.box)} for d in reading.digits]
    return {
        "path": str(path),
        "digit": main.digit if main else None,
        "confidence": main.confidence if main else None,
        "probabilities": list(main.probabilities) if main else None,
        "box": list(main.box) if main else None,
        "digits": digits,
    }


def format_result(result: Dict[str, Any]) -> str:
    """``path: 7 (98.1%)``; with several digits, all of them left to right after it."""
    if result["digit"] is None:
        return f"{result['path']}: no digit found"
    line = f"{result['path']}: {result['digit']} ({result['confidence']:.1%})"
    if len(result["digits"]) > 1:
        line += "  digits left to right: " + " ".join(str(d["digit"]) for d in result["digits"])
    return line
