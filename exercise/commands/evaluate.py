"""``digit-classifier evaluate --data DIR``: a model's accuracy on MNIST-format test files.

ONNX models run through :class:`exercise.model.DigitModel`; a PyTorch checkpoint
(``.pt``/``.pth``) runs through the trainer's ``load_predictor``, which needs the ``train``
extra. Both go through the same :func:`exercise.evaluate.evaluate`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional, TextIO, Tuple

from exercise.commands._models import add_model_argument, load_model
from exercise.evaluate import DEFAULT_BATCH_SIZE, evaluate, format_report
from exercise.exceptions import ModelError
from exercise.idx import SPLIT_FILES, load_split
from exercise.preprocess import Scaling

CHECKPOINT_SUFFIXES = (".pt", ".pth")

#: Seconds between progress lines when stderr is not a terminal.
_PROGRESS_INTERVAL = 2.0


def add_parser(subparsers: Any) -> None:
    images, labels = SPLIT_FILES["test"]
    parser = subparsers.add_parser(
        "evaluate",
        help="measure a model's accuracy on MNIST-format test files",
        description=f"Accuracy, per-digit accuracy and confusion matrix of a model on {images} and "
        f"{labels} (optionally .gz) in DIR. MODEL may be an .onnx file or a PyTorch checkpoint "
        "(.pt, needs the train extra).",
    )
    add_model_argument(parser)
    parser.add_argument("--data", required=True, metavar="DIR", help="directory with the IDX test files")
    parser.add_argument(
        "--split", choices=sorted(SPLIT_FILES), default="test", help="which files (default: test)"
    )
    parser.add_argument("--limit", type=_positive_int, metavar="N", help="only the first N images")
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help="images per model call",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.set_defaults(func=run, command="evaluate")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    predict_batch, scaling, name = _predictor(args.model)
    images, labels = load_split(args.data, args.split)
    if args.limit is not None:
        images, labels = images[: args.limit], labels[: args.limit]
    progress = _ProgressLine(sys.stderr)
    report = evaluate(
        predict_batch, images, labels, scaling, args.batch_size, progress=progress, source=str(args.data)
    )
    progress.close()
    if args.json:
        print(json.dumps({"model": name, "data": str(args.data), "split": args.split, **report.to_dict()}))
    else:
        print(f"model {name}, {args.split} data in {args.data}")
        print(format_report(report))
    return 0


def _predictor(model_path: Optional[str]) -> Tuple[Callable[[Any], Any], Scaling, str]:
    """(predict_batch, scaling, display name) for an ONNX model or a PyTorch checkpoint."""
    if model_path is not None and Path(model_path).suffix.lower() in CHECKPOINT_SUFFIXES:
        try:
            from exercise.training.checkpoints import load_predictor
        except ImportError as exc:
            raise ModelError(
                f"evaluating a PyTorch checkpoint needs PyTorch ({exc}); install the train extra: "
                "pip install -e '.[train]' (or export the checkpoint to ONNX and evaluate that)",
                source=model_path,
            ) from exc
        predict, normalization = load_predictor(Path(model_path))
        return predict, Scaling(normalization), Path(model_path).name
    model = load_model(model_path)
    return model.predict, model.spec.normalization, model.spec.name


class _ProgressLine:
    """``evaluated 2560/10000 images`` on stderr: redrawn in place on a terminal, otherwise
    a line every couple of seconds and one at the end."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < (0.1 if self._tty else _PROGRESS_INTERVAL):
            return
        self._last = now
        text = f"evaluated {done}/{total} images"
        self._stream.write(f"\r{text}" if self._tty else f"{text}\n")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._tty and self._shown:
            self._stream.write("\n")
            self._stream.flush()
