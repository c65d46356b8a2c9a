"""``digit-classifier evaluate``: a model's accuracy on MNIST-format test files
(``--data DIR``), or models graded and compared on a test reel (``--reel DIR``).

On MNIST files, ONNX models run through :class:`exercise.model.DigitModel`; a PyTorch
checkpoint (``.pt``/``.pth``) runs through the trainer's ``load_predictor``, which needs
the ``train`` extra. Both go through the same :func:`exercise.evaluate.evaluate`. On a
reel (docs/reels.md), every ``--model`` reads the frames through the live pipeline
(:mod:`exercise.grading`); ``--report`` writes them side by side in one HTML file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Tuple

from exercise.commands._models import load_model
from exercise.commands._progress import ProgressLine
from exercise.evaluate import DEFAULT_BATCH_SIZE, evaluate, format_report
from exercise.exceptions import ModelError, UsageError
from exercise.idx import SPLIT_FILES, load_split
from exercise.preprocess import Scaling

CHECKPOINT_SUFFIXES = (".pt", ".pth")


def add_parser(subparsers: Any) -> None:
    images, labels = SPLIT_FILES["test"]
    parser = subparsers.add_parser(
        "evaluate",
        help="measure a model on MNIST-format test files, or grade and compare models on a test reel",
        description=f"With --data: accuracy, per-digit accuracy and confusion matrix of a model on {images} "
        f"and {labels} (optionally .gz) in DIR; MODEL may be an .onnx file or a PyTorch checkpoint "
        "(.pt, needs the train extra). With --reel: each --model reads a test reel's frames through the "
        "live pipeline (the largest digit found); accuracy on frames with a digit, false digits on frames "
        "without, per-digit accuracy, the confusion matrix and latency, per model (docs/reels.md).",
    )
    parser.add_argument(
        "--model",
        metavar="MODEL",
        action="append",
        help="ONNX model file (default: the bundled model); with --reel, give it again to compare models",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", metavar="DIR", help="directory with the IDX test files")
    source.add_argument("--reel", metavar="DIR", help="a test reel: frames/ and labels.csv (docs/reels.md)")
    parser.add_argument(
        "--report", metavar="OUT.html", help="with --reel: write one self-contained HTML report to OUT.html"
    )
    parser.add_argument(
        "--add-misread",
        metavar="DIR",
        help="with --reel: add the frames the (first) model read wrong to the example set in DIR, "
        "labelled with the reel's digit, to fine-tune on (train --finetune MODEL --extra DIR); the "
        "page's set is STATE_DIR/examples",
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="with --reel: processes finding the digits (default: one per core)",
    )
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
    if args.reel is not None:
        from exercise.commands.evaluate_reel import run_reel

        return run_reel(args)
    if args.report is not None:
        raise UsageError("--report needs --reel (a report shows a reel's frames)")
    if args.add_misread is not None:
        raise UsageError("--add-misread needs --reel (it adds a reel's misread frames)")
    if args.model and len(args.model) > 1:
        raise UsageError("--data takes one --model; compare models on a reel (--reel)")
    predict_batch, scaling, name = _predictor(args.model[0] if args.model else None)
    images, labels = load_split(args.data, args.split)
    if args.limit is not None:
        images, labels = images[: args.limit], labels[: args.limit]
    progress = ProgressLine(sys.stderr)
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
