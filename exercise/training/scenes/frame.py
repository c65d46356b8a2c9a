"""What every scene family yields, and the rule that makes a written digit a target.

A written digit is a *target* when a person looking at the frame could read it: all of it
inside the frame, nothing in front of it, not washed out. The others stay in the picture
and are listed in ``SceneFrame.partial``, so a scorer can leave them out of both sides.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import List, Optional, Protocol, Sequence, Tuple

import cv2
import numpy as np

FRAME_SIZE = (640, 480)  # width, height
FRAME_WIDTH, FRAME_HEIGHT = FRAME_SIZE
#: Anything drawn in front this close to a digit's box (px) makes the digit unreadable:
#: a finger touching a stroke merges with it.
COVER_PAD = 3
#: A target's box keeps this far (px) from the frame's edge, or the frame cuts it.
EDGE_PAD = 1

Box = Tuple[int, int, int, int]
#: MNIST-style digits to write: uint8 images (N, 28, 28), white on black, and labels (N,).
DigitSet = Tuple[np.ndarray, np.ndarray]


@dataclass
class SceneFrame:
    """One generated frame and the truth about it."""

    #: BGR uint8, FRAME_SIZE.
    image: np.ndarray
    #: The target digits, left to right.
    labels: List[int]
    #: Their boxes (x, y, w, h) in the frame, same order.
    boxes: List[Box]
    family: str
    #: A short name of what this frame stresses.
    condition: str
    #: True for frames of a family's empty conditions: no digit written anywhere.
    empty: bool = False
    #: Boxes of written digits that are not targets (cut by the frame's edge or covered):
    #: reading one is neither right nor a false digit.
    partial: List[Box] = field(default_factory=list)


@dataclass
class Written:
    """A digit as written into the scene, before deciding whether it is a target."""

    label: int
    #: Outline points of its ink (N, 2) float32, frame coordinates.
    points: np.ndarray
    #: False when the family knows the digit is washed out (glare) or otherwise unreadable.
    readable: bool = True


class Family(Protocol):
    """What a family's module offers: its conditions and the making of one frame."""

    DIGIT_CONDITIONS: Tuple[str, ...]
    EMPTY_CONDITIONS: Tuple[str, ...]

    def make_frame(
        self, rng: np.random.Generator, condition: str, digits: DigitSet, empty: bool
    ) -> SceneFrame: ...


def family_rng(family: str, seed: int, index: int, attempt: int = 0) -> np.random.Generator:
    """The one generator of frame ``index`` (and of its ``attempt``-th redraw): the same
    (family, seed, index), the same frame."""
    key = [seed, index, zlib.crc32(family.encode())]
    return np.random.default_rng(key + [attempt] if attempt else key)


def frame_kind(index: int, empty_fraction: float) -> Tuple[bool, int]:
    """(is frame ``index`` empty, its ordinal among frames of its kind).

    Every ``round(1 / empty_fraction)``-th frame is empty, so the answer depends on the
    index alone and frames can be made in any order.
    """
    every = max(1, int(round(1 / empty_fraction))) if empty_fraction > 0 else 0
    if every and index % every == every - 1:
        return True, index // every
    return False, index - (index // every if every else 0)


def transform(points: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """Points (N, 2) mapped through a 3x3 homography."""
    if not len(points):
        return points.reshape(0, 2).astype(np.float32)
    mapped = cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float32), homography)
    return mapped.reshape(-1, 2)


def bounding_box(points: np.ndarray) -> Box:
    """The integer box (x, y, w, h) holding every point."""
    x0, y0 = np.floor(points.min(axis=0))
    x1, y1 = np.ceil(points.max(axis=0))
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def inside_frame(box: Box, size: Tuple[int, int] = FRAME_SIZE) -> bool:
    x, y, w, h = box
    width, height = size
    return x >= EDGE_PAD and y >= EDGE_PAD and x + w < width - EDGE_PAD and y + h < height - EDGE_PAD


def touches_frame(box: Box, size: Tuple[int, int] = FRAME_SIZE) -> bool:
    x, y, w, h = box
    width, height = size
    return x + w > 0 and y + h > 0 and x < width and y < height


def covered(box: Box, cover: Optional[np.ndarray], pad: int = COVER_PAD) -> bool:
    """Whether anything was drawn in front within ``pad`` of ``box``."""
    if cover is None:
        return False
    x, y, w, h = box
    region = cover[max(0, y - pad) : max(0, y + h + pad + 1), max(0, x - pad) : max(0, x + w + pad + 1)]
    return bool(region.any())


def settle(
    written: Sequence[Written], cover: Optional[np.ndarray], size: Tuple[int, int] = FRAME_SIZE
) -> Tuple[List[int], List[Box], List[Box]]:
    """(target labels, target boxes, partial boxes); targets left to right.

    ``cover`` is a uint8 mask of everything drawn in front of the writing.
    """
    targets: List[Tuple[Box, int]] = []
    partial: List[Box] = []
    for digit in written:
        if not len(digit.points):
            continue
        box = bounding_box(digit.points)
        if digit.readable and inside_frame(box, size) and not covered(box, cover):
            targets.append((box, digit.label))
        elif touches_frame(box, size):
            partial.append(box)
    targets.sort(key=lambda item: item[0][0] + item[0][2] / 2)
    return [label for _, label in targets], [box for box, _ in targets], partial


def pick_condition(conditions: Sequence[str], ordinal: int) -> str:
    return conditions[ordinal % len(conditions)]
