"""Cost of each stage of the exercise's loop per 640x480 frame, and how well digits are read.

Run by hand (never in the test suite), one core::

    .venv/bin/python -m benchmarks.bench_pipeline [--model PATH] [--count N] [--families a,b]
                                                  [--seed S] [--data DIR]

Prints:

1. per-stage cost on one core, median and p95 in ms: grab (the demo camera's frame
   composition, or desk scenes when there is no demo camera), find + normalise
   (exercise.preprocess, with its CPU time and, measured apart, the digit detector's share
   of it), inference (exercise.model.DigitModel, or a plain onnxruntime
   session), annotate, JPEG encode (quality 80);
2. accuracy on the scene families of exercise.training.scenes (``--count`` frames of each,
   MNIST test digits): the tuning families together and the held-out family apart;
3. per family, worst first, the held-out family in its own row: frames with digits (read
   right, missed, misread) and frames without (false-digit rate);
4. the worst conditions over all families, and the most frequent misreadings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from benchmarks.tables import MATCH_IOU, Box, iou, pct, print_table
from exercise.annotate import annotate
from exercise.detector import load_detector
from exercise.preprocess import Scaling, preprocess, working_image
from exercise.training.scenes import FAMILIES, HELD_OUT, MNIST_DIR, DigitSet, SceneFrame, generate, load_mnist

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "exercise" / "assets" / "default_model.onnx"
#: The scenes the stages are timed on when there is no demo camera, and mixed in as hard frames.
TIMING_FAMILY = "desk"
#: How many of the worst conditions to list.
WORST_CONDITIONS = 12
JPEG_QUALITY = 80

Classifier = Callable[[np.ndarray], np.ndarray]  # [N,1,28,28] -> [N,10] probabilities


# --- the model --------------------------------------------------------------------------------


def load_classifier(path: Path) -> Tuple[Classifier, Scaling, str]:
    """(batch -> probabilities, the input scaling it wants, which loader was used)."""
    try:
        from exercise.model import DigitModel

        model = DigitModel.load(path, threads=1)
        scaling = Scaling(model.spec.normalization)

        def predict(batch: np.ndarray) -> np.ndarray:
            return np.asarray(model.predict(batch)).reshape(len(batch), 10)

        return predict, scaling, "exercise.model.DigitModel"
    except (ImportError, AttributeError, NotImplementedError):
        pass
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    metadata = session.get_modelmeta().custom_metadata_map
    scaling = Scaling(metadata.get("normalization", Scaling.UNIT.value))

    def run(batch: np.ndarray) -> np.ndarray:
        rows = [session.run(None, {name: batch[i : i + 1]})[0].reshape(10) for i in range(len(batch))]
        scores = np.stack(rows) if rows else np.zeros((0, 10))
        if scores.size and (scores.min() < 0 or abs(scores.sum(1) - 1).max() > 1e-3):
            scores = np.exp(scores - scores.max(1, keepdims=True))
            scores /= scores.sum(1, keepdims=True)
        return scores

    return run, scaling, "onnxruntime session"


# --- timing -------------------------------------------------------------------------------------


def frame_source(count: int, seed: int, digits: DigitSet) -> Tuple[Callable[[int], np.ndarray], str]:
    """(index -> a fresh 640x480 BGR frame, what produces it), timed as the "grab" stage."""
    try:
        from exercise.cameras.demo import DemoCamera, DemoOptions

        camera = DemoCamera("demo", DemoOptions(seed=seed))
        camera.open()

        def grab_demo(index: int) -> np.ndarray:
            if index % 30 == 0:
                camera._next_sheet(index // 30)  # a new digit every 30 frames, as at 30 fps
            return camera._compose(index / 30.0)

        return grab_demo, "demo camera (frame composition)"
    except ImportError:
        frames = [frame.image for frame in generate(TIMING_FAMILY, min(count, 60), seed, digits=digits)]

        def grab_generated(index: int) -> np.ndarray:
            return frames[index % len(frames)].copy()

        return grab_generated, f"{TIMING_FAMILY} scenes (copy of a pre-made frame)"


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def time_stages(
    count: int, seed: int, classify: Classifier, scaling: Scaling, mnist: DigitSet
) -> Tuple[Dict[str, List[float]], str]:
    """Milliseconds per stage per frame, over ``count`` frames (``mnist``: the digits to write)."""
    grab, source = frame_source(count, seed, mnist)
    # Mix in desk scenes so preprocessing also meets hard frames, not only the demo.
    hard = [frame.image for frame in generate(TIMING_FAMILY, min(count, 120), seed + 1, digits=mnist)]
    times: Dict[str, List[float]] = defaultdict(list)
    for index in range(count + 10):
        start = time.perf_counter()
        frame = grab(index)
        grabbed = time.perf_counter()
        if index % 2:
            frame = hard[index % len(hard)]
        cpu = time.thread_time()
        candidates = preprocess(frame, scaling)
        cpu = time.thread_time() - cpu
        found = time.perf_counter()
        batch = (
            np.concatenate([c.tensor for c in candidates])
            if candidates
            else np.zeros((0, 1, 28, 28), np.float32)
        )
        probabilities = classify(batch) if len(batch) else np.zeros((0, 10))
        inferred = time.perf_counter()
        digits = [int(p.argmax()) for p in probabilities]
        confidences = [float(p.max()) for p in probabilities]
        shown = annotate(frame, [c.box for c in candidates], digits, confidences)
        annotated = time.perf_counter()
        ok, _ = cv2.imencode(".jpg", shown, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        encoded = time.perf_counter()
        # Once more, the detector alone on the same working image, to show its share.
        grey = working_image(frame)[0]
        detector_began = time.perf_counter()
        load_detector().detect(grey)
        detector_ms = (time.perf_counter() - detector_began) * 1e3
        if index < 10:  # warm-up: first calls allocate
            continue
        times["grab"].append((grabbed - start) * 1e3)
        times["find + normalise"].append((found - grabbed) * 1e3)
        # CPU time of this thread: what the stage costs even when other processes share the core.
        times["  (its CPU time)"].append(cpu * 1e3)
        times["  (the detector alone)"].append(detector_ms)
        times["inference"].append((inferred - found) * 1e3)
        times["annotate"].append((annotated - inferred) * 1e3)
        times["JPEG encode q80"].append((encoded - annotated) * 1e3)
        times["total"].append((encoded - start) * 1e3)
    return {k: v for k, v in times.items() if v}, source


# --- accuracy -------------------------------------------------------------------------------------


@dataclass
class Tally:
    frames: int = 0
    digits: int = 0
    right: int = 0
    missed: int = 0
    misread: int = 0
    false_digits: int = 0
    frames_with_false: int = 0
    confusions: Dict[Tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: Tally) -> None:
        for name in ("frames", "digits", "right", "missed", "misread", "false_digits", "frames_with_false"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, value in other.confusions.items():
            self.confusions[key] += value


def score_frame(frame: SceneFrame, boxes: List[Box], digits: List[int]) -> Tally:
    """Match found boxes to written digits one to one (best overlap first) and count.

    A found box left over on a digit that is written but not a target (cut by the frame's
    edge or covered, ``frame.partial``) is neither right nor a false digit.
    """
    tally = Tally(frames=1, digits=len(frame.labels))
    pairs = sorted(
        ((iou(t, f), ti, fi) for ti, t in enumerate(frame.boxes) for fi, f in enumerate(boxes)), reverse=True
    )
    used_truth, used_found = set(), set()
    for overlap, ti, fi in pairs:
        if overlap < MATCH_IOU or ti in used_truth or fi in used_found:
            continue
        used_truth.add(ti)
        used_found.add(fi)
        if digits[fi] == frame.labels[ti]:
            tally.right += 1
        else:
            tally.misread += 1
            tally.confusions[(frame.labels[ti], digits[fi])] += 1
    tally.missed = tally.digits - len(used_truth)
    left_over = [f for fi, f in enumerate(boxes) if fi not in used_found]
    tally.false_digits = sum(not any(iou(f, p) >= MATCH_IOU for p in frame.partial) for f in left_over)
    tally.frames_with_false = int(tally.false_digits > 0)
    return tally


@dataclass
class Scores:
    """Tallies of one family: frames with digits and frames without, and per condition."""

    with_digits: Tally = field(default_factory=Tally)
    without: Tally = field(default_factory=Tally)
    conditions: Dict[Tuple[bool, str], Tally] = field(default_factory=lambda: defaultdict(Tally))

    def add(self, frame: SceneFrame, tally: Tally) -> None:
        (self.without if frame.empty else self.with_digits).add(tally)
        self.conditions[(frame.empty, frame.condition)].add(tally)

    def merge(self, other: Scores) -> None:
        self.with_digits.add(other.with_digits)
        self.without.add(other.without)
        for key, tally in other.conditions.items():
            self.conditions[key].add(tally)


def read(frame: SceneFrame, classify: Classifier, scaling: Scaling) -> Tally:
    """Run the pipeline on one frame and score what it found."""
    candidates = preprocess(frame.image, scaling)
    batch = (
        np.concatenate([c.tensor for c in candidates]) if candidates else np.zeros((0, 1, 28, 28), np.float32)
    )
    digits = [int(p.argmax()) for p in classify(batch)] if candidates else []
    return score_frame(frame, [c.box for c in candidates], digits)


def measure_accuracy(
    families: Sequence[str], count: int, seed: int, classify: Classifier, scaling: Scaling, digits: DigitSet
) -> Dict[str, Scores]:
    """Scores of each family over ``count`` of its frames."""
    scores: Dict[str, Scores] = {}
    for family in families:
        scores[family] = Scores()
        for frame in generate(family, count, seed, digits=digits):
            scores[family].add(frame, read(frame, classify, scaling))
    return scores


# --- printing ---------------------------------------------------------------------------------------


def digits_row(name: str, scores: Scores) -> Tuple[object, ...]:
    tally = scores.with_digits
    extra = f"{tally.false_digits / tally.frames:.2f}" if tally.frames else "-"
    return (
        name,
        tally.frames,
        tally.digits,
        pct(tally.right, tally.digits),
        pct(tally.missed, tally.digits),
        pct(tally.misread, tally.digits),
        extra,
    )


def empty_row(name: str, scores: Scores) -> Tuple[object, ...]:
    tally = scores.without
    return (name, tally.frames, pct(tally.frames_with_false, tally.frames), tally.false_digits)


def read_right(tally: Tally) -> float:
    return tally.right / tally.digits if tally.digits else 1.0


def false_rate(tally: Tally) -> float:
    return tally.frames_with_false / tally.frames if tally.frames else 0.0


def print_accuracy(scores: Dict[str, Scores], count: int, seed: int) -> None:
    """The summary, the per-family tables (held-out family apart) and the worst conditions."""
    tuning = [name for name in scores if name != HELD_OUT]
    together = Scores()
    for name in tuning:
        together.merge(scores[name])
    held_out = scores.get(HELD_OUT)
    summary = []
    for label, part in [("tuning families", together)] + (
        [("held out: " + HELD_OUT, held_out)] if held_out else []
    ):
        if part is None or not (part.with_digits.frames or part.without.frames):
            continue
        digits, empty = part.with_digits, part.without
        summary += [
            (
                f"{label}: digits read right",
                f"{pct(digits.right, digits.digits)} of {digits.digits}",
                ">= 95%",
            ),
            (
                f"{label}: false-digit rate, frames with no digit",
                f"{pct(empty.frames_with_false, empty.frames)} of {empty.frames}",
                "<= 5%",
            ),
        ]
    print_table(
        f"Scene families (exercise.training.scenes, MNIST test digits, seed {seed}, {count} frames each)",
        ("measure", "value", "target"),
        summary,
    )
    worst_first = sorted(tuning, key=lambda name: read_right(scores[name].with_digits))
    rows = [digits_row(name, scores[name]) for name in worst_first]
    rows.append(digits_row("all tuning families", together))
    if held_out is not None:
        rows.append(digits_row(f"{HELD_OUT} (held out)", held_out))
    print_table(
        "Frames with digits, per family (worst first; the held-out family apart, last)",
        ("family", "frames", "digits", "read right", "missed", "misread", "extra boxes/frame"),
        rows,
    )
    worst_first = sorted(tuning, key=lambda name: -false_rate(scores[name].without))
    rows = [empty_row(name, scores[name]) for name in worst_first]
    rows.append(empty_row("all tuning families", together))
    if held_out is not None:
        rows.append(empty_row(f"{HELD_OUT} (held out)", held_out))
    print_table(
        "Frames without digits, per family (worst first; the held-out family apart, last)",
        ("family", "frames", "false-digit rate", "false digits"),
        rows,
    )
    conditions = [
        (family, empty, condition, tally)
        for family, part in scores.items()
        for (empty, condition), tally in part.conditions.items()
    ]
    misread = sorted((c for c in conditions if not c[1]), key=lambda c: read_right(c[3]))[:WORST_CONDITIONS]
    print_table(
        f"The {WORST_CONDITIONS} worst conditions with digits, all families",
        ("family / condition", "frames", "digits", "read right", "missed", "misread"),
        [
            (f"{f} / {c}", t.frames, t.digits, pct(t.right, t.digits), t.missed, t.misread)
            for f, _, c, t in misread
        ],
    )
    invented = sorted((c for c in conditions if c[1]), key=lambda c: -false_rate(c[3]))[:WORST_CONDITIONS]
    print_table(
        f"The {WORST_CONDITIONS} worst conditions without digits, all families",
        ("family / condition", "frames", "false-digit rate", "false digits"),
        [
            (f"{f} / {c}", t.frames, pct(t.frames_with_false, t.frames), t.false_digits)
            for f, _, c, t in invented
        ],
    )
    confusions = Tally()
    for part in scores.values():
        confusions.add(part.with_digits)
    top = sorted(confusions.confusions.items(), key=lambda kv: -kv[1])[:8]
    if top:
        print(
            "\nmost frequent misreadings (written -> read): "
            + ", ".join(f"{a}->{b} x{n}" for (a, b), n in top)
        )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Per-stage cost and scene-family accuracy of the pipeline.")
    parser.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help="ONNX digit model (default: %(default)s)"
    )
    parser.add_argument(
        "--count", type=int, default=200, help="frames of each scene family to score (default: %(default)s)"
    )
    parser.add_argument(
        "--families",
        default=",".join(FAMILIES),
        help=f"comma-separated scene families to score (default: all; {HELD_OUT} is the held-out one)",
    )
    parser.add_argument(
        "--timing-frames", type=int, default=300, help="frames to time (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data",
        type=Path,
        default=MNIST_DIR,
        help="folder of the MNIST IDX .gz files, or set MNIST_DIR (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    families = [name.strip() for name in args.families.split(",") if name.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        print(f"unknown families {', '.join(unknown)}: choose from {', '.join(FAMILIES)}", file=sys.stderr)
        return 2
    if not args.model.exists():
        print(f"no model at {args.model}: pass --model PATH (an ONNX MNIST classifier)", file=sys.stderr)
        return 2
    if not (args.data / "t10k-images-idx3-ubyte.gz").is_file():
        print(f"no MNIST test set in {args.data}: pass --data DIR or set MNIST_DIR", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)
    classify, scaling, loader = load_classifier(args.model)
    print(f"model: {args.model} via {loader}, input scaling {scaling.value}; one core (cv2.setNumThreads(1))")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} (wall times inflate under load)")
    digits = load_mnist("test", args.data)

    if args.timing_frames > 0:
        times, source = time_stages(args.timing_frames, args.seed, classify, scaling, digits)
        rows = [
            (stage, f"{statistics.median(v):.3f}", f"{percentile(v, 95):.3f}") for stage, v in times.items()
        ]
        print_table(
            f"Per-stage cost per 640x480 frame, {args.timing_frames} frames (grab: {source})",
            ("stage", "median ms", "p95 ms"),
            rows,
        )

    scores = measure_accuracy(families, args.count, args.seed, classify, scaling, digits)
    print_accuracy(scores, args.count, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
