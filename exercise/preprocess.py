"""Find handwritten digits in a camera frame and normalise each the way MNIST was made.

CONTRACT (filled in by the preprocessing work; signatures are fixed):

    preprocess(frame, scaling=Scaling.UNIT) -> List[DigitCandidate]   # left to right
    scale(image28, scaling) -> np.ndarray [1,1,28,28] float32
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np


class Scaling(str, enum.Enum):
    """How the 0..255 grey levels of the 28x28 image become the model's input floats.

    The value is also what a model's ONNX metadata key ``normalization`` holds.
    """

    UNIT = "unit"  # x / 255 -> [0, 1]: MNIST tutorials, the ONNX model zoo
    MNIST = "mnist"  # (x / 255 - 0.1307) / 0.3081: PyTorch's MNIST example
    SYMMETRIC = "symmetric"  # x / 127.5 - 1 -> [-1, 1]


@dataclass(frozen=True)
class DigitCandidate:
    #: ``[1, 1, 28, 28]`` float32, scaled as asked: ready for the model.
    tensor: np.ndarray
    #: x, y, width, height of the digit in the frame it was found in.
    box: Tuple[int, int, int, int]
    #: The 28x28 uint8 image, white digit on black, before scaling (for GUI.showInput).
    image28: np.ndarray


def scale(image28: np.ndarray, scaling: Scaling = Scaling.UNIT) -> np.ndarray:
    """A 28x28 uint8 image -> the ``[1, 1, 28, 28]`` float32 tensor a model expects."""
    raise NotImplementedError


def preprocess(frame: np.ndarray, scaling: Scaling = Scaling.UNIT) -> List[DigitCandidate]:
    """Digit candidates in a BGR (or grey) frame of any size, left to right; [] if none."""
    raise NotImplementedError
