"""Why this digit? An occlusion-sensitivity map of a model's reading of one 28x28 image.

A grey square is slid over the image; wherever covering the ink makes the model less sure
of the digit it read, that part of the stroke is what made it choose. One batch of
``((28 - PATCH) / STRIDE + 1)^2`` images through the student's own model, on demand: about
170 images, a few milliseconds for a small network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from exercise.model import DigitModel
from exercise.preprocess import MNIST_SIDE as SIDE
from exercise.preprocess import scale_batch

#: The side of the covering square, in pixels of the 28x28 image: about a stroke's width.
PATCH = 4
STRIDE = 2


@dataclass(frozen=True)
class OcclusionMap:
    #: The digit the model read on the whole image.
    digit: int
    #: Its probability on the whole image.
    probability: float
    #: (28, 28) float32 in 0..1: how much covering each pixel lowered that probability,
    #: relative to the largest drop (all zeros when nothing lowered it).
    importance: np.ndarray


def occlusion_map(model: DigitModel, image28: np.ndarray, digit: Optional[int] = None) -> OcclusionMap:
    """Where in ``image28`` (uint8, white digit on black) the model's choice of ``digit``
    (default: the digit it reads) comes from."""
    image = np.asarray(image28, np.uint8).reshape(SIDE, SIDE)
    scaling = model.spec.normalization
    whole = model.predict_image28(image)
    chosen = int(whole.argmax()) if digit is None else int(digit)
    corners = [(y, x) for y in range(0, SIDE - PATCH + 1, STRIDE) for x in range(0, SIDE - PATCH + 1, STRIDE)]
    covered = np.repeat(image[None], len(corners), axis=0)
    for index, (y, x) in enumerate(corners):
        covered[index, y : y + PATCH, x : x + PATCH] = 0  # the ground: no ink there
    batch = scale_batch(covered, scaling)
    probabilities = np.asarray(model.predict(batch), np.float64).reshape(len(corners), -1)
    drops = np.clip(whole[chosen] - probabilities[:, chosen], 0.0, None)
    total = np.zeros((SIDE, SIDE), np.float64)
    counts = np.zeros((SIDE, SIDE), np.float64)
    for (y, x), drop in zip(corners, drops):
        total[y : y + PATCH, x : x + PATCH] += drop
        counts[y : y + PATCH, x : x + PATCH] += 1
    mean = total / np.maximum(counts, 1)
    peak = mean.max()
    importance = (mean / peak if peak > 0 else mean).astype(np.float32)
    return OcclusionMap(chosen, float(whole[chosen]), importance)
