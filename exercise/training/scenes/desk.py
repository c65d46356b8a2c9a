"""Family "desk": a sheet of paper lying on a desk, seen from above by a cheap webcam.

This is the project's first webcam-frame generator, moved here unchanged in what it draws:
a sheet (plain, ruled or squared) on a textured desk, digits written on it in some ink,
perspective, uneven light, shadows, blur, sensor noise and JPEG, sometimes a thumb on the
sheet or clutter on the desk. Every frame stresses one named condition hard and the others
mildly. It takes the same random draws as before (the same sheets, digits and places for a
seed), but does its work only where each thing lands and takes its sensor noise from
:mod:`.optics`, so the noise and the JPEG quality differ from the old frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import cv2
import numpy as np

from exercise.training.scenes.frame import FRAME_SIZE, Box, DigitSet, SceneFrame
from exercise.training.scenes.optics import sensor_noise

FAMILY = "desk"
#: Shadows softer than this (Gaussian sigma, px) are blurred at a quarter of the size.
CHEAP_SHADOW_SOFTNESS = 4.0

#: Conditions of frames with digits, each stressed hard in its share of the frames.
DIGIT_CONDITIONS: Tuple[str, ...] = (
    "clean",
    "perspective",
    "uneven_light",
    "shadow",
    "blur",
    "noise",
    "jpeg",
    "clutter",
    "thumb",
    "small",
    "large",
    "off_centre",
    "blue_ink",
    "thick_marker",
    "thin_pen",
    "light_on_dark",
    "several_digits",
    "everything",
)
#: Conditions of frames without any digit (for the false-digit rate).
EMPTY_CONDITIONS: Tuple[str, ...] = (
    "blank_paper",
    "ruled_paper",
    "squared_paper",
    "thumb",
    "desk_clutter",
    "shadow",
    "dark_board",
    "everything",
)


@dataclass
class Scene:
    """The knobs of one frame, set by its condition."""

    digit_count: int = 1
    height_range: Tuple[float, float] = (0.15, 0.45)  # digit height / frame height
    stroke: str = "pen"  # "thin", "pen" or "marker"
    ink: str = "black"  # "black", "blue" or "chalk"
    paper: str = "plain"  # "plain", "ruled" or "squared"
    sheet_coverage: Tuple[float, float] = (0.75, 1.15)  # sheet size / frame size
    perspective: float = 0.04  # corner jitter, fraction of the frame
    gradient: float = 0.15  # light falloff across the frame
    shadow: bool = False
    blur: Tuple[float, float] = (0.4, 1.0)  # gaussian sigma range, pixels
    noise: Tuple[float, float] = (1.5, 4.0)  # sensor noise sigma range, grey levels
    jpeg: Tuple[int, int] = (70, 92)
    clutter: int = 0
    thumb: bool = False
    centred: bool = False
    low_resolution: bool = False
    extras: Dict[str, float] = field(default_factory=dict)


def scene_for(condition: str, rng: np.random.Generator, empty: bool) -> Scene:
    """The scene knobs for a condition: that one stressed hard, the rest mild."""
    scene = Scene(digit_count=0 if empty else (2 if rng.random() < 0.2 else 1))
    if condition == "clean":
        scene.perspective, scene.gradient, scene.blur, scene.noise = 0.01, 0.05, (0.3, 0.5), (1.0, 2.0)
        scene.jpeg, scene.centred = (90, 95), True
    elif condition == "perspective":
        scene.perspective = 0.14
    elif condition == "uneven_light":
        scene.gradient = 0.6
    elif condition in ("shadow",):
        scene.shadow = True
    elif condition == "blur":
        scene.blur, scene.low_resolution = (1.6, 2.6), bool(rng.random() < 0.5)
    elif condition == "noise":
        scene.noise = (8.0, 14.0)
    elif condition == "jpeg":
        scene.jpeg = (15, 35)
    elif condition in ("clutter", "desk_clutter"):
        scene.clutter, scene.sheet_coverage = int(rng.integers(4, 9)), (0.45, 0.7)
    elif condition == "thumb":
        scene.thumb = True
    elif condition == "small":
        scene.height_range = (0.05, 0.09)
    elif condition == "large":
        scene.height_range, scene.digit_count = (0.6, 0.85), min(scene.digit_count, 1)
        scene.sheet_coverage = (1.1, 1.3)
    elif condition == "off_centre":
        scene.extras["off_centre"] = 1.0
    elif condition == "blue_ink":
        scene.ink = "blue"
    elif condition == "thick_marker":
        scene.stroke = "marker"
    elif condition == "thin_pen":
        scene.stroke = "thin"
    elif condition in ("light_on_dark", "dark_board"):
        scene.ink, scene.sheet_coverage = "chalk", (1.2, 1.3)
    elif condition == "several_digits":
        scene.digit_count, scene.height_range = int(rng.integers(2, 5)), (0.12, 0.3)
    elif condition == "ruled_paper":
        scene.paper = "ruled"
    elif condition == "squared_paper":
        scene.paper = "squared"
    elif condition == "everything":
        scene.perspective, scene.gradient, scene.shadow = 0.1, 0.4, bool(rng.random() < 0.5)
        scene.blur, scene.noise, scene.jpeg = (0.8, 1.8), (4.0, 9.0), (30, 70)
        scene.clutter, scene.thumb = int(rng.integers(0, 5)), bool(rng.random() < 0.5)
        scene.sheet_coverage = (0.6, 1.0)
        scene.paper = str(rng.choice(["plain", "ruled", "squared"]))
        scene.ink = str(rng.choice(["black", "blue"]))
        scene.stroke = str(rng.choice(["thin", "pen", "marker"]))
        scene.height_range = (0.07, 0.6)
    if condition not in ("blank_paper", "ruled_paper", "squared_paper", "everything") and rng.random() < 0.25:
        scene.paper = str(rng.choice(["ruled", "squared"]))
    if scene.ink == "chalk":
        scene.paper = "plain"
    return scene


# --- drawing helpers ---------------------------------------------------------------------------


def draw_paper_lines(
    rng: np.random.Generator, sheet: np.ndarray, kind: str, rect: Tuple[int, int, int, int]
) -> None:
    """Rule a sheet in place: pale blue lines (ruled) or a grey-blue grid (squared)."""
    x0, y0, x1, y1 = rect
    colour = (205, 170, 140) if kind == "ruled" else (200, 185, 170)
    spacing = int(rng.integers(22, 34)) if kind == "ruled" else int(rng.integers(14, 22))
    thickness = 1
    for y in range(y0 + spacing, y1, spacing):
        cv2.line(sheet, (x0, y), (x1, y), colour, thickness, cv2.LINE_AA)
    if kind == "squared":
        for x in range(x0 + spacing, x1, spacing):
            cv2.line(sheet, (x, y0), (x, y1), colour, thickness, cv2.LINE_AA)
    elif rng.random() < 0.5:
        margin = x0 + int(rng.integers(40, 80))
        cv2.line(sheet, (margin, y0), (margin, y1), (150, 150, 235), 1, cv2.LINE_AA)


def digit_alpha(image28: np.ndarray, height: int, stroke: str, rng: np.random.Generator) -> np.ndarray:
    """An MNIST digit as an ink coverage map (float32 0..1) whose ink is ``height`` px tall."""
    factor = height / 20.0  # MNIST's ink is ~20 px tall in its 28 px square
    side = max(8, int(round(28 * factor)))
    big = cv2.resize(image28.astype(np.float32) / 255.0, (side, side), interpolation=cv2.INTER_CUBIC)
    alpha = np.clip((big - 0.45) * 6.0, 0.0, 1.0)
    mnist_width = 2.25 * factor
    if stroke == "thin":
        target = max(1.6, rng.uniform(0.025, 0.05) * height)
    elif stroke == "marker":
        target = rng.uniform(0.16, 0.22) * height
    else:
        target = rng.uniform(0.08, 0.13) * height
    change = int(round(abs(target - mnist_width) / 2.0))
    if change >= 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * change + 1, 2 * change + 1))
        if target < mnist_width:
            thinner = cv2.erode(alpha, kernel)
            # Never let a thin pen erase the digit: back off until something is left.
            while (thinner > 0.5).sum() < 0.35 * (alpha > 0.5).sum() / max(1.0, change / 2.0) and change > 1:
                change -= 1
                kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * change + 1, 2 * change + 1))
                thinner = cv2.erode(alpha, kernel)
            alpha = thinner
        else:
            alpha = cv2.dilate(alpha, kernel)
    return cv2.GaussianBlur(alpha, (0, 0), 0.6)


def ink_colour(ink: str, rng: np.random.Generator) -> np.ndarray:
    """BGR of the ink."""
    if ink == "blue":
        return np.array([rng.uniform(120, 175), rng.uniform(40, 90), rng.uniform(10, 40)], np.float32)
    if ink == "chalk":
        return np.array([rng.uniform(205, 240)] * 3, np.float32) + rng.uniform(-8, 8, 3).astype(np.float32)
    return np.array([rng.uniform(20, 55)] * 3, np.float32) + rng.uniform(-5, 5, 3).astype(np.float32)


def desk_texture(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A wood- or laminate-like desk, float32 BGR 0..255."""
    width, height = size
    base = np.array(rng.choice([[60, 90, 130], [40, 60, 85], [110, 130, 150], [70, 70, 70], [35, 35, 40]]))
    base = base * rng.uniform(0.8, 1.2)
    grain = rng.normal(0, 1, (max(2, height // 8), max(2, width // 64))).astype(np.float32)
    grain = np.asarray(cv2.resize(grain, (width, height), interpolation=cv2.INTER_CUBIC))
    shade = 1.0 + np.float32(0.12) * grain
    return cv2.merge([shade * np.float32(level) for level in base])


def draw_clutter(
    rng: np.random.Generator, canvas: np.ndarray, count: int, avoid: Tuple[int, int, int, int]
) -> None:
    """Pens, coins, sticky notes, a phone and paper clips on the desk, outside the ``avoid``
    rectangle (x0, y0, x1, y1)."""
    height, width = canvas.shape[:2]
    layer = np.zeros((height, width, 3), np.float32)
    mask = np.zeros((height, width), np.float32)
    one = np.zeros((height, width), np.uint8)
    union: List[int] = []
    for _ in range(count):
        kind = rng.choice(["pen", "coin", "note", "phone", "clip", "eraser"])
        colour = tuple(float(c) for c in rng.uniform(20, 230, 3))
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        if kind == "pen":
            length, angle = rng.uniform(0.3, 0.55) * height, rng.uniform(0, np.pi)
            dx, dy = np.cos(angle) * length / 2, np.sin(angle) * length / 2
            thick = int(rng.integers(7, 13))
            cv2.line(one, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), 255, thick, cv2.LINE_AA)
        elif kind == "coin":
            cv2.circle(one, (cx, cy), int(rng.integers(10, 22)), 255, -1, cv2.LINE_AA)
            colour = tuple(float(c) for c in rng.uniform(60, 170) * np.array([0.7, 0.9, 1.1]))
        elif kind == "note":
            side = int(rng.integers(40, 90))
            box = cv2.boxPoints(((cx, cy), (side, side), float(rng.uniform(0, 90)))).astype(np.int32)
            cv2.fillConvexPoly(one, box, 255, cv2.LINE_AA)
            colour = tuple(float(c) for c in rng.choice([[120, 240, 250], [200, 160, 250], [150, 240, 170]]))
        elif kind == "phone":
            box = cv2.boxPoints(((cx, cy), (70, 140), float(rng.uniform(0, 180)))).astype(np.int32)
            cv2.fillConvexPoly(one, box, 255, cv2.LINE_AA)
            colour = (25.0, 25.0, 28.0)
        elif kind == "clip":
            size = (int(rng.integers(8, 12)), int(rng.integers(20, 30)))
            cv2.ellipse(one, (cx, cy), size, float(rng.uniform(0, 180)), 0, 360, 255, 2, cv2.LINE_AA)
            colour = (170.0, 170.0, 175.0)
        else:
            box = cv2.boxPoints(((cx, cy), (45, 22), float(rng.uniform(0, 180)))).astype(np.int32)
            cv2.fillConvexPoly(one, box, 255, cv2.LINE_AA)
        x, y, w, h = cv2.boundingRect(one)
        if not w:
            continue
        alpha = one[y : y + h, x : x + w].astype(np.float32) / 255.0
        one[y : y + h, x : x + w] = 0
        ax0, ay0, ax1, ay1 = avoid
        alpha[max(0, ay0 - y) : max(0, ay1 - y), max(0, ax0 - x) : max(0, ax1 - x)] = 0
        part = (slice(y, y + h), slice(x, x + w))
        layer[part] = layer[part] * (1 - alpha[:, :, None]) + np.array(colour, np.float32) * alpha[:, :, None]
        mask[part] = np.maximum(mask[part], alpha)
        union = (
            [x, y, x + w, y + h]
            if not union
            else [min(union[0], x), min(union[1], y), max(union[2], x + w), max(union[3], y + h)]
        )
    if union:
        part = (slice(union[1], union[3]), slice(union[0], union[2]))
        canvas[part] = canvas[part] * (1 - mask[part][:, :, None]) + layer[part]


def draw_thumb(rng: np.random.Generator, image: np.ndarray, keep_clear: List[Box]) -> None:
    """A thumb (with its hand beyond the frame) resting on the sheet, in place, with its shadow."""
    height, width = image.shape[:2]
    for _attempt in range(12):
        side = rng.choice(["bottom", "left", "right"])
        thumb_w = rng.uniform(0.12, 0.2) * width
        length = rng.uniform(0.3, 0.5) * height
        if side == "bottom":
            base = (rng.uniform(0.1, 0.9) * width, height + 0.15 * length)
            angle = rng.uniform(-30, 30) - 90
        elif side == "left":
            base = (-0.15 * length, rng.uniform(0.3, 1.0) * height)
            angle = rng.uniform(-40, 0)
        else:
            base = (width + 0.15 * length, rng.uniform(0.3, 1.0) * height)
            angle = 180 + rng.uniform(0, 40)
        rad = np.deg2rad(angle)
        centre = (base[0] + np.cos(rad) * length / 2, base[1] + np.sin(rad) * length / 2)
        shape = np.zeros((height, width), np.uint8)
        cv2.ellipse(
            shape,
            (int(centre[0]), int(centre[1])),
            (int(length / 2), int(thumb_w / 2)),
            angle,
            0,
            360,
            255,
            -1,
        )
        clear = all(shape[y : y + h, x : x + w].max(initial=0) == 0 for x, y, w, h in keep_clear)
        if clear:
            break
    else:
        return
    shift_x, shift_y = rng.uniform(6, 16), rng.uniform(4, 12)
    # Everything below happens in a box around the thumb wide enough for its soft shadow
    # (a Gaussian of sigma 9 reaches 36 px) to fade out inside it.
    bx, by, bw, bh = cv2.boundingRect(shape)
    reach = 36 + 18
    x0, y0 = max(0, bx - reach), max(0, by - reach)
    x1, y1 = min(width, bx + bw + reach), min(height, by + bh + reach)
    shape = shape[y0:y1, x0:x1]
    region = image[y0:y1, x0:x1]
    # The shadow first, offset and soft, then the thumb with rounded shading and a nail.
    shift = np.array([[1, 0, shift_x], [0, 1, shift_y]], np.float32)
    shadow = cv2.GaussianBlur(
        cv2.warpAffine(shape, shift, (x1 - x0, y1 - y0)).astype(np.float32) / 255, (0, 0), 9
    )
    region *= 1 - 0.35 * shadow[:, :, None]
    distance = cv2.distanceTransform(shape, cv2.DIST_L2, 5)
    roundness = np.clip(distance / (thumb_w / 2.5), 0, 1) ** 0.5
    skin = np.array([rng.uniform(110, 160), rng.uniform(140, 180), rng.uniform(190, 235)], np.float32)
    alpha = cv2.GaussianBlur(shape.astype(np.float32) / 255, (0, 0), 1.2)
    tone = skin[None, None, :] * (0.6 + 0.4 * roundness[:, :, None])
    tip = (
        int(centre[0] + np.cos(rad) * length * 0.33) - x0,
        int(centre[1] + np.sin(rad) * length * 0.33) - y0,
    )
    nail = np.zeros(shape.shape, np.uint8)
    cv2.ellipse(nail, tip, (int(length * 0.12), int(thumb_w * 0.3)), angle, 0, 360, 255, -1, cv2.LINE_AA)
    nail_alpha = (nail.astype(np.float32) / 255 * 0.5)[:, :, None]
    tone = tone * (1 - nail_alpha) + np.array([200, 210, 240], np.float32) * nail_alpha
    np.copyto(region, region * (1 - alpha[:, :, None]) + tone * alpha[:, :, None])


def light_field(rng: np.random.Generator, size: Tuple[int, int], scene: Scene) -> np.ndarray:
    """Multiplicative illumination (float32 HxW): a gradient, a lamp's hot spot, a shadow."""
    width, height = size
    xs = np.arange(width, dtype=np.float32)
    ys = np.arange(height, dtype=np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (
        np.float32(np.cos(angle)) * (xs / width - 0.5)[None, :]
        + np.float32(np.sin(angle)) * (ys / height - 0.5)[:, None]
        + 0.5
    )
    light = 1.0 - np.float32(scene.gradient * rng.uniform(0.6, 1.0)) * np.clip(ramp, 0, 1)
    spot = (rng.uniform(0, width), rng.uniform(0, height))
    spread = rng.uniform(0.3, 0.8) * width
    # exp(-(dx^2 + dy^2)) as the product of two one-dimensional exponentials.
    across = np.exp(-((xs - spot[0]) ** 2) / np.float32(2 * spread**2))
    down = np.exp(-((ys - spot[1]) ** 2) / np.float32(2 * spread**2))
    light *= 1.0 + np.float32(scene.gradient * 0.3) * (down[:, None] * across[None, :])
    if scene.shadow:
        shade = np.zeros((height, width), np.uint8)
        # An arm or a lamp's shadow: a big polygon coming in from one side.
        corners = rng.uniform([-0.2, -0.2], [1.2, 1.2], (5, 2)) * np.array([width, height])
        hull = cv2.convexHull(corners.astype(np.int32))
        cv2.fillConvexPoly(shade, hull, 255)
        softness = rng.uniform(3, 20)
        if softness > CHEAP_SHADOW_SOFTNESS:
            small = cv2.resize(shade, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
            soft = cv2.GaussianBlur(small.astype(np.float32) / 255, (0, 0), softness / 4)
            soft = cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR)
        else:
            soft = cv2.GaussianBlur(shade.astype(np.float32) / 255, (0, 0), softness)
        light *= 1.0 - np.float32(rng.uniform(0.3, 0.5)) * soft
    return light.astype(np.float32)


def place_digits(
    rng: np.random.Generator, scene: Scene, sheet: Tuple[int, int, int, int], frame_h: int, count: int
) -> List[Tuple[int, int, int]]:
    """(x, y, height) of each digit's top-left in canvas space, left to right, no overlaps."""
    x0, y0, x1, y1 = sheet
    low, high = scene.height_range
    height = int(rng.uniform(low, high) * frame_h)
    width = height  # MNIST's ink is at most as wide as it is tall
    gap = int(height * rng.uniform(0.1, 0.5))
    total = count * width + (count - 1) * gap
    # Far enough from the sheet's visible edge that perspective never pushes it out of view.
    margin = int((0.04 + scene.perspective * 1.5) * frame_h)
    free_x = (x1 - x0) - total - 2 * margin
    free_y = (y1 - y0) - height - 2 * margin
    if free_x < 0 or free_y < 0:
        return []
    if scene.centred:
        left, top = x0 + margin + free_x // 2, y0 + margin + free_y // 2
    elif "off_centre" in scene.extras:
        left = x0 + margin + int(free_x * rng.choice([rng.uniform(0, 0.15), rng.uniform(0.85, 1.0)]))
        top = y0 + margin + int(free_y * rng.choice([rng.uniform(0, 0.15), rng.uniform(0.85, 1.0)]))
    else:
        left, top = (
            x0 + margin + int(rng.uniform(0, 1) * free_x),
            y0 + margin + int(rng.uniform(0, 1) * free_y),
        )
    places = []
    for index in range(count):
        jitter = int(rng.uniform(-0.08, 0.08) * height)
        places.append((left + index * (width + gap), top + jitter, height))
    return places


def make_frame(
    rng: np.random.Generator,
    condition: str,
    digits: DigitSet,
    empty: bool,
    size: Tuple[int, int] = FRAME_SIZE,
) -> SceneFrame:
    """One frame of ``condition``, its digits drawn from ``digits`` (images, labels)."""
    images, labels = digits
    width, height = size
    scene = scene_for(condition, rng, empty)
    # The flat scene lives on a canvas with a margin so the perspective warp never shows its edge.
    margin = int(0.2 * width)
    canvas_w, canvas_h = width + 2 * margin, height + 2 * margin
    canvas = desk_texture(rng, (canvas_w, canvas_h))
    coverage = rng.uniform(*scene.sheet_coverage)
    sheet_w, sheet_h = int(width * coverage), int(height * coverage * rng.uniform(0.95, 1.15))
    sx = margin + int(rng.uniform(-0.5, 0.5) * max(0, width - sheet_w) + (width - sheet_w) / 2)
    sy = margin + int(rng.uniform(-0.5, 0.5) * max(0, height - sheet_h) + (height - sheet_h) / 2)
    sheet_rect = (sx, sy, sx + sheet_w, sy + sheet_h)
    if scene.ink == "chalk":
        paper_colour = np.array(rng.choice([[40, 55, 35], [30, 30, 32], [60, 45, 30]]), np.float32)
        paper_colour *= rng.uniform(0.8, 1.3)
    else:
        paper_colour = np.array([rng.uniform(225, 250)] * 3, np.float32) + rng.uniform(-6, 3, 3).astype(
            np.float32
        )
    cv2.rectangle(canvas, sheet_rect[:2], (sheet_rect[2] - 1, sheet_rect[3] - 1), paper_colour.tolist(), -1)
    if scene.paper != "plain":
        draw_paper_lines(rng, canvas, scene.paper, sheet_rect)
    if scene.clutter:
        draw_clutter(rng, canvas, scene.clutter, sheet_rect)

    # The visible part of the sheet, so digits land where the camera sees them.
    vx0, vy0 = max(sx, margin), max(sy, margin)
    vx1, vy1 = min(sx + sheet_w, margin + width), min(sy + sheet_h, margin + height)
    count = scene.digit_count
    places: List[Tuple[int, int, int]] = []
    while count > 0 and not places:
        places = place_digits(rng, scene, (vx0, vy0, vx1, vy1), height, count)
        count -= 1 if not places else 0
    colour = ink_colour(scene.ink, rng)
    opacity = rng.uniform(0.85, 1.0)
    chosen = rng.integers(0, len(images), len(places))
    # Each digit's ink, where it lies on the canvas: (x, y, coverage).
    pieces: List[Tuple[int, int, np.ndarray]] = []
    ink = np.zeros((canvas_h, canvas_w), np.float32)
    for (x, y, digit_h), index in zip(places, chosen):
        alpha = digit_alpha(images[index], digit_h, scene.stroke, rng) * opacity
        side = alpha.shape[0]
        # MNIST's ink box sits 4 px (scaled) inside its 28 px square.
        ox, oy = x - int(side * 4 / 28), y - int(side * 4 / 28)
        x0, y0 = max(0, ox), max(0, oy)
        x1, y1 = min(canvas_w, ox + side), min(canvas_h, oy + side)
        piece = alpha[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
        np.maximum(ink[y0:y1, x0:x1], piece, out=ink[y0:y1, x0:x1])
        pieces.append((x0, y0, piece))
    if pieces:
        ux0, uy0 = min(p[0] for p in pieces), min(p[1] for p in pieces)
        ux1 = max(p[0] + p[2].shape[1] for p in pieces)
        uy1 = max(p[1] + p[2].shape[0] for p in pieces)
        written = ink[uy0:uy1, ux0:ux1][:, :, None]
        canvas[uy0:uy1, ux0:ux1] = canvas[uy0:uy1, ux0:ux1] * (1 - written) + colour * written

    # Perspective: the frame's corners land on jittered canvas points.
    jitter = rng.uniform(-scene.perspective, scene.perspective, (4, 2)) * np.array([width, height])
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    source = (target + np.array([margin, margin], np.float32) + jitter).astype(np.float32)
    warp = cv2.getPerspectiveTransform(source, target)
    image = cv2.warpPerspective(canvas, warp, (width, height), flags=cv2.INTER_LINEAR)
    boxes = [seen_box(piece, x, y, warp, size) for x, y, piece in pieces]
    # A digit the frame cuts is unreadable: it stays in the picture but is not a target.
    inside = [
        i
        for i, (x, y, w, h) in enumerate(boxes)
        if w and x > 0 and y > 0 and x + w < width and y + h < height
    ]
    partial = [box for i, box in enumerate(boxes) if box[2] and i not in inside]
    boxes = [boxes[i] for i in inside]
    chosen = chosen[inside]

    image *= np.asarray(cv2.cvtColor(light_field(rng, size, scene), cv2.COLOR_GRAY2BGR))
    white_balance = rng.uniform(0.95, 1.05, 3).astype(np.float32)
    cv2.multiply(image, (*white_balance.tolist(), 0.0), dst=image)  # type: ignore[call-overload]  # a scalar
    if scene.thumb:
        draw_thumb(rng, image, boxes)
    return SceneFrame(
        image=camera_artefacts(rng, image, scene),
        labels=[int(labels[i]) for i in chosen],
        boxes=boxes,
        family=FAMILY,
        condition=condition,
        empty=empty,
        partial=partial,
    )


def seen_box(piece: np.ndarray, x: int, y: int, warp: np.ndarray, size: Tuple[int, int]) -> Box:
    """The frame box of a digit's ink ``piece`` lying at (x, y) of the canvas, after ``warp``.

    Warps only the part of the frame the piece lands on (the same pixels a whole-frame warp
    gives there), where the ink covers more than 0.35.
    """
    width, height = size
    h, w = piece.shape
    corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32).reshape(-1, 1, 2)
    landed = cv2.perspectiveTransform(corners, warp).reshape(-1, 2)
    x0, y0 = max(0, int(np.floor(landed[:, 0].min())) - 2), max(0, int(np.floor(landed[:, 1].min())) - 2)
    x1 = min(width, int(np.ceil(landed[:, 0].max())) + 2)
    y1 = min(height, int(np.ceil(landed[:, 1].max())) + 2)
    if x0 >= x1 or y0 >= y1:
        return (0, 0, 0, 0)
    local = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ warp
    local = local @ np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], np.float64)
    seen = cv2.warpPerspective(piece, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
    points = cv2.findNonZero((seen > 0.35).astype(np.uint8))
    if points is None:
        return (0, 0, 0, 0)
    bx, by, bw, bh = cv2.boundingRect(points)
    return (bx + x0, by + y0, bw, bh)


def camera_artefacts(rng: np.random.Generator, image: np.ndarray, scene: Scene) -> np.ndarray:
    """A float scene as a cheap webcam delivers it: soft, noisy, JPEG-compressed uint8 BGR."""
    height, width = image.shape[:2]
    if scene.low_resolution:
        image = cv2.resize(image, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    image = np.asarray(cv2.GaussianBlur(image, (0, 0), rng.uniform(*scene.blur)))
    image += sensor_noise(rng, image.shape) * np.float32(rng.uniform(*scene.noise))
    frame = np.clip(image, 0, 255).astype(np.uint8)
    quality = int(rng.integers(scene.jpeg[0], scene.jpeg[1] + 1))
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR))
