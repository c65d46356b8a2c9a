"""Putting a scene together: a sheet held up by hands or lying on a surface, light over the
scene, an everyday camera. Shared by the wall, clutter, lines and camera families (the
held-out room family has its own)."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from exercise.training.scenes.frame import Box, Written, bounding_box, transform
from exercise.training.scenes.hands import SKIN_TONES, SLEEVE_COLOURS, GripPlan, plan_grip
from exercise.training.scenes.optics import Capture
from exercise.training.scenes.paint import (
    Colour,
    Layer,
    cast_shadow,
    layer_hits,
    linear_ramp,
    multiply,
    paste,
    pick_colour,
    radial_spot,
    warp_flat,
)
from exercise.training.scenes.sheets import Sheet, land, pose

#: Tries at a grip that keeps the thumb off the digits before taking what comes.
GRIP_TRIES = 6
#: A thumb keeps this far (px) from a digit it is not meant to cover.
THUMB_CLEARANCE = 6
EDGES = ("left", "right", "bottom", "top")


def edge_grip(
    sheet: Sheet, homography: np.ndarray, edge: str, along: float
) -> Tuple[Tuple[float, float], np.ndarray, float]:
    """(point on the sheet's ``edge`` at ``along`` (0..1) of it, the direction into the sheet,
    frame px per cm there), all in the frame."""
    width, height = sheet.size
    if edge == "left":
        point, inward = (0.0, along * height), (1.0, 0.0)
    elif edge == "right":
        point, inward = (float(width), along * height), (-1.0, 0.0)
    elif edge == "bottom":
        point, inward = (along * width, float(height)), (0.0, -1.0)
    else:
        point, inward = (along * width, 0.0), (0.0, 1.0)
    step = sheet.px_per_cm
    flat = np.array([point, (point[0] + inward[0] * step, point[1] + inward[1] * step)], np.float32)
    seen = transform(flat, homography)
    direction = seen[1] - seen[0]
    per_cm = float(np.hypot(direction[0], direction[1]))
    return (float(seen[0][0]), float(seen[0][1])), direction / max(per_cm, 1e-6), per_cm


def written_boxes(written: Sequence[Written]) -> List[Box]:
    return [bounding_box(w.points) for w in written if len(w.points)]


def hold_up(
    rng: np.random.Generator,
    canvas: np.ndarray,
    cover: np.ndarray,
    sheet: Sheet,
    homography: np.ndarray,
    hands: int,
    style: str = "thumb",
    edges: Sequence[str] = ("left", "right", "bottom"),
    shadow: float = 0.25,
    skin: Optional[Colour] = None,
    solid: Optional[np.ndarray] = None,
) -> List[Written]:
    """Paste a held sheet: arms and palms behind it, its soft shadow on what is behind, the
    sheet, then thumbs or fingertips over it (kept off the digits while a few tries allow)."""
    size = (canvas.shape[1], canvas.shape[0])
    layer, written = land(sheet, homography, size)
    if layer is None:
        return written
    keep_clear = written_boxes(written)
    tone = skin if skin is not None else pick_colour(rng, SKIN_TONES)
    sleeve = pick_colour(rng, SLEEVE_COLOURS)
    behind: List[Layer] = []
    front: List[Layer] = []
    used: List[str] = []
    for _hand in range(hands):
        plan: Optional[GripPlan] = None
        for _attempt in range(GRIP_TRIES):
            edge = str(rng.choice([e for e in edges if e not in used] or list(edges)))
            point, inward, per_cm = edge_grip(sheet, homography, edge, rng.uniform(0.2, 0.8))
            plan = plan_grip(rng, point, inward, per_cm, size, style)
            if not plan.front_hits(keep_clear, THUMB_CLEARANCE):
                break
        if plan is not None:
            used.append(edge)
            back, over = plan.layers(tone, sleeve)
            behind.append(back)
            front.append(over)
    for part in behind:
        paste(canvas, part, solid=solid)
    if shadow:
        reach = max(4.0, 0.02 * size[1])
        cast_shadow(
            canvas, layer, (reach * rng.uniform(-1, 1), reach * rng.uniform(0.3, 1.5)), reach * 2, shadow
        )
    paste(canvas, layer, solid=solid)
    for part in front:
        cast_shadow(canvas, part, (2.0, 3.0), 3.0, 0.3)
        paste(canvas, part, cover, solid)
    return written


def put(
    canvas: np.ndarray,
    flat: np.ndarray,
    centre: Tuple[float, float],
    turn: Tuple[float, float, float],
    keep_clear: Sequence[Box] = (),
    clearance: int = 0,
    cover: Optional[np.ndarray] = None,
    shadow: float = 0.3,
) -> Optional[Layer]:
    """Lay a flat BGRA thing at ``centre`` turned by (roll, yaw, pitch), with a soft contact
    shadow; nothing is drawn (and None returned) if it would come near ``keep_clear``."""
    size = (canvas.shape[1], canvas.shape[0])
    layer = warp_flat(flat, pose((flat.shape[1], flat.shape[0]), centre, 1.0, *turn), size)
    if layer is None or (keep_clear and layer_hits(layer, keep_clear, clearance)):
        return None
    if shadow:
        reach = max(2.0, 0.01 * min(layer.alpha.shape))
        cast_shadow(canvas, layer, (reach * 0.5, reach), reach * 2, shadow)
    paste(canvas, layer, cover)
    return layer


def lay_down(
    rng: np.random.Generator, canvas: np.ndarray, sheet: Sheet, homography: np.ndarray
) -> List[Written]:
    """Paste a sheet lying on a surface, with a thin contact shadow."""
    size = (canvas.shape[1], canvas.shape[0])
    layer, written = land(sheet, homography, size)
    if layer is not None:
        cast_shadow(canvas, layer, (rng.uniform(-2, 2), rng.uniform(1, 4)), 3.0, 0.3)
        paste(canvas, layer)
    return written


def room_light(rng: np.random.Generator, canvas: np.ndarray, gradient: float, spot: float = 0.0) -> None:
    """Uneven light in place: a falloff across the frame and a lamp's soft hot spot."""
    size = (canvas.shape[1], canvas.shape[0])
    light = 1 - np.float32(gradient * rng.uniform(0.5, 1.0)) * linear_ramp(size, rng.uniform(0, 2 * np.pi))
    if spot:
        centre = (rng.uniform(0, size[0]), rng.uniform(0, size[1]))
        radius = rng.uniform(0.3, 0.8) * size[0]
        light += np.float32(spot) * radial_spot(size, centre, (radius, radius))
    multiply(canvas, light)


def everyday_camera(rng: np.random.Generator) -> Capture:
    """A decent webcam in a lit room: a little soft, a little noisy, some JPEG."""
    return Capture(
        defocus=rng.uniform(0.4, 1.0),
        noise=rng.uniform(1.5, 3.5),
        cast=(rng.uniform(0.94, 1.06), 1.0, rng.uniform(0.94, 1.06)),
        vignette=rng.uniform(0.0, 0.3),
        sharpen=float(rng.choice([0.0, 0.0, rng.uniform(0.2, 0.8)])),
        jpeg=int(rng.integers(70, 93)),
    )
