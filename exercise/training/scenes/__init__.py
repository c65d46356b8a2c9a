"""Families of synthetic webcam frames with handwritten digits, for tuning and for checking.

Each family is a different kind of scene a webcam in an untidy room could see; one of them
(``HELD_OUT``, the room) is drawn by code of its own and is never used for tuning, so
that a score on it tells whether what was tuned on the others generalises:

* ``desk``: a sheet on a desk from above (the first generator)
* ``wall``: a sheet or card held up by hands in front of a coloured, patterned wall
* ``clutter``: a table with cards, sticky notes, tape, photos and printed matter with printed digits
* ``lines``: pens, pencils, cables, rulers and long straight edges across the frame and the sheet
* ``camera``: ordinary scenes through bad capture: glare, low light, blur, casts, JPEG, pencil
* ``people``: a person's face and shoulders at a laptop's webcam, a room behind, a sheet or card held up
* ``room``: a person in a room holding up a sheet or card (held out)

Every family yields frames with 1-3 digits and empty frames of the same kind of scene
(about ``empty_fraction`` of them), each frame stressing one named condition. Frame ``i``
depends only on (family, seed, i), and on the digits passed in: MNIST test digits for
measuring, MNIST train digits for training, never hard-coded here::

    from exercise.training import scenes
    for frame in scenes.generate("wall", 200, seed=0, digits=scenes.load_mnist("test")):
        frame.image, frame.labels, frame.boxes, frame.condition, frame.empty
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import numpy as np

from exercise.idx import load_split
from exercise.training.scenes import camera, clutter, desk, lines, people, room, wall
from exercise.training.scenes.frame import (
    FRAME_SIZE,
    Box,
    DigitSet,
    Family,
    SceneFrame,
    family_rng,
    frame_kind,
    pick_condition,
)

__all__ = [
    "FAMILIES",
    "FRAME_SIZE",
    "HELD_OUT",
    "MNIST_DIR",
    "TUNING_FAMILIES",
    "Box",
    "DigitSet",
    "SceneFrame",
    "conditions",
    "generate",
    "load_mnist",
]

#: Where the MNIST IDX files live: $MNIST_DIR, else shared/data/mnist beside the checkout
#: (never in the repo), as on the project's machines and in CI.
REPO_ROOT = Path(__file__).resolve().parents[3]
MNIST_DIR = Path(os.environ.get("MNIST_DIR") or REPO_ROOT.parent / "shared" / "data" / "mnist")

_MODULES: Dict[str, Family] = {
    "desk": desk,
    "wall": wall,
    "clutter": clutter,
    "lines": lines,
    "camera": camera,
    "people": people,
    "room": room,
}
FAMILIES: Tuple[str, ...] = tuple(_MODULES)
#: Draws of a frame with digits before one with a readable digit is taken.
REDRAWS = 4
HELD_OUT = "room"
TUNING_FAMILIES: Tuple[str, ...] = tuple(name for name in FAMILIES if name != HELD_OUT)


def load_mnist(split: str = "test", directory: Path = MNIST_DIR) -> DigitSet:
    """MNIST's images (uint8 N x 28 x 28) and labels of ``split``, "test" or "train"."""
    return load_split(directory, split)


def conditions(family: str) -> Dict[str, Tuple[str, ...]]:
    """{"digits": conditions of frames with digits, "empty": of frames without} of a family."""
    module = _module(family)
    return {"digits": module.DIGIT_CONDITIONS, "empty": module.EMPTY_CONDITIONS}


def generate(
    family: str,
    count: int,
    seed: int = 0,
    empty_fraction: float = 0.25,
    digits: Optional[DigitSet] = None,
) -> Iterator[SceneFrame]:
    """``count`` frames of ``family``, conditions in turn, about ``empty_fraction`` empty.

    ``digits`` is an (images N x 28 x 28 uint8, labels N) pair to write (MNIST test digits
    when None).
    """
    module = _module(family)
    chosen = digits if digits is not None else load_mnist("test")
    for index in range(count):
        empty, ordinal = frame_kind(index, empty_fraction)
        condition = pick_condition(module.EMPTY_CONDITIONS if empty else module.DIGIT_CONDITIONS, ordinal)
        if family == "desk":
            # Seeded as in its first days, so its frames stay the
            # ones the benchmark's figures were measured on.
            yield module.make_frame(np.random.default_rng([seed, index]), condition, chosen, empty)
            continue
        frame = module.make_frame(family_rng(family, seed, index), condition, chosen, empty)
        # A frame meant to have digits whose digits all ended up cut or covered is drawn again.
        attempt = 1
        while not empty and not frame.labels and attempt < REDRAWS:
            frame = module.make_frame(family_rng(family, seed, index, attempt), condition, chosen, empty)
            attempt += 1
        yield frame


def _module(family: str) -> Family:
    try:
        return _MODULES[family]
    except KeyError:
        raise ValueError(f"unknown scene family {family!r}; one of {', '.join(FAMILIES)}") from None
