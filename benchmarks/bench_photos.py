"""How well ``digit-classifier predict`` reads real photos of handwritten digits.

Run by hand (never in the test suite)::

    .venv/bin/python -m benchmarks.bench_photos --sets /work/photos/*
    .venv/bin/python -m benchmarks.bench_photos --sets DIR [DIR ...] [--model M.onnx] [--list]

Each set is a folder of photos with a ``labels.csv`` beside them: a header ``frame,label``,
then one row per photo, ``label`` the digit the photo is of (0-9), or -1 for a photo with no
handwritten digit in it. Photos stay outside the repository (their licences vary; each set's
``SOURCE.md`` says where it came from).

Every photo goes through the same path as ``digit-classifier predict``
(:func:`exercise.commands.predict.predict_file`): preprocessing finds the digits, the model
reads them, and the main digit (the largest found) is the answer. Per set, worst first:

- photos with a digit: read right (the answer is the labelled digit), answered none (no digit
  found), misread (another digit);
- photos without a digit: the false-digit rate (any answer at all is false);

then the totals, the most frequent misreadings and, with ``--list``, every photo answered
wrong.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Counter as CounterType
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from benchmarks.tables import pct, print_table
from exercise.commands._models import load_model
from exercise.commands.predict import predict_file
from exercise.exceptions import ImageError, ModelError
from exercise.model import DigitModel

NO_DIGIT = -1
LABELS_FILE = "labels.csv"


class WrongAnswer(NamedTuple):
    photo: str  # set/file name
    label: int
    answer: Optional[int]  # None: no digit found
    box: Optional[List[int]]  # the answer's box, x y w h in the photo


@dataclass
class SetTally:
    """What one set's photos were answered."""

    name: str
    with_digit: int = 0
    right: int = 0
    none: int = 0
    misread: int = 0
    without_digit: int = 0
    false_digit: int = 0
    unreadable: int = 0
    seconds: float = 0.0
    confusions: CounterType[Tuple[int, int]] = field(default_factory=Counter)  # (written, read) -> photos
    wrong: List[WrongAnswer] = field(default_factory=list)

    def add(self, other: SetTally) -> None:
        for name in (
            "with_digit",
            "right",
            "none",
            "misread",
            "without_digit",
            "false_digit",
            "unreadable",
            "seconds",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.confusions.update(other.confusions)
        self.wrong += other.wrong

    @property
    def photos(self) -> int:
        return self.with_digit + self.without_digit

    def worst_first_key(self) -> float:
        """Minus the share of photos answered wrong (no digit found, misread, or a false digit)."""
        wrong = self.none + self.misread + self.false_digit
        return -wrong / self.photos if self.photos else 0.0


def read_labels(folder: Path) -> List[Tuple[str, int]]:
    """``(photo file name, label)`` rows of ``folder/labels.csv``; raises ValueError if malformed."""
    path = folder / LABELS_FILE
    rows: List[Tuple[str, int]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"frame", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected a header 'frame,label'")
        for line, row in enumerate(reader, start=2):
            try:
                label = int(row["label"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}:{line}: label {row['label']!r} is not an integer") from None
            if not NO_DIGIT <= label <= 9:
                raise ValueError(f"{path}:{line}: label {label} is not 0-9 or {NO_DIGIT}")
            rows.append((row["frame"], label))
    return rows


def measure_set(model: DigitModel, folder: Path) -> SetTally:
    """Run every labelled photo of ``folder`` through ``predict_file`` and count the answers."""
    tally = SetTally(folder.name)
    start = time.perf_counter()
    for frame, label in read_labels(folder):
        try:
            result = predict_file(model, folder / frame)
        except ImageError as exc:
            print(f"  {folder.name}/{frame}: {exc}", file=sys.stderr)
            tally.unreadable += 1
            continue
        answer: Optional[int] = result["digit"]
        wrong = WrongAnswer(f"{folder.name}/{frame}", label, answer, result["box"])
        if label == NO_DIGIT:
            tally.without_digit += 1
            if answer is not None:
                tally.false_digit += 1
                tally.wrong.append(wrong)
            continue
        tally.with_digit += 1
        if answer == label:
            tally.right += 1
            continue
        if answer is None:
            tally.none += 1
        else:
            tally.misread += 1
            tally.confusions[(label, answer)] += 1
        tally.wrong.append(wrong)
    tally.seconds = time.perf_counter() - start
    return tally


# --- printing ---------------------------------------------------------------------------------


def table_row(tally: SetTally) -> Tuple[object, ...]:
    return (
        tally.name,
        tally.with_digit,
        pct(tally.right, tally.with_digit),
        pct(tally.none, tally.with_digit),
        pct(tally.misread, tally.with_digit),
        tally.without_digit,
        pct(tally.false_digit, tally.without_digit),
        f"{1000.0 * tally.seconds / max(tally.photos + tally.unreadable, 1):.0f}",
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Accuracy of 'digit-classifier predict' on folders of real labelled photos "
        "(each with a labels.csv: frame,label; label -1 = no digit).",
    )
    parser.add_argument(
        "--sets",
        nargs="+",
        type=Path,
        required=True,
        metavar="DIR",
        help="photo set folders, each with a labels.csv (e.g. --sets /work/photos/*); files are ignored",
    )
    parser.add_argument(
        "--model",
        metavar="MODEL",
        help="ONNX model file (default: the bundled model, exercise/assets/default_model.onnx)",
    )
    parser.add_argument("--list", action="store_true", help="also list every photo answered wrong")
    args = parser.parse_args(argv)

    # Files among the paths (a README beside the sets, caught by a glob) are passed over.
    folders = [folder for folder in args.sets if folder.is_dir()]
    absent = [str(folder) for folder in args.sets if not folder.exists()]
    if absent:
        print(f"no such folder, skipped: {', '.join(absent)}", file=sys.stderr)
    missing = [str(folder) for folder in folders if not (folder / LABELS_FILE).is_file()]
    if missing:
        print(f"no {LABELS_FILE} in: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not folders:
        print("no photo set folders given", file=sys.stderr)
        return 2
    try:
        model = load_model(args.model)
    except ModelError as exc:
        print(f"cannot load the model: {exc}", file=sys.stderr)
        return 2
    print(f"model: {args.model or 'default (exercise/assets/default_model.onnx)'}; answer = main digit")

    tallies: Dict[str, SetTally] = {}
    for folder in folders:
        try:
            tallies[folder.name] = measure_set(model, folder)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    total = SetTally("total")
    for tally in tallies.values():
        total.add(tally)

    ordered = sorted(tallies.values(), key=SetTally.worst_first_key)
    print_table(
        f"Real photos, {total.photos} in {len(tallies)} sets, worst first (share of photos answered wrong)",
        (
            "set",
            "with digit",
            "read right",
            "none",
            "misread",
            "no digit",
            "false digit",
            "ms/photo",
        ),
        [table_row(tally) for tally in ordered] + [table_row(total)],
    )
    if total.unreadable:
        print(f"\n{total.unreadable} photos could not be read (listed above on stderr), not counted")
    top = total.confusions.most_common(10)
    if top:
        print(
            "\nmost frequent misreadings (written -> read): "
            + ", ".join(f"{a}->{b} x{n}" for (a, b), n in top)
        )
    if args.list and total.wrong:
        print("\nphotos answered wrong (label -1 = no digit; answer None = no digit found; box x,y,w,h):")
        for wrong in sorted(total.wrong):
            box = "" if wrong.box is None else "  box " + ",".join(str(v) for v in wrong.box)
            print(f"  {wrong.photo}: label {wrong.label}, answer {wrong.answer}{box}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
