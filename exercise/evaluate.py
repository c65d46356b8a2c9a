"""Accuracy of any digit classifier on labelled 28x28 images; no ML framework needed.

The same core serves ``digit-classifier evaluate`` (an ONNX model through
:class:`exercise.model.DigitModel`) and the trainer (a PyTorch module). Each hands in a
``predict_batch`` function: float32 ``[B,1,28,28]`` scaled input -> ``(B, 10)`` scores.
Only the arg-max of the scores is used, so probabilities, logits and log-probabilities all
work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from exercise.exceptions import DatasetError
from exercise.preprocess import Scaling, scale_batch

NUM_CLASSES = 10

#: Images per ``predict_batch`` call: big enough to amortise the call, small enough for RAM.
DEFAULT_BATCH_SIZE = 256

PredictBatch = Callable[[np.ndarray], np.ndarray]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EvaluationReport:
    """What :func:`evaluate` measured. ``confusion[true, predicted]`` counts images.

    A test reel's matrix (:mod:`exercise.grading`) has an eleventh column, the frames where
    no digit was found: they count in a digit's total and never as read right.
    """

    confusion: np.ndarray  # (10, 10) int64, or (10, 11)

    @property
    def count(self) -> int:
        return int(self.confusion.sum())

    @property
    def correct(self) -> int:
        return int(np.trace(self.confusion))

    @property
    def accuracy(self) -> float:
        """Fraction of images classified correctly (0.0 for no images)."""
        return self.correct / self.count if self.count else 0.0

    @property
    def per_class_accuracy(self) -> List[Optional[float]]:
        """Per true digit 0-9: fraction classified correctly, None when the digit never occurs."""
        totals = self.confusion.sum(axis=1)
        return [float(self.confusion[d, d] / totals[d]) if totals[d] else None for d in range(NUM_CLASSES)]

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready: count, correct, accuracy, per_class (list of {digit, count, accuracy}),
        confusion (list of 10 lists, rows = true digit)."""
        totals = self.confusion.sum(axis=1)
        return {
            "count": self.count,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "per_class": [
                {"digit": d, "count": int(totals[d]), "accuracy": acc}
                for d, acc in enumerate(self.per_class_accuracy)
            ],
            "confusion": self.confusion.astype(int).tolist(),
        }


def evaluate(
    predict_batch: PredictBatch,
    images: np.ndarray,
    labels: np.ndarray,
    scaling: Scaling = Scaling.UNIT,
    batch_size: int = DEFAULT_BATCH_SIZE,
    *,
    progress: Optional[Progress] = None,
    source: str = "dataset",
) -> EvaluationReport:
    """Run ``predict_batch`` over ``images`` (uint8 ``(N, 28, 28)``) and count hits against
    ``labels`` (``(N,)``, digits 0-9).

    ``progress(done, total)`` is called after each batch. ``source`` names the data in errors.

    Raises:
        DatasetError: images and labels disagree in number or shape, or a label is not 0-9.
        ValueError: ``predict_batch`` returned something other than ``(B, 10)`` scores.
    """
    images, labels = _checked(images, labels, source)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    total = len(images)
    for start in range(0, total, batch_size):
        stop = min(start + batch_size, total)
        scores = np.asarray(predict_batch(scale_batch(images[start:stop], scaling)))
        if scores.size != (stop - start) * NUM_CLASSES:
            raise ValueError(
                f"predict_batch returned shape {list(scores.shape)} for {stop - start} images, "
                f"expected ({stop - start}, {NUM_CLASSES})"
            )
        predicted = scores.reshape(stop - start, NUM_CLASSES).argmax(axis=1)
        np.add.at(confusion, (labels[start:stop], predicted), 1)
        if progress is not None:
            progress(stop, total)
    return EvaluationReport(confusion=confusion)


def _checked(images: np.ndarray, labels: np.ndarray, source: str) -> Tuple[np.ndarray, np.ndarray]:
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetError(source, f"expected 28x28 images of shape (N, 28, 28), found {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DatasetError(source, f"{labels.shape[0] if labels.ndim else 0} labels for {len(images)} images")
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise DatasetError(
            source, f"labels must be digits 0-9, found values from {labels.min()} to {labels.max()}"
        )
    return images, labels.astype(np.int64)


def format_report(report: EvaluationReport) -> str:
    """A plain-text summary: overall accuracy, a per-digit table, then the confusion matrix."""
    lines = [f"accuracy {report.accuracy:.2%} ({report.correct}/{report.count})", ""]
    lines.append("digit  count  accuracy")
    totals = report.confusion.sum(axis=1)
    for digit, acc in enumerate(report.per_class_accuracy):
        shown = f"{acc:8.2%}" if acc is not None else "       -"
        lines.append(f"{digit:>5}  {int(totals[digit]):>5}  {shown}")
    width = max(5, len(str(int(report.confusion.max(initial=0)))) + 1)
    lines += ["", "confusion matrix (rows: true digit, columns: predicted digit)"]
    lines.append("     " + "".join(f"{d:>{width}}" for d in range(NUM_CLASSES)))
    for digit in range(NUM_CLASSES):
        row = "".join(f"{int(n):>{width}}" for n in report.confusion[digit])
        lines.append(f"{digit:>5}{row}")
    return "\n".join(lines)
