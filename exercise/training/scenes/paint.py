"""Shared drawing: handwriting from MNIST digits, inks, layers and their compositing, noise.

Scenes are painted in float32 BGR (0..255) and become uint8 only in the camera
(:mod:`.optics`). Everything that is drawn in front of something else is a :class:`Layer`:
a premultiplied colour and an alpha over a box of the frame, so that it costs in
proportion to its own size and says where it covers what lies behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from exercise.training.scenes.frame import Box

Colour = Tuple[float, float, float]

#: MNIST's ink is about 20 px tall in its 28 px square.
MNIST_INK_HEIGHT = 20.0
#: Median MNIST stroke width at 28x28, px.
MNIST_STROKE = 2.25
#: Grey level of an enlarged MNIST digit taken as the edge of its stroke.
STROKE_EDGE_LEVEL = 115
#: A pen this much thinner than the enlarged MNIST stroke follows the stroke's centre line
#: instead of eroding it (erosion would erase the digit's thin parts).
CENTRE_LINE_BELOW = 0.7
#: A fine pen's line follows the digit's skeleton, found at this size (twice MNIST's).
SKELETON_SIDE = 56
#: Fractional bits of the line ends given to cv2.polylines.
SUBPIXEL_BITS = 4
#: Gaussian sigma (px) of a written stroke's anti-aliased edge.
STROKE_EDGE_SOFTNESS = 0.6
#: Coverage counted as ink when the truth box of a digit is measured.
INK_COVERAGE = 0.35
#: Alpha above which a layer hides what is behind it (for the cover mask).
OPAQUE = 0.25


# --- handwriting ---------------------------------------------------------------------------------


def handwriting(image28: np.ndarray, ink_height: float, stroke: float) -> np.ndarray:
    """An MNIST digit as written with a pen ``stroke`` px wide, its ink ``ink_height`` px tall.

    Returns a float32 coverage map (0..1) cropped to the ink with a small margin.
    """
    factor = ink_height / MNIST_INK_HEIGHT
    side = max(8, int(round(28 * factor)))
    big = cv2.resize(image28, (side, side), interpolation=cv2.INTER_CUBIC)
    mask = (big > STROKE_EDGE_LEVEL).astype(np.uint8)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return np.zeros((1, 1), np.float32)
    pad = int(stroke) + 3
    mask = np.asarray(
        cv2.copyMakeBorder(mask[y : y + h, x : x + w], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    )
    natural = MNIST_STROKE * factor
    if stroke >= natural * CENTRE_LINE_BELOW:
        inside = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
        outside = cv2.distanceTransform(1 - mask, cv2.DIST_L2, 3)
        signed = np.where(mask > 0, inside - 0.5, 0.5 - outside)
        coverage = signed + (stroke - natural) / 2 + 0.5
    else:
        centre = distance_to_centre_line(image28, side, pad)
        coverage = stroke / 2 + 0.5 - centre[y : y + h + 2 * pad, x : x + w + 2 * pad]
    return cv2.GaussianBlur(np.clip(coverage, 0, 1).astype(np.float32), (0, 0), STROKE_EDGE_SOFTNESS)


def distance_to_centre_line(image28: np.ndarray, side: int, pad: int) -> np.ndarray:
    """Distance (px, float32) of every pixel of the enlarged, padded digit to its strokes'
    centre line, as if drawn with a fine pen.

    The centre line is the skeleton of the digit at twice MNIST's size (where thinning is
    cheap and keeps the strokes connected), its points smoothed along the stroke and joined
    by line segments at full size, so it stays one unbroken, unjagged line.
    """
    work = min(side, SKELETON_SIDE)
    small = cv2.resize(image28, (work, work), interpolation=cv2.INTER_CUBIC)
    skeleton = thin((small > STROKE_EDGE_LEVEL).astype(np.uint8))
    ys, xs = np.nonzero(skeleton)
    mask = np.zeros((side, side), np.uint8)
    if len(xs):
        # Each skeleton point moves to the mean of its skeleton neighbours: the staircase of
        # a thinned slanted stroke becomes a straight line.
        weight = cv2.boxFilter(skeleton.astype(np.float32), -1, (5, 5), normalize=False)
        grid_y, grid_x = np.mgrid[0:work, 0:work].astype(np.float32)
        smooth_x = cv2.boxFilter(grid_x * skeleton, -1, (5, 5), normalize=False) / np.maximum(weight, 1)
        smooth_y = cv2.boxFilter(grid_y * skeleton, -1, (5, 5), normalize=False) / np.maximum(weight, 1)
        scale = side / work
        segments = []
        on = skeleton.astype(bool)
        padded = np.pad(on, 1)
        for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
            neighbour = padded[1 + dy : 1 + dy + work, 1 + dx : 1 + dx + work]
            pairs = on & neighbour
            if dy and dx:
                # A diagonal step already joined through an orthogonal neighbour adds a
                # little triangle, not a stroke.
                pairs &= (
                    ~padded[1 + dy : 1 + dy + work, 1 : 1 + work]
                    & ~padded[1 : 1 + work, 1 + dx : 1 + dx + work]
                )
            py, px = np.nonzero(pairs)
            for y0, x0 in zip(py, px):
                y1, x1 = y0 + dy, x0 + dx
                segments.append([[smooth_x[y0, x0], smooth_y[y0, x0]], [smooth_x[y1, x1], smooth_y[y1, x1]]])
        if segments:
            ends = (np.asarray(segments, np.float32) + 0.5) * scale - 0.5
            fixed = np.round(ends * (1 << SUBPIXEL_BITS)).astype(np.int32)
            cv2.polylines(mask, list(fixed), False, 1, 1, cv2.LINE_8, SUBPIXEL_BITS)
        else:
            mask[int(ys[0] * scale), int(xs[0] * scale)] = 1
    mask = np.asarray(cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0))
    return cv2.distanceTransform(1 - mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a 0/1 uint8 mask to a one-pixel, 8-connected skeleton."""
    image = np.pad(mask, 1).astype(np.uint8)
    changed = True
    while changed:
        changed = False
        for step in (0, 1):
            p2, p3, p4 = image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:]
            p5, p6, p7 = image[2:, 2:], image[2:, 1:-1], image[2:, :-2]
            p8, p9 = image[1:-1, :-2], image[:-2, :-2]
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            neighbours = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9
            turns = sum((ring[k] == 0) & (ring[k + 1] == 1) for k in range(8))
            if step == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            drop = (image[1:-1, 1:-1] == 1) & (neighbours >= 2) & (neighbours <= 6) & (turns == 1) & side
            if drop.any():
                image[1:-1, 1:-1][drop] = 0
                changed = True
    return image[1:-1, 1:-1]


def ink_outline(coverage: np.ndarray) -> np.ndarray:
    """Convex hull (N, 2) float32 of the pixels counted as ink: enough to box it after any warp."""
    points = cv2.findNonZero((coverage > INK_COVERAGE).astype(np.uint8))
    if points is None:
        return np.zeros((0, 2), np.float32)
    return cv2.convexHull(points).reshape(-1, 2).astype(np.float32) + 0.5


def rotated(coverage: np.ndarray, angle: float) -> Tuple[np.ndarray, np.ndarray]:
    """(coverage turned by ``angle`` degrees counter-clockwise in a box that holds it,
    the 2x3 affine from the old map to the new one)."""
    height, width = coverage.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(np.ceil(width * cos + height * sin)), int(np.ceil(width * sin + height * cos))
    matrix[0, 2] += (new_w - width) / 2
    matrix[1, 2] += (new_h - height) / 2
    turned = cv2.warpAffine(coverage, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR)
    return turned, matrix


# --- inks ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ink:
    """How a writing tool leaves its mark."""

    kind: str
    colour: Colour
    opacity: float
    #: 0: an even stroke; towards 1: graphite or chalk that skips over the grain.
    grain: float = 0.0
    #: Drawn over the surface (chalk) instead of darkening it (pens, pencil).
    light: bool = False


INK_KINDS = ("marker", "felt", "ballpoint", "pencil", "chalk")
#: BGR of felt pens and markers dark enough to read on white and pale paper.
PEN_COLOURS: Tuple[Colour, ...] = (
    (30, 30, 35),
    (40, 35, 30),
    (140, 60, 25),
    (110, 40, 20),
    (40, 40, 190),
    (50, 120, 40),
    (120, 40, 110),
    (30, 60, 110),
)
BALLPOINT_COLOURS: Tuple[Colour, ...] = ((150, 60, 25), (170, 80, 30), (45, 40, 40), (40, 40, 170))
GRAPHITE: Colour = (85, 85, 90)
CHALK_COLOURS: Tuple[Colour, ...] = ((235, 238, 240), (215, 225, 230), (150, 235, 245), (230, 200, 235))


def pick_ink(rng: np.random.Generator, kind: str, digit_height: float) -> Tuple[Ink, float]:
    """(an ink of ``kind``, a stroke width in px) for a digit ``digit_height`` px tall."""
    jitter = rng.uniform(-8, 8, 3)
    if kind == "marker":
        colour = PEN_COLOURS[int(rng.integers(0, 4))]
        stroke = max(4.0, rng.uniform(0.11, 0.19) * digit_height)
        ink = Ink(kind, _shift(colour, jitter), rng.uniform(0.9, 1.0))
    elif kind == "felt":
        colour = PEN_COLOURS[int(rng.integers(0, len(PEN_COLOURS)))]
        stroke = max(3.0, rng.uniform(0.05, 0.1) * digit_height)
        ink = Ink(kind, _shift(colour, jitter), rng.uniform(0.85, 1.0), grain=0.05)
    elif kind == "ballpoint":
        colour = BALLPOINT_COLOURS[int(rng.integers(0, len(BALLPOINT_COLOURS)))]
        stroke = rng.uniform(1.7, 3.2)
        ink = Ink(kind, _shift(colour, jitter), rng.uniform(0.75, 0.95), grain=0.15)
    elif kind == "pencil":
        stroke = rng.uniform(1.8, 3.4)
        ink = Ink(kind, _shift(GRAPHITE, jitter), rng.uniform(0.45, 0.7), grain=0.45)
    elif kind == "chalk":
        colour = CHALK_COLOURS[int(rng.integers(0, len(CHALK_COLOURS)))]
        stroke = max(3.0, rng.uniform(0.05, 0.1) * digit_height)
        ink = Ink(kind, _shift(colour, jitter), rng.uniform(0.75, 0.95), grain=0.5, light=True)
    else:
        raise ValueError(f"unknown ink {kind!r}")
    return ink, float(stroke)


def pick_colour(rng: np.random.Generator, colours: Sequence[Colour], spread: float = 10.0) -> Colour:
    """One of ``colours``, shifted by up to ``spread`` per channel."""
    base = colours[int(rng.integers(0, len(colours)))]
    return _shift(base, rng.uniform(-spread, spread, 3))


def _shift(colour: Colour, jitter: np.ndarray) -> Colour:
    return (
        float(np.clip(colour[0] + jitter[0], 0, 255)),
        float(np.clip(colour[1] + jitter[1], 0, 255)),
        float(np.clip(colour[2] + jitter[2], 0, 255)),
    )


def apply_ink(
    rng: np.random.Generator, canvas: np.ndarray, coverage: np.ndarray, x: int, y: int, ink: Ink
) -> None:
    """Write ``coverage`` in ``ink`` onto ``canvas`` (float32 BGR) at (x, y), in place, clipped."""
    clipped = clip_to(canvas.shape, coverage.shape, x, y)
    if clipped is None:
        return
    (cy0, cy1, cx0, cx1), (dy0, dy1, dx0, dx1) = clipped
    amount = coverage[cy0:cy1, cx0:cx1] * np.float32(ink.opacity)
    if ink.grain:
        grain = cv2.GaussianBlur(rng.random(amount.shape, np.float32), (0, 0), 0.8)
        # The blur pulls uniform noise towards 0.5; stretch it back to use the whole range.
        amount = amount * np.clip(1 - ink.grain * 2.5 * (grain - 0.3), 0, 1)
    region = canvas[dy0:dy1, dx0:dx1]
    if ink.light:
        region *= grey3(1 - amount)
        region += tinted(amount, ink.colour)
    else:
        # Ink absorbs: each channel keeps colour/255 of the light where the ink lies.
        region *= cv2.merge([1 - amount * np.float32(1 - level / 255) for level in ink.colour])


# --- layers -----------------------------------------------------------------------------------------


@dataclass
class Layer:
    """Something drawn over a box of the frame: premultiplied colour and alpha, (x, y) its top left."""

    x: int
    y: int
    colour: np.ndarray  # (h, w, 3) float32, already multiplied by alpha
    alpha: np.ndarray  # (h, w) float32 0..1

    @property
    def box(self) -> Box:
        return self.x, self.y, self.alpha.shape[1], self.alpha.shape[0]


def clip_to(
    canvas_shape: Sequence[int], shape: Sequence[int], x: int, y: int
) -> Optional[Tuple[Tuple[int, int, int, int], Tuple[int, int, int, int]]]:
    """((source rows, columns), (canvas rows, columns)) of a ``shape`` patch at (x, y), or None."""
    height, width = canvas_shape[:2]
    h, w = shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x0 >= x1 or y0 >= y1:
        return None
    return (y0 - y, y1 - y, x0 - x, x1 - x), (y0, y1, x0, x1)


def paste(
    canvas: np.ndarray, layer: Layer, cover: Optional[np.ndarray] = None, solid: Optional[np.ndarray] = None
) -> None:
    """Composite ``layer`` over ``canvas`` in place; mark where it hides things in ``cover``
    (uint8, 1 where opaque) and how much in ``solid`` (float32 alpha, the most so far)."""
    clipped = clip_to(canvas.shape, layer.alpha.shape, layer.x, layer.y)
    if clipped is None:
        return
    (sy0, sy1, sx0, sx1), (dy0, dy1, dx0, dx1) = clipped
    alpha = layer.alpha[sy0:sy1, sx0:sx1]
    region = canvas[dy0:dy1, dx0:dx1]
    region *= grey3(1 - alpha)
    region += layer.colour[sy0:sy1, sx0:sx1]
    if cover is not None:
        cover[dy0:dy1, dx0:dx1] |= (alpha > OPAQUE).astype(np.uint8)
    if solid is not None:
        np.maximum(solid[dy0:dy1, dx0:dx1], alpha, out=solid[dy0:dy1, dx0:dx1])


def cast_shadow(
    canvas: np.ndarray, layer: Layer, offset: Tuple[float, float], softness: float, strength: float
) -> None:
    """Darken ``canvas`` in place under a soft copy of ``layer``'s shape moved by ``offset``."""
    pad = int(2 * softness) + 2
    alpha = cv2.copyMakeBorder(layer.alpha, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    height, width = alpha.shape
    # Blurred at half size: a soft shadow has no detail to lose and costs a quarter.
    small = cv2.resize(alpha, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, softness / 2))
    shade = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    x = layer.x - pad + int(round(offset[0]))
    y = layer.y - pad + int(round(offset[1]))
    clipped = clip_to(canvas.shape, shade.shape, x, y)
    if clipped is None:
        return
    (sy0, sy1, sx0, sx1), (dy0, dy1, dx0, dx1) = clipped
    canvas[dy0:dy1, dx0:dx1] *= grey3(1 - np.float32(strength) * shade[sy0:sy1, sx0:sx1])


def warp_flat(
    flat: np.ndarray, homography: np.ndarray, size: Tuple[int, int], margin: int = 0
) -> Optional[Layer]:
    """A flat BGRA float32 picture (alpha in channel 3, colour not premultiplied) seen through
    ``homography`` (flat -> frame), as a layer over the part of the frame it lands on."""
    height, width = flat.shape[:2]
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32).reshape(-1, 1, 2)
    landed = cv2.perspectiveTransform(corners, homography).reshape(-1, 2)
    frame_w, frame_h = size
    x0 = int(max(-margin, np.floor(landed[:, 0].min())))
    y0 = int(max(-margin, np.floor(landed[:, 1].min())))
    x1 = int(min(frame_w + margin, np.ceil(landed[:, 0].max()) + 1))
    y1 = int(min(frame_h + margin, np.ceil(landed[:, 1].max()) + 1))
    if x0 >= x1 or y0 >= y1:
        return None
    premultiplied = flat
    if float(flat[:, :, 3].min()) < 1.0:
        b, g, r, a = cv2.split(flat)
        premultiplied = cv2.merge([b * a, g * a, r * a, a])
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
    warped = cv2.warpPerspective(
        premultiplied,
        shift @ homography,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0, 0),
    )
    b, g, r, a = cv2.split(warped)
    return Layer(x0, y0, cv2.merge([b, g, r]), a)


def shape_layer(mask: np.ndarray, x: int, y: int, colour: Union[Sequence[float], np.ndarray]) -> Layer:
    """A layer of ``colour`` ((3,) or (h, w, 3)) through a uint8 or float mask at (x, y)."""
    alpha = mask.astype(np.float32) / 255.0 if mask.dtype == np.uint8 else mask.astype(np.float32)
    if np.ndim(colour) == 1:
        return Layer(x, y, tinted(alpha, [float(c) for c in np.ravel(colour)]), alpha)
    return Layer(x, y, np.asarray(colour, np.float32) * grey3(alpha), alpha)


def overlaps(box: Box, keep_clear: Sequence[Box], pad: int = 0) -> bool:
    """Whether ``box`` comes within ``pad`` of any box in ``keep_clear``."""
    x, y, w, h = box
    for kx, ky, kw, kh in keep_clear:
        if x < kx + kw + pad and kx < x + w + pad and y < ky + kh + pad and ky < y + h + pad:
            return True
    return False


def layer_hits(layer: Layer, keep_clear: Sequence[Box], pad: int) -> bool:
    """Whether the opaque part of ``layer`` comes within ``pad`` of a box in ``keep_clear``."""
    return mask_hits(layer.alpha, layer.x, layer.y, keep_clear, pad, OPAQUE)


def mask_hits(
    mask: np.ndarray, x: int, y: int, keep_clear: Sequence[Box], pad: int, above: float = 0
) -> bool:
    """Whether ``mask`` (any dtype) lying at (x, y) exceeds ``above`` within ``pad`` of a box."""
    for kx, ky, kw, kh in keep_clear:
        x0, y0 = kx - pad - x, ky - pad - y
        x1, y1 = kx + kw + pad + 1 - x, ky + kh + pad + 1 - y
        region = mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
        if region.size and region.max() > above:
            return True
    return False


# --- noise and light ------------------------------------------------------------------------------


def smooth_noise(rng: np.random.Generator, size: Tuple[int, int], cell: float) -> np.ndarray:
    """Zero-mean, unit-ish float32 noise (h, w) varying over about ``cell`` px."""
    width, height = size
    coarse = rng.standard_normal((max(2, int(height / cell) + 2), max(2, int(width / cell) + 2)), np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


#: Texture noise comes from banks (one per grain size, built once from a fixed seed) cut at
#: random offsets: fresh noise of a picture's size would cost more than the rest of it.
TEXTURE_BANK_SIDE = 1024
TEXTURE_BANK_SLACK = 256
TEXTURE_BANK_SEED = 7
_texture_banks: Dict[float, np.ndarray] = {}


def texture_noise(rng: np.random.Generator, size: Tuple[int, int], cell: float) -> np.ndarray:
    """Like :func:`smooth_noise`, but a read-only view into a bank: cheap, never write to it."""
    width, height = size
    side = TEXTURE_BANK_SIDE + TEXTURE_BANK_SLACK
    if width > TEXTURE_BANK_SIDE or height > TEXTURE_BANK_SIDE:
        return smooth_noise(rng, size, cell)
    bank = _texture_banks.get(cell)
    if bank is None:
        bank = smooth_noise(np.random.default_rng([TEXTURE_BANK_SEED, int(cell * 16)]), (side, side), cell)
        _texture_banks[cell] = bank
    x, y = int(rng.integers(0, side - width + 1)), int(rng.integers(0, side - height + 1))
    return bank[y : y + height, x : x + width]


def profile_length(size: Tuple[int, int], angle: float) -> int:
    """How long a profile :func:`profile_picture` needs for ``size`` at ``angle``."""
    width, height = size
    rad = np.deg2rad(angle)
    return int(np.ceil(abs(np.cos(rad)) * width + abs(np.sin(rad)) * height)) + 2


def profile_picture(profile: np.ndarray, size: Tuple[int, int], angle: float) -> np.ndarray:
    """A picture of ``size`` whose colour changes only across direction ``angle`` (degrees):
    pixel (x, y) takes ``profile[x cos + y sin - least of that]``, profile (L, 3) float32 at
    least :func:`profile_length` long. Stripes and boards at any angle for one warp."""
    width, height = size
    rad = np.deg2rad(angle)
    cos, sin = float(np.cos(rad)), float(np.sin(rad))
    if len(profile) < profile_length(size, angle):
        raise ValueError("profile too short for the picture")
    source = np.ascontiguousarray(np.repeat(profile[None, :, :], 2, axis=0), np.float32)
    start = min(0.0, cos * width) + min(0.0, sin * height)
    inverse = np.array([[cos, sin, -start], [0, 0, 0.5]], np.float32)
    return cv2.warpAffine(
        source,
        inverse,
        (width, height),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def linear_ramp(size: Tuple[int, int], angle: float) -> np.ndarray:
    """float32 (h, w) from 0 to 1 across the picture in direction ``angle`` (radians)."""
    width, height = size
    xs = (np.arange(width, dtype=np.float32) / width - 0.5) * np.float32(np.cos(angle))
    ys = (np.arange(height, dtype=np.float32) / height - 0.5) * np.float32(np.sin(angle))
    ramp = ys[:, None] + xs[None, :]
    return (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))


def radial_spot(size: Tuple[int, int], centre: Tuple[float, float], radii: Tuple[float, float]) -> np.ndarray:
    """float32 (h, w) Gaussian spot, 1 at ``centre``, 1/e^0.5 at ``radii`` (x, y) px."""
    width, height = size
    xs = np.exp(-0.5 * ((np.arange(width, dtype=np.float32) - centre[0]) / radii[0]) ** 2)
    ys = np.exp(-0.5 * ((np.arange(height, dtype=np.float32) - centre[1]) / radii[1]) ** 2)
    return ys[:, None] * xs[None, :]


def multiply(canvas: np.ndarray, light: np.ndarray) -> None:
    """Light the scene in place: (h, w) field times every channel."""
    canvas *= grey3(light)


# numpy broadcasting over a trailing axis of 3 costs ten times an element-wise operation of
# the same size; these build the three-channel arrays with OpenCV instead.


def grey3(field: np.ndarray) -> np.ndarray:
    """A float32 (h, w) field as (h, w, 3), the same value in every channel."""
    return cv2.cvtColor(np.ascontiguousarray(field, np.float32), cv2.COLOR_GRAY2BGR)


def tinted(field: np.ndarray, colour: Sequence[float]) -> np.ndarray:
    """(h, w, 3) float32: ``field`` times each channel of ``colour``."""
    field = np.asarray(field, np.float32)
    return cv2.merge([field * np.float32(level) for level in colour])


def flat_colour(size: Tuple[int, int], colour: Sequence[float]) -> np.ndarray:
    """A float32 (h, w, 3) picture of one colour."""
    width, height = size
    picture = np.empty((height, width, 3), np.float32)
    cv2.rectangle(picture, (0, 0), (width - 1, height - 1), tuple(float(c) for c in colour), -1)
    return picture


def gains(image: np.ndarray, per_channel: Sequence[float]) -> None:
    """Multiply each channel of a float32 BGR picture in place (white balance, colour casts)."""
    scalar = (float(per_channel[0]), float(per_channel[1]), float(per_channel[2]), 0.0)
    cv2.multiply(image, scalar, dst=image)  # type: ignore[call-overload]  # a per-channel scalar


# --- printed text ---------------------------------------------------------------------------------

FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
)
SCRIPT_FONTS = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
WORDS = (
    "the",
    "and",
    "of",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "on",
    "be",
    "robot",
    "motor",
    "sensor",
    "page",
    "chapter",
    "total",
    "item",
    "price",
    "notes",
    "today",
    "learn",
    "number",
    "camera",
    "light",
    "table",
    "school",
    "class",
    "homework",
    "meeting",
    "Monday",
    "June",
    "coffee",
    "milk",
    "bread",
    "call",
    "mum",
    "exam",
    "lab",
    "code",
    "print",
)


def words(rng: np.random.Generator, count: int) -> str:
    return " ".join(str(w) for w in rng.choice(WORDS, count))


def print_text(
    canvas: np.ndarray,
    text: str,
    origin: Tuple[int, int],
    font: int,
    scale: float,
    colour: Colour,
    thickness: int = 1,
) -> None:
    """cv2.putText for any canvas: OpenCV 5 prints on uint8 pictures only, ours are float32."""
    if canvas.dtype == np.uint8:
        cv2.putText(canvas, text, origin, font, scale, colour, thickness, cv2.LINE_AA)
        return
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    pad = thickness + 2
    mask = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(mask, text, (pad, pad + h), font, scale, 255, thickness, cv2.LINE_AA)
    layer = shape_layer(mask, origin[0] - pad, origin[1] - h - pad, np.asarray(colour, np.float32))
    paste(canvas, layer)
