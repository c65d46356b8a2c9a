"""How what a network found is held against a scene's truth, and how its threshold is chosen.

The detector's and the gate's trainers and the benchmarks all score against
:class:`exercise.training.scenes.SceneFrame` boxes; they share these few rules so that a
"found digit" means the same in a training report as in a benchmark table.
"""

from __future__ import annotations

import math
from typing import Tuple

import numpy as np

Box = Tuple[int, int, int, int]  # x, y, w, h

#: A found box is the written digit's when they overlap this much (intersection over union).
MATCH_IOU = 0.3
#: A found box lying this much inside a cut or covered digit is (part of) that digit.
PARTIAL_INSIDE = 0.5


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes, 0 when they do not touch."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / float(union) if union else 0.0


def on_partial(box: Box, partial: Box) -> bool:
    """Whether a found box is (part of) a digit the frame cuts or covers: it overlaps that
    digit's box as a match would, or lies mostly inside it. Such a find is neither right
    nor a false digit."""
    width = max(0, min(box[0] + box[2], partial[0] + partial[2]) - max(box[0], partial[0]))
    height = max(0, min(box[1] + box[3], partial[1] + partial[3]) - max(box[1], partial[1]))
    inside = width * height / float(max(box[2] * box[3], 1))
    return iou(box, partial) >= MATCH_IOU or inside >= PARTIAL_INSIDE


def threshold_keeping(digit_scores: np.ndarray, keep: float) -> float:
    """The highest threshold that lets at least ``keep`` of the digits through (score >= it).

    Raises:
        ValueError: no scores.
    """
    if len(digit_scores) == 0:
        raise ValueError("no digit scores to choose a threshold from")
    ordered = np.sort(digit_scores)
    # How many digits may fall below it (the epsilon absorbs keep * n landing a hair off an integer).
    allowed = int(math.floor((1.0 - keep) * len(ordered) + 1e-9))
    return float(ordered[allowed])
