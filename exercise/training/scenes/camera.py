"""Family "camera": ordinary scenes through hard capture conditions.

A sheet on a table or held up in front of a plain wall, nothing unusual in the scene; the
trouble is the camera and the light: glare off glossy paper, a dim room and the noise of
the gain that makes up for it, motion blur, defocus, strong colour casts, heavy JPEG,
flicker bands, over-exposure, faint pencil, thin ballpoint and small digits. Digits that a
condition makes unreadable (glare over them, too little contrast for the noise) are not
targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from exercise.training.scenes import surfaces
from exercise.training.scenes.compose import hold_up, lay_down, room_light
from exercise.training.scenes.frame import (
    FRAME_SIZE,
    DigitSet,
    SceneFrame,
    Written,
    bounding_box,
    settle,
    transform,
)
from exercise.training.scenes.optics import SHOT_SHARE, Capture, capture, glare, readable_under
from exercise.training.scenes.sheets import Sheet, make_sheet, pose, write_digits

FAMILY = "camera"
#: The capture conditions frames with digits and empty frames both get (listed once, in order).
CAPTURE_CONDITIONS: Tuple[str, ...] = (
    "glare",
    "low_light",
    "motion_blur",
    "defocus",
    "colour_cast",
    "heavy_jpeg",
    "flicker_bands",
)
DIGIT_CONDITIONS: Tuple[str, ...] = (
    *CAPTURE_CONDITIONS,
    "overexposed",
    "sensor_noise",
    "pencil",
    "ballpoint",
    "small_digits",
    "everything",
)
EMPTY_CONDITIONS: Tuple[str, ...] = (*CAPTURE_CONDITIONS, "everything")
DIGIT_COUNTS = (0.6, 0.25, 0.15)
DIGIT_HEIGHT = (0.1, 0.4)
SMALL_DIGIT_HEIGHT = (0.05, 0.09)
DIGIT_SHARE_OF_SHEET = 0.5
#: White balance gone wrong: tungsten, fluorescent green, cold daylight, a purple LED strip.
CASTS: Tuple[Tuple[float, float, float], ...] = (
    (0.6, 0.95, 1.3),
    (0.85, 1.15, 0.8),
    (1.3, 1.0, 0.75),
    (1.2, 0.8, 1.15),
)
#: Blur is kept below these shares of the smallest digit's height: more and nobody reads it.
MOST_DEFOCUS = 0.07
MOST_MOTION = 0.25
#: ... and below these multiples of the pen's width.
DEFOCUS_PER_STROKE = 1.5
MOTION_PER_STROKE = 5.0
#: What is left of the ink's contrast after blur must be this many grey levels at least.
MIN_CONTRAST = 35.0
#: Ink must stand this many noise sigmas above the paper to count as readable.
READABLE_SNR = 3.0


@dataclass
class Setting:
    held: bool
    sheet: str
    ink: str = ""
    small: bool = False
    glare: int = 0


def make_frame(rng: np.random.Generator, condition: str, digits: DigitSet, empty: bool) -> SceneFrame:
    width, height = FRAME_SIZE
    setting = Setting(
        held=bool(rng.random() < 0.45),
        sheet=str(rng.choice(["plain", "ruled", "squared", "index_card", "whiteboard"])),
    )
    if condition == "pencil":
        setting.ink = "pencil"
    elif condition == "ballpoint":
        setting.ink = "ballpoint"
    elif condition == "small_digits":
        setting.small = True
    elif condition == "glare":
        setting.glare = int(rng.integers(1, 3))
    elif condition == "everything":
        setting.ink = str(rng.choice(["", "pencil", "ballpoint"]))
        setting.small = bool(rng.random() < 0.3)
        setting.glare = int(rng.random() < 0.4)
    if setting.held:
        canvas = surfaces.wall(rng, str(rng.choice(["paint", "plaster", "paint", "wood"])), FRAME_SIZE)
    else:
        canvas = surfaces.table(rng, str(rng.choice(["wood", "laminate", "dark"])), FRAME_SIZE)
    long_side = rng.uniform(0.55, 1.1) * height
    sheet = make_sheet(rng, setting.sheet, long_side)
    if not empty:
        count = int(rng.choice([1, 2, 3], p=DIGIT_COUNTS))
        share = SMALL_DIGIT_HEIGHT if setting.small else DIGIT_HEIGHT
        digit_height = min(rng.uniform(*share) * height, DIGIT_SHARE_OF_SHEET * min(sheet.size))
        write_digits(rng, sheet, digits, count, digit_height, rng.uniform(-8, 8), setting.ink or None)
    centre = (rng.uniform(0.35, 0.65) * width, rng.uniform(0.35, 0.65) * height)
    cover = np.zeros((height, width), np.uint8)
    if setting.held:
        homography = pose(
            sheet.size, centre, 1.0, rng.uniform(-15, 15), rng.uniform(-15, 15), rng.uniform(-15, 15)
        )
        written = hold_up(
            rng, canvas, cover, sheet, homography, int(rng.integers(1, 3)), shadow=rng.uniform(0.1, 0.3)
        )
    else:
        homography = pose(
            sheet.size, centre, 1.0, rng.uniform(-20, 20), rng.uniform(-12, 12), rng.uniform(-12, 12)
        )
        written = lay_down(rng, canvas, sheet, homography)
    room_light(rng, canvas, gradient=rng.uniform(0.05, 0.3), spot=rng.uniform(0.0, 0.15))
    for _ in range(setting.glare):
        shine(rng, canvas, sheet, homography, written)
    knobs = camera_for(rng, condition, written, sheet.stroke)
    judge_contrast(written, sheet, knobs)
    labels, boxes, partial = settle(written, cover)
    return SceneFrame(capture(rng, canvas, knobs), labels, boxes, FAMILY, condition, empty, partial)


def camera_for(rng: np.random.Generator, condition: str, written: List[Written], stroke: float) -> Capture:
    """The capture knobs of a condition; blur is bounded by the smallest digit's height and
    by the pen's width, beyond which nobody reads the digit."""
    smallest = min((bounding_box(w.points)[3] for w in written if len(w.points)), default=FRAME_SIZE[1] // 5)
    knobs = Capture(
        defocus=rng.uniform(0.4, 1.0),
        noise=rng.uniform(1.5, 3.5),
        cast=(rng.uniform(0.94, 1.06), 1.0, rng.uniform(0.94, 1.06)),
        vignette=rng.uniform(0.0, 0.3),
        sharpen=float(rng.choice([0.0, rng.uniform(0.2, 0.8)])),
        jpeg=int(rng.integers(70, 93)),
    )
    everything = condition == "everything"
    if condition == "low_light" or (everything and rng.random() < 0.4):
        knobs.light, knobs.exposure = rng.uniform(0.08, 0.25), rng.uniform(0.6, 0.9)
        knobs.noise = rng.uniform(2.0, 3.5)
        knobs.cast = CASTS[0] if rng.random() < 0.5 else knobs.cast
    if condition == "motion_blur" or (everything and rng.random() < 0.4):
        knobs.motion = min(rng.uniform(6, 28), MOST_MOTION * smallest, max(4.0, MOTION_PER_STROKE * stroke))
        knobs.motion_angle = rng.uniform(0, 180)
    if condition == "defocus" or (everything and rng.random() < 0.4):
        knobs.defocus = max(
            1.0, min(rng.uniform(1.8, 5.0), MOST_DEFOCUS * smallest, DEFOCUS_PER_STROKE * stroke)
        )
    if condition == "colour_cast" or (everything and rng.random() < 0.4):
        cast = CASTS[int(rng.integers(0, len(CASTS)))]
        knobs.cast = (cast[0] * rng.uniform(0.95, 1.05), cast[1], cast[2] * rng.uniform(0.95, 1.05))
    if condition == "heavy_jpeg" or (everything and rng.random() < 0.4):
        knobs.jpeg = int(rng.integers(8, 26))
        knobs.half_resolution = bool(rng.random() < 0.4)
    if condition == "flicker_bands" or (everything and rng.random() < 0.3):
        knobs.bands = rng.uniform(0.04, 0.12)
    if condition == "overexposed":
        knobs.exposure = rng.uniform(1.25, 1.6)
    if condition == "sensor_noise":
        knobs.noise = rng.uniform(7.0, 13.0)
    return knobs


def shine(
    rng: np.random.Generator, canvas: np.ndarray, sheet: Sheet, homography: np.ndarray, written: List[Written]
) -> None:
    """A lamp's reflection on the sheet; digits it washes out stop being targets."""
    width, height = sheet.size
    point = transform(
        np.array([[rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height]], np.float32), homography
    )[0]
    size = rng.uniform(0.04, 0.2) * FRAME_SIZE[1]
    added = glare(
        canvas, (float(point[0]), float(point[1])), (size * rng.uniform(0.6, 1.6), size), rng.uniform(90, 280)
    )
    for digit in written:
        x, y, w, h = bounding_box(digit.points)
        region = added[max(0, y) : max(0, y + h + 1), max(0, x) : max(0, x + w + 1)]
        if region.size and not readable_under(float(region.max()), sheet.ink_grey, sheet.paper_grey):
            digit.readable = False


def judge_contrast(written: List[Written], sheet: Sheet, knobs: Capture) -> None:
    """Digits whose ink no longer stands out (blurred thin, drowned in noise, clipped away)
    are not targets."""
    exposure = knobs.exposure * min(knobs.cast)
    paper = min(255.0, sheet.paper_grey * exposure)
    ink = min(255.0, sheet.ink_grey * exposure)
    # A line s px wide blurred by a Gaussian of sigma keeps erf(s / (2 sqrt(2) sigma)) of its
    # contrast; a motion blur of length L spreads like a sigma of L / sqrt(12).
    sigma = float(np.hypot(max(knobs.defocus, 0.3), knobs.motion / np.sqrt(12)))
    kept = math.erf(max(sheet.stroke, 1.0) / (2 * np.sqrt(2) * sigma))
    light = max(knobs.light, 0.02)
    noise = knobs.noise * float(np.sqrt(SHOT_SHARE / light + (1 - SHOT_SHARE) / light**2))
    if abs(paper - ink) * kept < max(READABLE_SNR * noise, MIN_CONTRAST):
        for digit in written:
            digit.readable = False
