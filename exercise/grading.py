"""Grade models on a test reel (:mod:`exercise.reels`) with the live pipeline.

Each frame goes through what the default brain does: :func:`exercise.preprocess.preprocess`
finds the digits, the largest is the answer (:attr:`exercise.reading.Reading.main`), and the
model reads its 28x28 image. Finding the digits does not depend on the model, so it is
done once per frame, spread over the machine's cores, and every model then reads the same
28x28 images: models are compared on exactly the same input.

For each model: accuracy on the frames with a digit, false-digit rate on the frames
without, accuracy per digit, the 10x11 confusion matrix (rows: the labelled digit;
columns: the digit read, then "none") and the per-frame latency of the whole pipeline
(finding the digit plus the model).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from exercise.evaluate import NUM_CLASSES, EvaluationReport
from exercise.exceptions import ExerciseError
from exercise.images import read_image
from exercise.model import DigitModel
from exercise.preprocess import largest, preprocess
from exercise.reels import NO_DIGIT, ReelFrame, Skipped

#: The confusion matrix's last column: frames where no digit was found.
NONE_COLUMN = NUM_CLASSES
#: Frames handed to a worker at a time: enough to hide the hand-over, few enough to
#: keep both cores busy to the end.
CHUNK = 16
#: Reels shorter than this are read in this process: starting workers costs more.
MIN_FRAMES_FOR_WORKERS = 48
#: Width of the thumbnails kept for a report, in pixels.
THUMBNAIL_WIDTH = 200
THUMBNAIL_QUALITY = 70

Box = Tuple[int, int, int, int]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Sight:
    """What the pipeline made of one frame, before any model: the largest digit found."""

    frame: ReelFrame
    #: The 28x28 image (white digit on black) of the largest digit, None when none was found.
    image28: Optional[np.ndarray]
    #: Its box in the frame, None when no digit was found.
    box: Optional[Box]
    #: Seconds spent finding and normalising the digits (one core).
    seconds: float
    #: The frame as a small JPEG with the box drawn, when thumbnails were asked for.
    thumbnail: Optional[bytes] = None


@dataclass
class Grade:
    """One model's readings of a reel's sights, and the figures made from them."""

    model: str
    sights: List[Sight]
    #: The digit read per sight, None when no digit was found.
    readings: List[Optional[int]]
    #: The model's 10 probabilities per sight (None when no digit was found).
    probabilities: List[Optional[Tuple[float, ...]]]
    #: Milliseconds per sight: finding the digit plus the model's own time.
    latency_ms: List[float]

    @property
    def confusion(self) -> np.ndarray:
        """``(10, 11)`` int counts: rows the labelled digit, columns the digit read, then none."""
        matrix = np.zeros((NUM_CLASSES, NUM_CLASSES + 1), np.int64)
        for sight, reading in zip(self.sights, self.readings):
            if sight.frame.label != NO_DIGIT:
                matrix[sight.frame.label, NONE_COLUMN if reading is None else reading] += 1
        return matrix

    @property
    def with_digit(self) -> int:
        return sum(sight.frame.label != NO_DIGIT for sight in self.sights)

    @property
    def without_digit(self) -> int:
        return len(self.sights) - self.with_digit

    @property
    def report(self) -> EvaluationReport:
        """The confusion matrix as ``evaluate --data`` reports it: its accuracy and per-digit
        figures count a frame where no digit was found as read wrong."""
        return EvaluationReport(confusion=self.confusion)

    @property
    def accuracy(self) -> Optional[float]:
        """Share of the frames with a digit read right; None when the reel has none."""
        return self.report.accuracy if self.with_digit else None

    @property
    def false_digit_rate(self) -> Optional[float]:
        """Share of the frames without a digit where one was read; None when there are none."""
        false = sum(
            sight.frame.label == NO_DIGIT and reading is not None
            for sight, reading in zip(self.sights, self.readings)
        )
        return false / self.without_digit if self.without_digit else None

    @property
    def per_class(self) -> List[Optional[float]]:
        """Per labelled digit 0-9: share read right, None when the reel never shows it."""
        return self.report.per_class_accuracy

    def misread(self) -> Tuple[List[np.ndarray], List[int]]:
        """The 28x28 images of the frames with a digit that this model read wrong, and the
        digits they show: hard examples to fine-tune on (exercise.examples)."""
        images: List[np.ndarray] = []
        labels: List[int] = []
        for sight, reading in zip(self.sights, self.readings):
            label = sight.frame.label
            if label != NO_DIGIT and sight.image28 is not None and reading != label:
                images.append(sight.image28)
                labels.append(label)
        return images, labels

    def latency(self) -> Dict[str, float]:
        """Median and 95th percentile of the per-frame latency, in milliseconds."""
        if not self.latency_ms:
            return {"median": 0.0, "p95": 0.0}
        ordered = sorted(self.latency_ms)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        return {"median": round(statistics.median(ordered), 3), "p95": round(p95, 3)}

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form ``evaluate --reel --json`` prints for each model."""
        report = self.report
        return {
            "model": self.model,
            "frames": len(self.sights),
            "frames_with_digit": self.with_digit,
            "frames_without_digit": self.without_digit,
            "accuracy": self.accuracy,
            "false_digit_rate": self.false_digit_rate,
            "per_class": report.to_dict()["per_class"],
            "confusion": report.confusion.tolist(),
            "latency_ms": self.latency(),
        }


def look(
    frames: Sequence[ReelFrame],
    *,
    workers: Optional[int] = None,
    thumbnails: bool = False,
    progress: Optional[Progress] = None,
) -> Tuple[List[Sight], List[Skipped]]:
    """Find the largest digit of every frame: (the sights in frame order, the frames that
    could not be read).

    ``workers`` processes share the work (default: one per core); a short reel is read
    in this process.
    """
    workers = workers or os.cpu_count() or 1
    chunks = [list(frames[start : start + CHUNK]) for start in range(0, len(frames), CHUNK)]
    sights: List[Sight] = []
    skipped: List[Skipped] = []
    done = 0
    for chunk_sights, chunk_skipped, count in _chunks_looked_at(chunks, workers, thumbnails, len(frames)):
        sights += chunk_sights
        skipped += chunk_skipped
        done += count
        if progress is not None:
            progress(done, len(frames))
    sights.sort(key=lambda sight: sight.frame.name)
    return sights, skipped


def grade(model: DigitModel, sights: Sequence[Sight], name: Optional[str] = None) -> Grade:
    """``model``'s reading of every sight, one frame at a time as in the live loop."""
    readings: List[Optional[int]] = []
    probabilities: List[Optional[Tuple[float, ...]]] = []
    latency: List[float] = []
    for sight in sights:
        if sight.image28 is None:
            readings.append(None)
            probabilities.append(None)
            latency.append(sight.seconds * 1000.0)
            continue
        started = time.perf_counter()
        row = model.predict_image28(sight.image28)
        latency.append((sight.seconds + time.perf_counter() - started) * 1000.0)
        readings.append(int(row.argmax()))
        probabilities.append(tuple(round(float(p), 4) for p in row))
    return Grade(name or model.spec.name, list(sights), readings, probabilities, latency)


# --- finding the digits, in workers ----------------------------------------------------------------


def _chunks_looked_at(
    chunks: List[List[ReelFrame]], workers: int, thumbnails: bool, total: int
) -> Iterator[Tuple[List[Sight], List[Skipped], int]]:
    if workers <= 1 or total < MIN_FRAMES_FOR_WORKERS:
        for chunk in chunks:
            yield _look_at_chunk(chunk, thumbnails)
        return
    # forkserver, not fork: a fork of a process whose onnxruntime or OpenCV threads hold a
    # lock at that instant hangs in its first call.
    context = multiprocessing.get_context("forkserver")
    with context.Pool(min(workers, len(chunks)), _init_worker) as pool:
        yield from pool.imap_unordered(_look_at_chunk_star, [(chunk, thumbnails) for chunk in chunks])


def _init_worker() -> None:
    # One thread each: the workers are the parallelism.
    cv2.setNumThreads(1)


def _look_at_chunk_star(task: Tuple[List[ReelFrame], bool]) -> Tuple[List[Sight], List[Skipped], int]:
    return _look_at_chunk(*task)


def _look_at_chunk(chunk: List[ReelFrame], thumbnails: bool) -> Tuple[List[Sight], List[Skipped], int]:
    sights: List[Sight] = []
    skipped: List[Skipped] = []
    for frame in chunk:
        try:
            image = read_image(frame.path)
        except ExerciseError as exc:
            skipped.append(
                Skipped(frame.line, frame.name, f"unreadable image: {getattr(exc, 'reason', exc)}")
            )
            continue
        started = time.perf_counter()
        candidates = preprocess(image)
        seconds = time.perf_counter() - started
        main = largest(candidates)
        box: Optional[Box] = None
        if main is not None:
            x, y, w, h = main.box
            box = (int(x), int(y), int(w), int(h))
        sights.append(
            Sight(
                frame=frame,
                image28=main.image28 if main is not None else None,
                box=box,
                seconds=seconds,
                thumbnail=_thumbnail(image, box) if thumbnails else None,
            )
        )
    return sights, skipped, len(chunk)


def _thumbnail(image: np.ndarray, box: Optional[Box]) -> bytes:
    """The frame THUMBNAIL_WIDTH wide as JPEG, the digit found boxed in green."""
    # Bounded both ways: a frame one pixel wide must not ask for a huge thumbnail.
    factor = min(THUMBNAIL_WIDTH / float(image.shape[1]), THUMBNAIL_WIDTH / float(image.shape[0]))
    size = (max(1, int(round(image.shape[1] * factor))), max(1, int(round(image.shape[0] * factor))))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if box is not None:
        x, y, w, h = (int(round(v * factor)) for v in box)
        cv2.rectangle(small, (x, y), (x + w, y + h), (40, 200, 40), 2)
    ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, THUMBNAIL_QUALITY])
    return data.tobytes() if ok else b""
