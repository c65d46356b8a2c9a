"""``digit-classifier evaluate --reel DIR [--model A.onnx ...] [--json] [--report OUT.html]``.

The reel's frames are looked at once (:func:`exercise.grading.look`), every model reads
the same sights (:func:`exercise.grading.grade`), and the figures are printed as tables,
as one JSON object, and, with ``--report``, as one HTML file (:mod:`exercise.reel_report`).
Rows or frames that cannot be used are named on stderr, line by line, and left out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from exercise.commands._models import load_model
from exercise.commands._progress import ProgressLine
from exercise.examples import ExampleSet
from exercise.exceptions import DatasetError, ReelError
from exercise.files import write_atomically
from exercise.grading import NUM_CLASSES, Grade, grade, look
from exercise.reels import Skipped, open_reel


def run_reel(args: argparse.Namespace) -> int:
    paths: Sequence[Optional[str]] = args.model or [None]
    models = [load_model(path) for path in paths]
    names = _distinct_names([model.spec.name for model in models])
    reel = open_reel(args.reel)
    if not reel.frames:
        raise ReelError(str(reel.folder), _nothing_to_grade(reel.skipped, reel.skipped_count))
    for entry in reel.skipped:
        print(f"digit-classifier evaluate: skipped {entry}", file=sys.stderr)
    if reel.skipped_count > len(reel.skipped):
        more = reel.skipped_count - len(reel.skipped)
        print(f"digit-classifier evaluate: skipped {more} more rows of labels.csv", file=sys.stderr)
    examples = ExampleSet(args.add_misread) if args.add_misread is not None else None
    if examples is not None:
        examples.load()  # an unreadable set is said before the reel is graded, not after
    progress = ProgressLine(sys.stderr, unit="frames")
    started = time.perf_counter()
    sights, unreadable = look(
        reel.frames, workers=args.workers, thumbnails=args.report is not None, progress=progress
    )
    progress.close()
    for entry in unreadable:
        print(f"digit-classifier evaluate: skipped {entry}", file=sys.stderr)
    if not sights:
        raise ReelError(str(reel.folder), "not one frame could be read")
    grades = [grade(model, sights, name) for model, name in zip(models, names)]
    seconds = time.perf_counter() - started
    skipped = reel.skipped + unreadable
    if args.report is not None:
        from exercise.reel_report import render

        write_atomically(Path(args.report), render(str(args.reel), grades, skipped).encode("utf-8"), 0o644)
    if examples is not None:
        images, labels = grades[0].misread()
        try:
            _, total = examples.extend(images, labels)
        except ValueError as exc:  # the set would pass its limit
            raise DatasetError(str(args.add_misread), str(exc)) from None
        print(
            f"digit-classifier evaluate: added {len(labels)} misread frames of {names[0]} to "
            f"{args.add_misread} ({len(total)} examples now)",
            file=sys.stderr,
        )
    if args.json:
        print(
            json.dumps(
                {
                    "reel": str(args.reel),
                    "models": [g.to_dict() for g in grades],
                    "skipped": [{"line": s.line, "frame": s.frame, "reason": s.reason} for s in skipped],
                    "skipped_total": reel.skipped_count + len(unreadable),
                    "seconds": round(seconds, 3),
                }
            )
        )
    else:
        print(_tables(str(args.reel), grades, len(sights), seconds))
        if args.report is not None:
            print(f"\nreport written to {args.report}")
    return 0


def _distinct_names(names: List[str]) -> List[str]:
    """The models' names, numbered where two are the same (two runs of one training script)."""
    return [name if names.count(name) == 1 else f"{name} #{index + 1}" for index, name in enumerate(names)]


def _nothing_to_grade(skipped: List[Skipped], count: int) -> str:
    if not skipped:
        return "labels.csv names no frame"
    return f"none of its {count} rows can be used; the first: {skipped[0]}"


def _percent(value: Optional[float]) -> str:
    return "      -" if value is None else f"{value:7.1%}"


def _tables(reel: str, grades: Sequence[Grade], frames: int, seconds: float) -> str:
    lines = [
        f"reel {reel}: {frames} frames in {seconds:.1f} s ({frames / max(seconds, 1e-9):.0f} frames/s)",
        "",
    ]
    width = max(len("model"), *(len(g.model) for g in grades))
    lines.append(f"{'model':<{width}}  read right  false digits  latency ms median / p95")
    for g in grades:
        latency = g.latency()
        lines.append(
            f"{g.model:<{width}}  {_percent(g.accuracy):>10}  {_percent(g.false_digit_rate):>12}  "
            f"{latency['median']:.1f} / {latency['p95']:.1f}"
        )
    for g in grades:
        lines += ["", f"{g.model}: per digit (frames, read right)"]
        totals = g.confusion.sum(axis=1)
        lines.append(
            "  ".join(f"{d}: {int(totals[d])} {_percent(a).strip()}" for d, a in enumerate(g.per_class))
        )
        lines.append("confusion (rows: digit held up; columns: digit read, then none)")
        lines.append("     " + "".join(f"{d:>5}" for d in range(NUM_CLASSES)) + " none")
        for digit, row in enumerate(g.confusion):
            lines.append(f"{digit:>5}" + "".join(f"{int(n):>5}" for n in row))
    return "\n".join(lines)
