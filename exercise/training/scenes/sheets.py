"""Things digits are written on, writing on them, and seeing them in the frame.

A :class:`Sheet` is drawn flat (paper, index card, sticky note, coloured card, slate,
whiteboard) at about the size it will have in the frame, digits are written on it with
:mod:`.paint`'s handwriting, and a homography (:func:`pose`: a sheet turned in 3-D in front
of a webcam-like pinhole camera) puts it into the frame with the outlines of its digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from exercise.training.scenes.frame import DigitSet, Written, transform
from exercise.training.scenes.paint import (
    Colour,
    Ink,
    Layer,
    apply_ink,
    flat_colour,
    grey3,
    handwriting,
    ink_outline,
    linear_ramp,
    pick_colour,
    pick_ink,
    rotated,
    texture_noise,
    warp_flat,
)

#: A webcam of about 60 degrees horizontal field of view, 640 px wide.
FOCAL_PX = 560.0
#: (width, height) in cm of each kind of sheet, as held in portrait where that applies.
SHEET_CM: Dict[str, Tuple[float, float]] = {
    "plain": (21.0, 29.7),
    "ruled": (21.0, 29.7),
    "squared": (21.0, 29.7),
    "index_card": (12.7, 7.6),
    "coloured_card": (14.8, 10.5),
    "sticky_note": (7.6, 7.6),
    "slate": (30.0, 21.0),
    "whiteboard": (35.0, 25.0),
}
SHEET_KINDS = tuple(SHEET_CM)
#: Empty band around a sheet's writing area, cm (more on the framed boards).
WRITING_MARGIN_CM = {"slate": 2.5, "whiteboard": 2.5, "sticky_note": 0.5, "index_card": 0.6}
DEFAULT_MARGIN_CM = 1.0
#: Space between digits in a row, as a fraction of their height.
DIGIT_GAP = (0.15, 0.5)
#: Placement tries before a row of digits is made smaller.
PLACE_TRIES = 8

PAPER_WHITES: Tuple[Colour, ...] = ((238, 240, 242), (225, 232, 236), (242, 242, 238), (215, 225, 232))
CARD_COLOURS: Tuple[Colour, ...] = (
    (170, 230, 250),
    (200, 200, 250),
    (230, 210, 170),
    (180, 240, 190),
    (200, 235, 245),
    (150, 200, 250),
    (235, 200, 225),
    (140, 220, 230),
)
NOTE_COLOURS: Tuple[Colour, ...] = (
    (110, 235, 250),
    (190, 150, 250),
    (150, 240, 170),
    (240, 205, 140),
    (90, 180, 250),
)
BOARD_COLOURS: Tuple[Colour, ...] = ((45, 60, 40), (35, 35, 38), (55, 75, 50), (30, 40, 30))


@dataclass
class Sheet:
    """A flat sheet and what is written on it (sheet pixel coordinates)."""

    kind: str
    #: (h, w, 4) float32: BGR and the sheet's outline as alpha.
    picture: np.ndarray
    px_per_cm: float
    #: Where writing may go: x0, y0, x1, y1.
    area: Tuple[int, int, int, int]
    #: Grey level of the bare sheet, and of the ink on it once written (for glare checks).
    paper_grey: float
    ink_grey: float = 0.0
    #: Width (px) of the pen that wrote on it.
    stroke: float = 0.0
    written: List[Tuple[int, np.ndarray]] = field(default_factory=list)

    @property
    def dark(self) -> bool:
        return self.kind == "slate"

    @property
    def size(self) -> Tuple[int, int]:
        return self.picture.shape[1], self.picture.shape[0]


def make_sheet(
    rng: np.random.Generator, kind: str, long_side_px: float, landscape: Optional[bool] = None
) -> Sheet:
    """A blank sheet of ``kind`` whose longer side is ``long_side_px``."""
    width_cm, height_cm = SHEET_CM[kind]
    if landscape is None:
        landscape = (
            width_cm > height_cm if kind not in ("plain", "ruled", "squared") else bool(rng.random() < 0.35)
        )
    if landscape != (width_cm > height_cm):
        width_cm, height_cm = height_cm, width_cm
    px_per_cm = long_side_px / max(width_cm, height_cm)
    width, height = max(8, int(width_cm * px_per_cm)), max(8, int(height_cm * px_per_cm))
    colour = sheet_colour(rng, kind)
    bgr = flat_colour((width, height), colour)
    # Paper grain and a little uneven light over the sheet.
    shade = np.float32(0.012) * texture_noise(rng, (width, height), 2.0) + np.float32(1)
    shade -= np.float32(rng.uniform(0.0, 0.08)) * linear_ramp((width, height), rng.uniform(0, 2 * np.pi))
    bgr *= grey3(shade)
    margin = WRITING_MARGIN_CM.get(kind, DEFAULT_MARGIN_CM) * px_per_cm
    area = (int(margin), int(margin), int(width - margin), int(height - margin))
    decorate(rng, kind, bgr, px_per_cm)
    picture = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    return Sheet(kind, picture, px_per_cm, area, paper_grey=float(np.mean(colour)))


def sheet_colour(rng: np.random.Generator, kind: str) -> Colour:
    if kind == "coloured_card":
        palette = CARD_COLOURS
    elif kind == "sticky_note":
        palette = NOTE_COLOURS
    elif kind == "slate":
        palette = BOARD_COLOURS
    elif kind == "index_card" and rng.random() < 0.3:
        palette = CARD_COLOURS
    else:
        palette = PAPER_WHITES
    return pick_colour(rng, palette, 6.0)


def decorate(rng: np.random.Generator, kind: str, bgr: np.ndarray, px_per_cm: float) -> None:
    """Printed lines, frames and smudges of each kind of sheet, in place."""
    height, width = bgr.shape[:2]
    line_colour = (215.0, 175.0, 145.0)
    thickness = max(1, int(round(0.03 * px_per_cm)))
    if kind == "ruled":
        spacing = 0.8 * px_per_cm
        for k in range(int(2.5 * px_per_cm / spacing), int(height / spacing)):
            y = int(k * spacing)
            cv2.line(bgr, (0, y), (width, y), line_colour, thickness, cv2.LINE_AA)
        if rng.random() < 0.7:
            x = int(rng.uniform(2.5, 3.5) * px_per_cm)
            cv2.line(bgr, (x, 0), (x, height), (150.0, 150.0, 235.0), thickness, cv2.LINE_AA)
    elif kind == "squared":
        spacing = 0.5 * px_per_cm
        colour = (205.0, 190.0, 175.0)
        for k in range(1, int(height / spacing) + 1):
            cv2.line(bgr, (0, int(k * spacing)), (width, int(k * spacing)), colour, 1, cv2.LINE_AA)
        for k in range(1, int(width / spacing) + 1):
            cv2.line(bgr, (int(k * spacing), 0), (int(k * spacing), height), colour, 1, cv2.LINE_AA)
    elif kind == "index_card" and rng.random() < 0.7:
        header = int(1.3 * px_per_cm)
        cv2.line(bgr, (0, header), (width, header), (120.0, 120.0, 220.0), thickness, cv2.LINE_AA)
        spacing = 0.64 * px_per_cm
        for k in range(1, int((height - header) / spacing) + 1):
            y = int(header + k * spacing)
            cv2.line(bgr, (0, y), (width, y), line_colour, thickness, cv2.LINE_AA)
    elif kind == "sticky_note":
        # The glued strip lies flat and a little darker; the rest curls towards the light.
        strip = int(1.6 * px_per_cm)
        bgr[:strip] *= np.float32(0.95)
    elif kind == "slate":
        frame = max(2, int(1.5 * px_per_cm))
        wood = (60.0, 110.0, 160.0)
        for inset in range(frame):
            cv2.rectangle(bgr, (inset, inset), (width - 1 - inset, height - 1 - inset), wood, 1)
        # Wiped chalk: pale clouds over the board.
        haze = np.clip(texture_noise(rng, (width, height), 40.0), 0, None) * np.float32(rng.uniform(4, 14))
        bgr[frame:-frame, frame:-frame] += grey3(haze[frame:-frame, frame:-frame])
    elif kind == "whiteboard":
        frame = max(2, int(1.0 * px_per_cm))
        for inset in range(frame):
            cv2.rectangle(
                bgr, (inset, inset), (width - 1 - inset, height - 1 - inset), (175.0, 175.0, 180.0), 1
            )


def ink_kinds_for(kind: str) -> Tuple[str, ...]:
    """The writing tools that go with a kind of sheet."""
    if kind == "slate":
        return ("chalk",)
    if kind == "whiteboard":
        return ("marker", "felt")
    if kind in ("sticky_note", "coloured_card"):
        return ("marker", "felt", "felt", "ballpoint")
    return ("marker", "felt", "felt", "ballpoint", "ballpoint", "pencil")


def write_digits(
    rng: np.random.Generator,
    sheet: Sheet,
    digits: DigitSet,
    count: int,
    height_px: float,
    angle: float = 0.0,
    ink_kind: Optional[str] = None,
) -> int:
    """Write a row of ``count`` digits about ``height_px`` tall, turned ``angle`` degrees
    (counter-clockwise) on the sheet, somewhere in its writing area; the row is made smaller
    until it fits. Returns how many were written (0 when even small ones do not fit)."""
    images, labels = digits
    kind = ink_kind or str(rng.choice(ink_kinds_for(sheet.kind)))
    ink, stroke = pick_ink(rng, kind, height_px)
    chosen = rng.integers(0, len(images), count)
    x0, y0, x1, y1 = sheet.area
    height = height_px
    while height >= 12:
        maps = []
        for index in chosen:
            own_height = height * rng.uniform(0.9, 1.1)
            coverage = handwriting(images[index], own_height, min(stroke, 0.3 * own_height))
            turned, matrix = rotated(coverage, angle + rng.uniform(-6, 6))
            maps.append((turned, matrix, coverage))
        gaps = [height * rng.uniform(*DIGIT_GAP) for _ in maps]
        along = np.array([np.cos(np.deg2rad(angle)), -np.sin(np.deg2rad(angle))])
        spans = [m[2].shape[1] for m in maps]
        length = sum(spans) + sum(gaps[:-1])
        offsets = []
        position = -length / 2
        for span, gap in zip(spans, gaps):
            offsets.append(position + span / 2)
            position += span + gap
        for _attempt in range(PLACE_TRIES):
            centre = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
            places = []
            for (turned, _, _), offset in zip(maps, offsets):
                cx, cy = centre + along * offset
                h, w = turned.shape
                places.append((int(round(cx - w / 2)), int(round(cy - h / 2))))
            if all(
                px >= x0 and py >= y0 and px + m[0].shape[1] <= x1 and py + m[0].shape[0] <= y1
                for (px, py), m in zip(places, maps)
            ):
                bgr = sheet.picture[:, :, :3]
                for (px, py), (turned, matrix, coverage), index in zip(places, maps, chosen):
                    apply_ink(rng, bgr, turned, px, py, ink)
                    outline = cv2.transform(ink_outline(coverage).reshape(-1, 1, 2), matrix).reshape(-1, 2)
                    sheet.written.append((int(labels[index]), outline + np.array([px, py], np.float32)))
                sheet.ink_grey = ink_grey(ink, sheet.paper_grey)
                sheet.stroke = min(stroke, 0.3 * height)
                return count
        height *= 0.8
    return 0


def ink_grey(ink: Ink, paper_grey: float) -> float:
    """The grey level of ``ink`` where it is written on paper of ``paper_grey``."""
    if ink.light:
        return paper_grey + ink.opacity * (float(np.mean(ink.colour)) - paper_grey)
    return paper_grey * (1 - ink.opacity * (1 - float(np.mean(ink.colour)) / 255))


# --- in the frame --------------------------------------------------------------------------------


def rotation(roll: float, yaw: float, pitch: float) -> np.ndarray:
    """3x3 rotation: ``roll`` counter-clockwise in the image, then turned left-right by ``yaw``
    and tipped by ``pitch`` (degrees)."""
    r, y, p = np.deg2rad([-roll, yaw, pitch])
    around_z = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    around_y = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    around_x = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    return around_x @ around_y @ around_z


def pose(
    size: Tuple[int, int],
    centre: Tuple[float, float],
    scale: float,
    roll: float = 0.0,
    yaw: float = 0.0,
    pitch: float = 0.0,
) -> np.ndarray:
    """The homography (flat sheet -> frame) of a sheet of pixel ``size`` seen ``scale`` frame
    px per sheet px at its centre, which lands on ``centre``, turned by roll, yaw, pitch."""
    width, height = size
    flat = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    local = np.column_stack([(flat - np.array([width / 2, height / 2], np.float32)) * scale, np.zeros(4)])
    moved = local @ rotation(roll, yaw, pitch).T + np.array([0.0, 0.0, FOCAL_PX])
    seen = FOCAL_PX * moved[:, :2] / moved[:, 2:3] + np.array(centre)
    return cv2.getPerspectiveTransform(flat, seen.astype(np.float32))


def land(
    sheet: Sheet, homography: np.ndarray, size: Tuple[int, int]
) -> Tuple[Optional[Layer], List[Written]]:
    """The sheet as a layer of the frame, and its digits' outlines in frame coordinates."""
    layer = warp_flat(sheet.picture, homography, size)
    written = [Written(label, transform(points, homography)) for label, points in sheet.written]
    return layer, written


def outline(sheet: Sheet, homography: np.ndarray) -> np.ndarray:
    """The sheet's four corners (4, 2) in the frame: top left, top right, bottom right, bottom left."""
    width, height = sheet.size
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    return transform(corners, homography)
