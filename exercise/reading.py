"""Read the digits in one image: find them (:func:`exercise.preprocess.preprocess`) and
classify each with the model.

The one reading path of ``digit-classifier predict`` and ``POST /api/digit`` (the drawing
pad), so a picture reads the same however it arrives. Whatever an image needs before the
digits can be found (light strokes on a dark ground, a digit drawn to the image's edge)
is the digit finder's business, not a front end's: there is nothing to adjust here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from exercise.model import DigitModel
from exercise.preprocess import largest, preprocess


@dataclass(frozen=True)
class DigitRead:
    """One digit found in an image and what the model read it as."""

    digit: int
    #: The probability of ``digit``: the largest of ``probabilities``.
    confidence: float
    #: The model's 10 probabilities, one per digit 0-9.
    probabilities: Tuple[float, ...]
    #: x, y, width, height in the image's pixels.
    box: Tuple[int, int, int, int]


@dataclass(frozen=True)
class Reading:
    """Every digit found in an image, left to right (none: an empty list)."""

    digits: List[DigitRead]

    @property
    def main(self) -> Optional[DigitRead]:
        """The largest digit (:func:`exercise.preprocess.largest`); None when none was found."""
        return largest(self.digits)


def read_digits(model: DigitModel, image: np.ndarray) -> Reading:
    """The digits in a BGR (or grey) uint8 ``image``, each classified by ``model``.

    Raises:
        ImageError: ``image`` is not a uint8 grey, BGR or BGRA image.
    """
    candidates = preprocess(image, model.spec.normalization)
    if not candidates:
        return Reading([])
    # One batch for all of them: a model that cannot batch is fed one by one by predict().
    rows = np.asarray(model.predict(np.concatenate([c.tensor for c in candidates])), np.float64)
    digits = []
    for candidate, row in zip(candidates, rows.reshape(-1, 10)):
        best = int(row.argmax())
        x, y, w, h = candidate.box
        box = (int(x), int(y), int(w), int(h))
        digits.append(DigitRead(best, float(row[best]), tuple(float(p) for p in row), box))
    return Reading(digits)
