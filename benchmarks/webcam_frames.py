"""The desk scenes under their old name: this generator moved to exercise.training.scenes.desk.

Kept so that ``from benchmarks.webcam_frames import generate, MNIST_DIR`` goes on working;
new code uses :mod:`exercise.training.scenes` (several scene families, see there)::

    from exercise.training import scenes
    for frame in scenes.generate("desk", 200, seed=0):
        frame.image, frame.labels, frame.boxes, frame.condition
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, Optional, Tuple

import numpy as np

from exercise.training.scenes import FRAME_SIZE, MNIST_DIR, SceneFrame, load_mnist
from exercise.training.scenes.desk import DIGIT_CONDITIONS, EMPTY_CONDITIONS, make_frame
from exercise.training.scenes.frame import frame_kind

__all__ = [
    "DIGIT_CONDITIONS",
    "EMPTY_CONDITIONS",
    "FRAME_SIZE",
    "MNIST_DIR",
    "WebcamFrame",
    "generate",
    "load_mnist_test",
]

#: The record a frame comes in (``image``, ``labels``, ``boxes``, ``condition``, ``empty``...).
WebcamFrame = SceneFrame


def load_mnist_test(directory: Path = MNIST_DIR) -> Tuple[np.ndarray, np.ndarray]:
    """MNIST's 10k test images (uint8 Nx28x28) and labels."""
    return load_mnist("test", directory)


def generate(
    count: int,
    seed: int = 0,
    empty_fraction: float = 0.25,
    directory: Path = MNIST_DIR,
    size: Tuple[int, int] = FRAME_SIZE,
    mnist: Optional[Tuple[np.ndarray, np.ndarray]] = None,
) -> Iterator[SceneFrame]:
    """``count`` desk frames, as ``scenes.generate("desk", ...)`` makes them (any ``size``)."""
    digits = mnist if mnist is not None else load_mnist_test(directory)
    for index in range(count):
        empty, ordinal = frame_kind(index, empty_fraction)
        conditions = EMPTY_CONDITIONS if empty else DIGIT_CONDITIONS
        rng = np.random.default_rng([seed, index])
        yield make_frame(rng, conditions[ordinal % len(conditions)], digits, empty, size)


def main() -> None:
    """Write a contact sheet of desk frames (python -m exercise.training.scenes --family desk)."""
    from exercise.training.scenes.__main__ import main as contact_sheet

    contact_sheet(["--family", "desk", "--out", "artifacts/webcam_frames.png", *sys.argv[1:]])


if __name__ == "__main__":
    main()
