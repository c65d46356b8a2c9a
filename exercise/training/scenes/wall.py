"""Family "wall": a sheet, card, sticky note or slate held up in front of a wall.

The wall is painted, striped, tiled, brick, papered or panelled, sometimes with posters
(printed words and numbers) on it; hands grip the sheet's edges with a thumb or fingertips
in front and an arm running out of the frame. The sheet is turned at any angle, tipped
towards or away from the camera, and sometimes partly out of the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from exercise.training.scenes import printed, surfaces
from exercise.training.scenes.compose import everyday_camera, hold_up, room_light
from exercise.training.scenes.frame import FRAME_SIZE, DigitSet, SceneFrame, Written, settle
from exercise.training.scenes.hands import SKIN_TONES, SLEEVE_COLOURS, open_hand
from exercise.training.scenes.optics import capture
from exercise.training.scenes.paint import cast_shadow, multiply, paste, pick_colour, warp_flat
from exercise.training.scenes.sheets import make_sheet, pose, write_digits

FAMILY = "wall"
DIGIT_CONDITIONS: Tuple[str, ...] = (
    "painted_wall",
    "stripes",
    "tiles",
    "brick",
    "wallpaper",
    "posters",
    "index_card",
    "coloured_card",
    "sticky_note",
    "slate",
    "tilted",
    "diagonal_sheet",
    "turned_away",
    "partly_out",
    "two_hands",
    "fingers_in_front",
    "backlit",
    "far_away",
    "everything",
)
EMPTY_CONDITIONS: Tuple[str, ...] = (
    "blank_sheet",
    "blank_card",
    "ruled_sheet",
    "wall_only",
    "posters",
    "open_hand",
    "slate",
    "everything",
)
#: How many digits a frame with digits has: 1, 2 or 3, with these chances.
DIGIT_COUNTS = (0.6, 0.25, 0.15)
#: Longer side of each kind of sheet in the frame, as a fraction of the frame height.
SHEET_LONG_SIDE = {
    "plain": (0.5, 1.15),
    "ruled": (0.5, 1.15),
    "squared": (0.5, 1.15),
    "index_card": (0.45, 0.95),
    "coloured_card": (0.45, 0.95),
    "sticky_note": (0.25, 0.42),
    "slate": (0.6, 1.1),
    "whiteboard": (0.6, 1.1),
}
#: Digit height as a fraction of the frame height, before the sheet limits it.
DIGIT_HEIGHT = (0.1, 0.45)
FAR_DIGIT_HEIGHT = (0.06, 0.1)
#: A digit may take at most this share of its sheet's shorter side.
DIGIT_SHARE_OF_SHEET = 0.6


@dataclass
class Setting:
    """The knobs of one frame, set by its condition."""

    wall: str
    sheet: Optional[str]
    posters: int = 0
    hands: int = 1
    style: str = "thumb"
    roll: Tuple[float, float] = (-15.0, 15.0)
    digits_upright: bool = False
    turn: float = 18.0  # largest yaw and pitch, degrees
    partly_out: bool = False
    far: bool = False
    backlit: bool = False
    open_hand: bool = False


def setting_for(rng: np.random.Generator, condition: str) -> Setting:
    walls = surfaces.WALL_KINDS
    setting = Setting(
        wall=str(rng.choice(walls)),
        sheet=str(rng.choice(["plain", "plain", "ruled", "squared", "index_card", "coloured_card"])),
    )
    if rng.random() < 0.3:
        setting.posters = int(rng.integers(1, 3))
    if rng.random() < 0.25:
        setting.hands = 2
    wall_for = {
        "painted_wall": "paint",
        "stripes": "stripes",
        "tiles": "tiles",
        "brick": "brick",
        "wallpaper": "wallpaper",
    }
    if condition in wall_for:
        setting.wall = wall_for[condition]
    elif condition == "posters":
        setting.wall, setting.posters = (
            str(rng.choice(["paint", "plaster", "brick"])),
            int(rng.integers(2, 5)),
        )
    elif condition in ("index_card", "blank_card"):
        setting.sheet = "index_card"
    elif condition == "coloured_card":
        setting.sheet = "coloured_card"
    elif condition == "sticky_note":
        setting.sheet, setting.style = "sticky_note", str(rng.choice(["thumb", "fingers"]))
    elif condition == "slate":
        setting.sheet = str(rng.choice(["slate", "slate", "whiteboard"]))
    elif condition == "tilted":
        setting.roll = (-40.0, 40.0)
    elif condition == "diagonal_sheet":
        setting.roll, setting.digits_upright = (-90.0, 90.0), True
    elif condition == "turned_away":
        setting.turn = 42.0
    elif condition == "partly_out":
        setting.partly_out = True
    elif condition == "two_hands":
        setting.hands = 2
    elif condition == "fingers_in_front":
        setting.style = "fingers"
    elif condition == "backlit":
        setting.backlit = True
    elif condition == "far_away":
        setting.far = True
    elif condition == "blank_sheet":
        setting.sheet = "plain"
    elif condition == "ruled_sheet":
        setting.sheet = str(rng.choice(["ruled", "squared"]))
    elif condition == "wall_only":
        setting.sheet, setting.posters = None, int(rng.integers(0, 3))
    elif condition == "open_hand":
        setting.sheet, setting.open_hand = None, True
    elif condition == "everything":
        setting.posters = int(rng.integers(1, 4))
        setting.hands = int(rng.integers(1, 3))
        setting.style = str(rng.choice(["thumb", "fingers"]))
        setting.roll, setting.digits_upright = (-60.0, 60.0), bool(rng.random() < 0.5)
        setting.turn = 30.0
        setting.partly_out = bool(rng.random() < 0.4)
        setting.backlit = bool(rng.random() < 0.3)
        setting.open_hand = bool(rng.random() < 0.3)
        setting.sheet = str(rng.choice(list(SHEET_LONG_SIDE)))
    return setting


def make_frame(rng: np.random.Generator, condition: str, digits: DigitSet, empty: bool) -> SceneFrame:
    width, height = FRAME_SIZE
    setting = setting_for(rng, condition)
    canvas = surfaces.wall(rng, setting.wall, FRAME_SIZE)
    for _ in range(setting.posters):
        hang_poster(rng, canvas)
    room_light(rng, canvas, gradient=rng.uniform(0.0, 0.35), spot=rng.uniform(0.0, 0.2))
    if setting.backlit:
        canvas *= np.float32(rng.uniform(1.2, 1.5))
    cover = np.zeros((height, width), np.uint8)
    written: List[Written] = []
    skin = pick_colour(rng, SKIN_TONES)
    solid = np.zeros((height, width), np.float32) if setting.backlit else None
    if setting.open_hand:
        wrist = (rng.uniform(0.2, 0.8) * width, rng.uniform(0.75, 1.05) * height)
        hand = open_hand(
            rng,
            wrist,
            (rng.uniform(-0.5, 0.5), -1.0),
            rng.uniform(14, 30),
            FRAME_SIZE,
            skin,
            pick_colour(rng, SLEEVE_COLOURS),
        )
        cast_shadow(canvas, hand, (rng.uniform(-12, 12), rng.uniform(4, 14)), 10.0, 0.25)
        paste(canvas, hand, solid=solid)
    if setting.sheet is not None:
        written = show_sheet(rng, canvas, cover, setting, digits, empty, skin, solid)
    if solid is not None:
        # The camera exposes for the bright wall: everything in front of it comes out dark.
        multiply(canvas, 1 - np.float32(1 - rng.uniform(0.45, 0.65)) * solid)
    labels, boxes, partial = settle(written, cover)
    knobs = everyday_camera(rng)
    return SceneFrame(capture(rng, canvas, knobs), labels, boxes, FAMILY, condition, empty, partial)


def show_sheet(
    rng: np.random.Generator,
    canvas: np.ndarray,
    cover: np.ndarray,
    setting: Setting,
    digits: DigitSet,
    empty: bool,
    skin: Tuple[float, float, float],
    solid: Optional[np.ndarray],
) -> List[Written]:
    width, height = FRAME_SIZE
    kind = setting.sheet or "plain"
    low, high = SHEET_LONG_SIDE[kind]
    if setting.far:
        low, high = low * 0.5, high * 0.55
    sheet = make_sheet(rng, kind, rng.uniform(low, high) * height)
    roll = rng.uniform(*setting.roll)
    if not empty:
        count = int(rng.choice([1, 2, 3], p=DIGIT_COUNTS))
        share = FAR_DIGIT_HEIGHT if setting.far else DIGIT_HEIGHT
        short_side = min(sheet.size)
        digit_height = min(rng.uniform(*share) * height, DIGIT_SHARE_OF_SHEET * short_side)
        # Upright digits on a turned sheet: written turned back by as much as it is turned.
        angle = -roll + rng.uniform(-12, 12) if setting.digits_upright else rng.uniform(-8, 8)
        write_digits(rng, sheet, digits, count, digit_height, angle)
    if setting.partly_out:
        side = rng.integers(0, 4)
        reach = max(sheet.size) * rng.uniform(0.25, 0.45)
        centre = [
            (-0.5 * sheet.size[0] + reach, rng.uniform(0.3, 0.7) * height),
            (width + 0.5 * sheet.size[0] - reach, rng.uniform(0.3, 0.7) * height),
            (rng.uniform(0.3, 0.7) * width, -0.5 * sheet.size[1] + reach),
            (rng.uniform(0.3, 0.7) * width, height + 0.5 * sheet.size[1] - reach),
        ][int(side)]
    else:
        centre = (rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height)
    turn = setting.turn
    homography = pose(sheet.size, centre, 1.0, roll, rng.uniform(-turn, turn), rng.uniform(-turn, turn))
    edges = ("left", "right", "bottom") if setting.hands < 2 else ("left", "right")
    shadow = 0.0 if solid is not None else rng.uniform(0.1, 0.35)
    return hold_up(
        rng, canvas, cover, sheet, homography, setting.hands, setting.style, edges, shadow, skin, solid
    )


def hang_poster(rng: np.random.Generator, canvas: np.ndarray) -> None:
    """A poster, calendar, photo or clock on the wall, nearly square to the camera."""
    width, height = FRAME_SIZE
    kind = str(rng.choice(["poster", "poster", "calendar", "photo", "clock"]))
    cm_w, cm_h = printed.PRINTED_CM[kind]
    px_per_cm = rng.uniform(0.35, 0.9) * height / max(cm_w, cm_h)
    size = (max(16, int(cm_w * px_per_cm)), max(16, int(cm_h * px_per_cm)))
    flat = printed.PRINTED[kind](rng, size)
    centre = (rng.uniform(-0.1, 1.1) * width, rng.uniform(-0.1, 1.0) * height)
    homography = pose(
        (flat.shape[1], flat.shape[0]),
        centre,
        1.0,
        rng.uniform(-4, 4),
        rng.uniform(-15, 15),
        rng.uniform(-8, 8),
    )
    layer = warp_flat(flat, homography, FRAME_SIZE)
    if layer is not None:
        cast_shadow(canvas, layer, (rng.uniform(-3, 3), rng.uniform(1, 4)), 3.0, 0.25)
        paste(canvas, layer)
