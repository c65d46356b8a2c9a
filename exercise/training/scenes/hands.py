"""Hands: gripping the edge of a sheet (thumb or fingertips in front, the rest behind and an
arm running out of the frame), or open in the frame with nothing in them.

Sizes are in cm of a real hand times the frame's px per cm where the hand is, so a hand on
an index card is large and one on a sheet across the room small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple, Union

import cv2
import numpy as np

from exercise.training.scenes.frame import Box
from exercise.training.scenes.paint import Colour, Layer, mask_hits, tinted

#: BGR skin tones from light to dark.
SKIN_TONES: Tuple[Colour, ...] = (
    (175, 195, 235),
    (150, 180, 225),
    (125, 160, 210),
    (100, 140, 195),
    (80, 115, 170),
    (60, 90, 140),
    (45, 65, 105),
)
SLEEVE_COLOURS: Tuple[Colour, ...] = (
    (40, 40, 45),
    (120, 70, 30),
    (60, 60, 150),
    (200, 200, 200),
    (90, 120, 60),
    (150, 110, 90),
    (30, 30, 90),
    (170, 160, 150),
    (70, 50, 40),
)
#: Real sizes, cm.
THUMB_WIDTH = 2.1
THUMB_LENGTH = 6.0
FINGER_WIDTH = 1.7
FINGER_LENGTH = 7.5
PALM_WIDTH = 8.5
PALM_LENGTH = 9.0
#: How far the side of a gripping hand shows beyond the sheet's edge.
PALM_REACH = 2.6
WRIST_WIDTH = 5.5
FOREARM_WIDTH = 7.0
#: Share of arms in a sleeve.
SLEEVED = 0.65
#: How much of the hand's surface the curved shading darkens at its rim.
RIM_SHADE = 0.25
#: The resolution the part of a gripping hand behind the sheet is drawn at.
BEHIND_SCALE = 0.5
#: Fixed-point bits for sub-pixel drawing.
SHIFT = 3

#: A point or direction in the frame: a pair of floats or a (2,) array.
Vector = Union[Sequence[float], np.ndarray]
Point = Tuple[float, float]


def unit(vector: Vector) -> np.ndarray:
    array = np.asarray(vector, np.float64)
    return array / max(1e-9, float(np.hypot(array[0], array[1])))


class Canvas:
    """uint8 masks over a box of the frame, drawn in frame coordinates at ``scale`` times the
    frame's resolution."""

    def __init__(
        self, points: Sequence[Vector], pad: float, size: Tuple[int, int], masks: int, scale: float = 1.0
    ):
        width, height = size
        self.scale = scale
        array = np.asarray(points, np.float64)
        reach = 40  # parts may run past the frame's edge; draw a little beyond it
        self.x0 = int(max(-reach, np.floor(array[:, 0].min() - pad)))
        self.y0 = int(max(-reach, np.floor(array[:, 1].min() - pad)))
        x1 = int(min(width + reach, np.ceil(array[:, 0].max() + pad)))
        y1 = int(min(height + reach, np.ceil(array[:, 1].max() + pad)))
        #: The box's size in the frame, (width, height).
        self.size = (max(1, x1 - self.x0), max(1, y1 - self.y0))
        shape = (max(1, int(np.ceil(self.size[1] * scale))), max(1, int(np.ceil(self.size[0] * scale))))
        self.masks = [np.zeros(shape, np.uint8) for _ in range(masks)]

    def at(self, point: Vector) -> Tuple[int, int]:
        factor = self.scale * (1 << SHIFT)
        return int(round((point[0] - self.x0) * factor)), int(round((point[1] - self.y0) * factor))

    def layer(self, colours: Sequence[Sequence[float]], rim: float) -> Layer:
        """The shaded masks as a layer of the frame, enlarged to its resolution if drawn smaller."""
        drawn = shaded(self.masks, colours, rim * self.scale, self.x0, self.y0)
        if self.scale == 1.0:
            return drawn
        colour = cv2.resize(drawn.colour, self.size, interpolation=cv2.INTER_LINEAR)
        alpha = cv2.resize(drawn.alpha, self.size, interpolation=cv2.INTER_LINEAR)
        return Layer(self.x0, self.y0, np.asarray(colour), np.asarray(alpha))

    def capsule(self, mask: int, start: Vector, end: Vector, width: float) -> None:
        """A finger: a thick line with round ends."""
        thickness = max(1, int(round(width * self.scale)))
        cv2.line(self.masks[mask], self.at(start), self.at(end), 255, thickness, cv2.LINE_AA, SHIFT)

    def tapered(self, mask: int, start: Vector, end: Vector, widths: Tuple[float, float]) -> None:
        """A finger narrowing from ``widths[0]`` at ``start`` to a round tip ``widths[1]`` wide at ``end``."""
        a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
        normal = unit((-(b - a)[1], (b - a)[0]))
        self.polygon(
            mask,
            [
                a + normal * widths[0] / 2,
                b + normal * widths[1] / 2,
                b - normal * widths[1] / 2,
                a - normal * widths[0] / 2,
            ],
        )
        self.ellipse(mask, b, (widths[1] / 2, widths[1] / 2), 0.0)
        self.ellipse(mask, a, (widths[0] / 2, widths[0] / 2), 0.0)

    def ellipse(self, mask: int, centre: Vector, axes: Tuple[float, float], angle: float) -> None:
        factor = self.scale * (1 << SHIFT)
        axes_fixed = (int(axes[0] * factor), int(axes[1] * factor))
        cv2.ellipse(self.masks[mask], self.at(centre), axes_fixed, angle, 0, 360, 255, -1, cv2.LINE_AA, SHIFT)

    def polygon(self, mask: int, points: Sequence[Vector]) -> None:
        fixed = np.array([self.at(p) for p in points], np.int32)
        cv2.fillPoly(self.masks[mask], [fixed], 255, cv2.LINE_AA, SHIFT)


def shaded(
    masks: Sequence[np.ndarray], colours: Sequence[Sequence[float]], rim: float, x: int, y: int
) -> Layer:
    """A layer of several coloured parts, darker towards their rims as round things are."""
    union = masks[0].copy()
    for mask in masks[1:]:
        np.maximum(union, mask, out=union)
    height, width = union.shape
    # The rim's shading varies over centimetres: its distances are measured at half size.
    half = cv2.resize(union, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_AREA)
    depth = cv2.distanceTransform((half > 127).astype(np.uint8), cv2.DIST_L2, 3)
    depth = cv2.resize(depth, (width, height), interpolation=cv2.INTER_LINEAR) * np.float32(2)
    shade = 1 - np.float32(RIM_SHADE) * (1 - np.clip(depth / np.float32(max(rim, 1.0)), 0, 1)) ** 2
    alpha = union.astype(np.float32) / 255
    colour = np.zeros((height, width, 3), np.float32)
    uncovered = np.ones((height, width), np.float32)
    # Later parts lie over earlier ones: each shows where none after it does.
    for mask, tone in reversed(list(zip(masks, colours))):
        part = mask.astype(np.float32) / 255
        colour += tinted(part * uncovered * shade, tone)
        uncovered *= 1 - part
    return Layer(x, y, colour, alpha)


@dataclass
class GripPlan:
    """A hand holding a sheet, drawn but not yet shaded: cheap to try at several places."""

    behind: Canvas  # masks: skin, sleeve
    front: Canvas  # masks: skin, nails
    px_per_cm: float

    def front_hits(self, keep_clear: Sequence[Box], pad: int) -> bool:
        return mask_hits(self.front.masks[0], self.front.x0, self.front.y0, keep_clear, pad, 64)

    def layers(self, skin: Colour, sleeve: Colour) -> Tuple[Layer, Layer]:
        """(behind: palm and arm beyond the sheet's edge, front: thumb or fingertips over it)."""
        nail = tuple(min(255.0, c * 1.12 + 18) for c in skin)
        back = self.behind.layer([skin, sleeve], PALM_WIDTH * 0.3 * self.px_per_cm)
        front = self.front.layer([skin, nail], THUMB_WIDTH * 0.45 * self.px_per_cm)
        return back, front


def plan_grip(
    rng: np.random.Generator,
    grip: Vector,
    inward: Vector,
    px_per_cm: float,
    size: Tuple[int, int],
    style: str = "thumb",
) -> GripPlan:
    """A hand holding a sheet at ``grip`` on its edge (``inward`` points into the sheet): the
    thumb ("thumb") or two or three fingertips ("fingers") in front, the fingers behind the
    sheet, the side of the hand beyond its edge and the arm running out of the frame."""
    s = px_per_cm
    into = unit(inward)
    out = -into
    across = np.array([-into[1], into[0]])
    side = 1.0 if rng.random() < 0.5 else -1.0
    grip_point = np.asarray(grip, np.float64)
    back_of_hand = grip_point + out * (PALM_REACH * 0.8 * s) + across * side * rng.uniform(0.3, 1.5) * s
    # Arms reach up from below the frame, or in from the side the hand is on.
    arm_way = unit(out * 0.8 + np.array([0.0, 1.0]) + across * rng.uniform(-0.4, 0.4))
    wrist = back_of_hand + arm_way * (PALM_LENGTH * 0.55 * s)
    far = wrist + arm_way * (60 * s)
    normal = np.array([-arm_way[1], arm_way[0]])
    cuff = wrist + arm_way * (rng.uniform(2, 8) * s)

    front_parts: List[Tuple[np.ndarray, np.ndarray, float]] = []
    if style == "thumb":
        tilt = rng.uniform(-0.6, 0.6)
        tip = grip_point + unit(into + across * tilt) * rng.uniform(1.0, 2.2) * s
        base = grip_point + out * (1.5 * s) + across * side * (1.2 * s)
        front_parts.append((base, tip, THUMB_WIDTH * s * rng.uniform(0.9, 1.1)))
    else:
        fingers = int(rng.integers(2, 4))
        for k in range(fingers):
            offset = (k - (fingers - 1) / 2) * FINGER_WIDTH * 1.05 * s
            tip = grip_point + into * rng.uniform(0.8, 2.0) * s + across * offset
            base = grip_point + out * (1.8 * s) + across * offset * 1.1
            front_parts.append((base, tip, FINGER_WIDTH * s * rng.uniform(0.9, 1.05)))

    points = [grip_point, back_of_hand, wrist, far] + [p for part in front_parts for p in part[:2]]
    # Behind the sheet and beyond it: big, soft-edged, drawn at half size for a quarter of the work.
    behind = Canvas(points, PALM_LENGTH * s, size, 2, BEHIND_SCALE)
    # The back of the hand beyond the sheet's edge: a rounded slab along the edge.
    knuckles = PALM_WIDTH * 0.3 * s
    behind.capsule(
        0, back_of_hand - across * knuckles, back_of_hand + across * knuckles, PALM_REACH * 1.9 * s
    )
    arm = [
        back_of_hand + normal * PALM_WIDTH * 0.4 * s,
        wrist + normal * WRIST_WIDTH / 2 * s,
        far + normal * FOREARM_WIDTH / 2 * s,
        far - normal * FOREARM_WIDTH / 2 * s,
        wrist - normal * WRIST_WIDTH / 2 * s,
        back_of_hand - normal * PALM_WIDTH * 0.4 * s,
    ]
    behind.polygon(0, arm)
    if rng.random() < SLEEVED:
        behind.polygon(1, sleeve_outline(cuff, far, normal, s))
    front = Canvas([p for part in front_parts for p in part[:2]], 2.5 * THUMB_WIDTH * s, size, 2)
    for base, tip, width in front_parts:
        front.tapered(0, base, tip, (width * 1.15, width * 0.9))
        direction = unit(tip - base)
        if style == "thumb":  # the ball of the thumb, where it joins the hand
            front.ellipse(0, base - direction * width * 0.3, (width * 1.0, width * 0.75), degrees(direction))
        # The nail, set back from the tip.
        front.ellipse(1, tip - direction * width * 0.4, (width * 0.3, width * 0.27), degrees(direction))
    return GripPlan(behind, front, s)


def degrees(direction: Vector) -> float:
    return float(np.degrees(np.arctan2(direction[1], direction[0])))


def sleeve_outline(cuff: np.ndarray, far: np.ndarray, normal: np.ndarray, s: float) -> List[np.ndarray]:
    return [
        cuff + normal * (FOREARM_WIDTH / 2 + 0.6) * s,
        far + normal * (FOREARM_WIDTH / 2 + 1.5) * s,
        far - normal * (FOREARM_WIDTH / 2 + 1.5) * s,
        cuff - normal * (FOREARM_WIDTH / 2 + 0.6) * s,
    ]


def open_hand(
    rng: np.random.Generator,
    wrist: Vector,
    pointing: Vector,
    px_per_cm: float,
    size: Tuple[int, int],
    skin: Colour,
    sleeve: Colour,
) -> Layer:
    """A hand held up, empty: palm, spread fingers (each a straight, digit-like stroke) and
    a thumb, its arm running back out of the frame."""
    s = px_per_cm
    up = unit(pointing)
    across = np.array([-up[1], up[0]])
    base = np.asarray(wrist, np.float64)
    palm = base + up * (PALM_LENGTH * 0.45 * s)
    far = base - up * (60 * s)
    parts: List[Tuple[np.ndarray, np.ndarray, float]] = []
    spread = rng.uniform(0.05, 0.3)
    for k, length in enumerate((0.85, 1.0, 0.95, 0.75)):
        offset = (k - 1.5) * FINGER_WIDTH * 1.1 * s
        knuckle = palm + up * (PALM_LENGTH * 0.4 * s) + across * offset
        way = unit(up + across * (k - 1.5) * spread)
        parts.append((knuckle, knuckle + way * FINGER_LENGTH * length * s, FINGER_WIDTH * s))
    thumb_way = unit(up * 0.6 + across * -2.2 * rng.uniform(0.6, 1.0))
    thumb_root = palm - across * (PALM_WIDTH * 0.35 * s)
    parts.append((thumb_root, thumb_root + thumb_way * THUMB_LENGTH * s, THUMB_WIDTH * s))
    normal = across
    points = [base, palm, far] + [p for part in parts for p in part[:2]]
    canvas = Canvas(points, PALM_WIDTH * s, size, 2)
    canvas.ellipse(0, palm, (PALM_WIDTH * 0.5 * s, PALM_LENGTH * 0.5 * s), degrees(across))
    for start, end, width in parts:
        canvas.capsule(0, start, end, width)
    canvas.polygon(
        0,
        [
            base + normal * WRIST_WIDTH / 2 * s,
            far + normal * FOREARM_WIDTH / 2 * s,
            far - normal * FOREARM_WIDTH / 2 * s,
            base - normal * WRIST_WIDTH / 2 * s,
        ],
    )
    canvas.polygon(1, sleeve_outline(base - up * (rng.uniform(2, 8) * s), far, normal, s))
    return canvas.layer([skin, sleeve], FINGER_WIDTH * 0.5 * s)
