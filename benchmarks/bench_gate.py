"""Cost of the handwriting gate per candidate, and what it keeps and rejects per scene family.

Run by hand (never in the test suite), one core::

    .venv/bin/python -m benchmarks.bench_gate [--gate PATH] [--frames N] [--seed S] [--data DIR]

Prints three tables:

1. cost per candidate of ``exercise.gate.HandwritingGate.scores`` (onnxruntime, one
   thread), median and p95 in ms, for a batch of 1 and of 5 candidates (a frame's handful
   goes in one call), beside the finder's own cost per frame for scale;
2. per tuning family (``exercise.training.scenes``, MNIST *test* digits, seed S: frames
   the gate's training never saw): the candidates ``find_candidates`` returns, the share of
   written digits the gate keeps and of non-digits it rejects, and the empty frames that
   would show a false digit before and after the gate;
3. the same for the held-out family, apart: the gate never trained or picked its
   threshold on it, so this is the figure that says whether it generalises.

A candidate is a written digit when its box overlaps a target's by IoU >= 0.3 (as
bench_pipeline); one on a digit the frame cuts or covers (``SceneFrame.partial``) counts
on neither side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from benchmarks.tables import MATCH_IOU, iou, pct, print_table
from exercise.gate import GATE_PATH, HandwritingGate
from exercise.preprocess import Candidate, find_candidates
from exercise.training import scenes
from exercise.training.scoring import on_partial


@dataclass
class Tally:
    family: str
    frames: int = 0
    digits: int = 0
    kept: int = 0
    others: int = 0
    rejected: int = 0
    empty_frames: int = 0
    false_before: int = 0  # empty frames with any candidate
    false_after: int = 0  # ... with any candidate the gate accepts

    def row(self) -> List[object]:
        return [
            self.family,
            self.frames,
            self.digits,
            pct(self.kept, self.digits),
            self.others,
            pct(self.rejected, self.others),
            f"{pct(self.false_before, self.empty_frames)} -> {pct(self.false_after, self.empty_frames)}",
        ]


def score_family(
    gate: HandwritingGate, family: str, frames: int, seed: int, digits: scenes.DigitSet
) -> Tuple[Tally, List[Candidate], List[float]]:
    """The family's tally, its candidates (for timing) and the finder's ms per frame."""
    tally = Tally(family)
    pool: List[Candidate] = []
    finder_ms: List[float] = []
    for frame in scenes.generate(family, frames, seed=seed, digits=digits):
        started = time.perf_counter()
        found = find_candidates(frame.image)
        finder_ms.append((time.perf_counter() - started) * 1e3)
        tally.frames += 1
        if found:
            accepted = gate.accepts(
                np.stack([c.image28 for c in found]), np.stack([c.context28 for c in found])
            )
        else:
            accepted = np.zeros(0, bool)
        pool.extend(found)
        false_here = []
        for candidate, ok in zip(found, accepted):
            if any(iou(candidate.box, box) >= MATCH_IOU for box in frame.boxes):
                tally.digits += 1
                tally.kept += int(ok)
            elif not any(on_partial(candidate.box, box) for box in frame.partial):
                tally.others += 1
                tally.rejected += int(not ok)
                false_here.append(bool(ok))
        if frame.empty:
            tally.empty_frames += 1
            tally.false_before += int(bool(false_here))
            tally.false_after += int(any(false_here))
    return tally, pool, finder_ms


def time_batches(gate: HandwritingGate, pool: Sequence[Candidate], batch: int, runs: int) -> List[float]:
    """Milliseconds per candidate of ``gate.scores`` on ``runs`` batches of ``batch`` candidates."""
    images = np.stack([c.image28 for c in pool])
    contexts = np.stack([c.context28 for c in pool])
    times = []
    for run in range(runs + 20):
        start = (run * batch) % max(1, len(pool) - batch)
        chunk = slice(start, start + batch)
        began = time.perf_counter()
        gate.scores(images[chunk], contexts[chunk])
        if run >= 20:  # warm-up
            times.append((time.perf_counter() - began) * 1e3 / batch)
    return times


HEADER = (
    "family",
    "frames",
    "digits",
    "digits kept",
    "non-digits",
    "non-digits rejected",
    "empty frames with a false digit (before -> after)",
)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Cost and per-family sorting of the handwriting gate.")
    parser.add_argument("--gate", type=Path, default=GATE_PATH, help="gate ONNX file (default: %(default)s)")
    parser.add_argument(
        "--frames", type=int, default=400, help="frames per scene family (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=0, help="scene seed (default: %(default)s)")
    parser.add_argument(
        "--runs", type=int, default=3000, help="timed gate calls per batch size (default: %(default)s)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=scenes.MNIST_DIR,
        help="folder of the MNIST IDX .gz files, or set MNIST_DIR (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not (args.data / "t10k-images-idx3-ubyte.gz").is_file():
        print(f"no MNIST test set in {args.data}: pass --data DIR or set MNIST_DIR", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    gate = HandwritingGate.load(args.gate)
    print(f"gate: {args.gate} ({args.gate.stat().st_size:,} bytes), threshold {gate.threshold:.4f}")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} (wall times inflate under load)")
    digits = scenes.load_mnist("test", args.data)

    tallies, pool, finder_ms = [], [], []
    for family in (*scenes.TUNING_FAMILIES, scenes.HELD_OUT):
        tally, found, ms = score_family(gate, family, args.frames, args.seed, digits)
        tallies.append(tally)
        pool.extend(found)
        finder_ms.extend(ms)

    rows = []
    for batch in (1, 5):
        times = time_batches(gate, pool, batch, args.runs)
        rows.append(
            (f"gate, batch of {batch}", f"{statistics.median(times):.4f}", f"{np.percentile(times, 95):.4f}")
        )
    rows.append(
        (
            "find_candidates, per frame",
            f"{statistics.median(finder_ms):.3f}",
            f"{np.percentile(finder_ms, 95):.3f}",
        )
    )
    print_table(
        f"Cost per candidate, ms, one thread ({len(pool):,} candidates from {len(finder_ms):,} frames)",
        ("what", "median ms", "p95 ms"),
        rows,
    )

    tuning = tallies[:-1]
    total = Tally("all tuning families")
    for tally in tuning:
        for name in (
            "frames",
            "digits",
            "kept",
            "others",
            "rejected",
            "empty_frames",
            "false_before",
            "false_after",
        ):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
    print_table(
        f"Tuning families, MNIST test digits, seed {args.seed} (gate trained on other seeds, MNIST train)",
        HEADER,
        [t.row() for t in (*tuning, total)],
    )
    print_table(
        "Held-out family (never used to train the gate or pick its threshold)", HEADER, [tallies[-1].row()]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
