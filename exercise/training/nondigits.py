"""Pictures of things that are not handwritten digits, for training the detector and the gate.

:mod:`exercise.training.detector` paints these into its training frames, and
:mod:`exercise.training.gate` keeps whatever :func:`exercise.preprocess.find_candidates`
makes of them as the gate's negatives: the things that made the pipeline read a digit
where nobody wrote one.

* one drawer per kind of non-digit (:data:`DRAWERS`): straight lines and bars (pens,
  cables, rulers, edges), corners (cards, sheets, frames), blobs (coins, rings, stains),
  textures, printed characters (calendars, clocks, keyboards, pages, signs, seven-segment
  displays, Hershey fonts plain and bold), faces, fingers, handwritten letters (only
  those no digit is read as). Each returns layers for one
  object at a random place; :func:`draw_kind` retries the place until the object keeps
  clear of the written digits, then paints it;
* :func:`ground`: the plain surfaces they lie on (paper, a wall, a desk, a board, fabric);
* :func:`write_digits`: handwritten MNIST digits on the same ground, so the ground never
  tells the two apart;
* :func:`camera`: uneven light, blur, noise and JPEG, as a webcam delivers a scene.

Everything is float32 BGR 0..255 until :func:`camera` makes the uint8 frame; every
function draws only from the ``numpy.random.Generator`` it is given.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Tuple

import cv2
import numpy as np

Box = Tuple[int, int, int, int]
Rng = np.random.Generator

#: Plain grounds the non-digits (and handwritten digits) are drawn on.
GROUNDS = ("paper", "wall", "desk", "board", "fabric")
#: Frame size, (width, height): the scenes' and a webcam's.
FRAME_SIZE = (640, 480)
#: Of an object in several pieces, at most this many pieces are named besides the whole,
#: each at least this many pixels high: the gate's trainer looks at each one alone.
MAX_PIECES = 6
MIN_PIECE_HEIGHT = 6


# --- the drawers ----------------------------------------------------------------------------------
# Each drawer returns layers (a uint8 coverage mask of the frame, and a BGR colour or a
# per-pixel BGR image) for one object at a random place, choosing colours that show on the
# canvas there.

Layer = Tuple[np.ndarray, np.ndarray]
FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: Letters a hand writes that no digit is mistaken for: without those a handwritten digit
#: can look like (O o D Q I l i j L T Z z S s G b q g B A y), which must stay digits.
HANDWRITTEN_LETTERS = "CEFHKMNPRUVWXYacdefhkmnprtuvwx"
#: Fonts whose letters look drawn by a pen of even width, as handwriting is.
PEN_FONTS = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX, cv2.FONT_HERSHEY_SIMPLEX)


def grey_at(canvas: np.ndarray, point: Tuple[float, float]) -> float:
    """The canvas's grey level around a point (for picking a colour that shows)."""
    height, width = canvas.shape[:2]
    x, y = int(np.clip(point[0], 0, width - 1)), int(np.clip(point[1], 0, height - 1))
    patch = canvas[max(0, y - 8) : y + 8, max(0, x - 8) : x + 8]
    return float(patch.mean())


def visible_colour(rng: Rng, ground: float, contrast: float = 70.0) -> np.ndarray:
    """A BGR colour at least ``contrast`` grey levels away from ``ground``: dark, coloured or light."""
    for _ in range(20):
        style = rng.random()
        if style < 0.45:
            colour = np.full(3, rng.uniform(10, 80)) + rng.uniform(-8, 8, 3)
        elif style < 0.75:
            colour = rng.uniform(0, 255, 3)
        else:
            colour = np.full(3, rng.uniform(190, 250)) + rng.uniform(-8, 8, 3)
        if abs(colour.mean() - ground) >= contrast:
            return colour.astype(np.float32)
    return np.full(3, 255.0 if ground < 128 else 20.0, np.float32)


def blank(canvas: np.ndarray) -> np.ndarray:
    return np.zeros(canvas.shape[:2], np.uint8)


def point(rng: Rng, canvas: np.ndarray, margin: float = 0.05) -> Tuple[int, int]:
    height, width = canvas.shape[:2]
    return (
        int(rng.uniform(margin, 1 - margin) * width),
        int(rng.uniform(margin, 1 - margin) * height),
    )


def rotated(centre: Tuple[float, float], size: Tuple[float, float], angle: float) -> np.ndarray:
    """Corners of a rotated rectangle as int32 points for cv2's polygon functions."""
    return cv2.boxPoints((centre, size, angle)).astype(np.int32)


def draw_lines(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """Pens, cables, rulers, sticks, and the edges of doors, tables and screens."""
    height = canvas.shape[0]
    mask = blank(canvas)
    centre = point(rng, canvas)
    colour = visible_colour(rng, grey_at(canvas, centre))
    angle = rng.uniform(0, np.pi)
    style = rng.choice(["pen", "cable", "ruler", "bar", "edge"])
    length = rng.uniform(0.12, 0.7) * height
    dx, dy = np.cos(angle) * length / 2, np.sin(angle) * length / 2
    a = (int(centre[0] - dx), int(centre[1] - dy))
    b = (int(centre[0] + dx), int(centre[1] + dy))
    layers: List[Layer] = []
    if style == "pen":
        thick = int(rng.integers(4, 16))
        cv2.line(mask, a, b, 255, thick, cv2.LINE_AA)
        if rng.random() < 0.6:  # the clip, alongside near one end
            nx, ny = -np.sin(angle) * thick, np.cos(angle) * thick
            c = (int(a[0] + nx), int(a[1] + ny))
            d = (int(a[0] + nx + dx * 0.5), int(a[1] + ny + dy * 0.5))
            cv2.line(mask, c, d, 255, max(2, thick // 3), cv2.LINE_AA)
        if rng.random() < 0.5:  # the cap, thicker at the other end
            e = (int(b[0] - dx * 0.3), int(b[1] - dy * 0.3))
            cv2.line(mask, e, b, 255, int(thick * 1.4), cv2.LINE_AA)
    elif style == "cable":
        bend = rng.uniform(-0.3, 0.3) * length
        control = np.array([centre[0] - np.sin(angle) * bend, centre[1] + np.cos(angle) * bend])
        t = np.linspace(0, 1, 40)[:, None]
        curve = (1 - t) ** 2 * np.array(a) + 2 * (1 - t) * t * control + t**2 * np.array(b)
        cv2.polylines(mask, [curve.astype(np.int32)], False, 255, int(rng.integers(2, 10)), cv2.LINE_AA)
    elif style == "ruler":
        width = rng.uniform(0.04, 0.1) * height
        body = rotated(centre, (length, width), np.degrees(angle))
        cv2.fillConvexPoly(mask, body, 255, cv2.LINE_AA)
        layers.append((mask, colour))
        ticks = blank(canvas)
        tick_colour = visible_colour(rng, float(colour.mean()))
        steps = int(length / rng.uniform(5, 12))
        for i in range(1, steps):
            f = i / steps - 0.5
            px, py = centre[0] + np.cos(angle) * length * f, centre[1] + np.sin(angle) * length * f
            reach = width * (0.45 if i % 5 == 0 else 0.25)
            ex, ey = -np.sin(angle), np.cos(angle)
            start = (int(px - ex * width / 2), int(py - ey * width / 2))
            end = (int(px - ex * (width / 2 - reach)), int(py - ey * (width / 2 - reach)))
            cv2.line(ticks, start, end, 255, 1, cv2.LINE_AA)
        return [*layers, (ticks, tick_colour)]
    elif style == "bar":
        thick = int(rng.uniform(0.02, 0.07) * height) + 2
        cv2.line(mask, a, b, 255, thick, cv2.LINE_AA)
    else:  # an edge: a region of another brightness meeting the ground in a straight line
        far = 3 * height
        nx, ny = -np.sin(angle) * far, np.cos(angle) * far
        region = np.array(
            [a, b, (int(b[0] + nx), int(b[1] + ny)), (int(a[0] + nx), int(a[1] + ny))], np.int32
        )
        if rng.random() < 0.5:  # a short edge: a box's side, a book's spine
            region = rotated(centre, (length, rng.uniform(0.1, 0.5) * length), np.degrees(angle))
        cv2.fillConvexPoly(mask, region, 255, cv2.LINE_AA)
    return [(mask, colour)]


def draw_corners(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """Cards, sheets and their corners, frames, L shapes, set squares."""
    height = canvas.shape[0]
    mask = blank(canvas)
    centre = point(rng, canvas, margin=-0.1)
    colour = visible_colour(rng, grey_at(canvas, centre), contrast=50)
    angle = rng.uniform(0, 90)
    style = rng.choice(["card", "sheet", "frame", "ell", "triangle"])
    size = rng.uniform(0.1, 0.6) * height
    if style == "card":
        corners = rotated(centre, (size, size * rng.uniform(0.55, 0.75)), angle)
        cv2.fillConvexPoly(mask, corners, 255, cv2.LINE_AA)
        if rng.random() < 0.5:  # its border printed or its edge in shadow
            edge = blank(canvas)
            cv2.polylines(edge, [corners], True, 255, int(rng.integers(1, 4)), cv2.LINE_AA)
            return [(mask, colour), (edge, visible_colour(rng, float(colour.mean())))]
    elif style == "sheet":
        big = rng.uniform(1.0, 2.5) * height
        cv2.fillConvexPoly(mask, rotated(centre, (big, big * 0.7), angle), 255, cv2.LINE_AA)
    elif style == "frame":
        corners = rotated(centre, (size, size * rng.uniform(0.5, 1.5)), angle * rng.choice([0, 1]))
        cv2.polylines(mask, [corners], True, 255, int(rng.integers(2, 12)), cv2.LINE_AA)
    elif style == "ell":
        corner = np.array(centre, np.float64)
        thick = int(rng.integers(3, 14))
        for turn in (0.0, rng.uniform(70, 110)):
            rad = np.radians(angle + turn)
            end = corner + np.array([np.cos(rad), np.sin(rad)]) * size * rng.uniform(0.5, 1.0)
            cv2.line(mask, tuple(corner.astype(int)), tuple(end.astype(int)), 255, thick, cv2.LINE_AA)
    else:
        points = np.array(centre) + rng.uniform(-0.5, 0.5, (3, 2)) * size
        outline = rng.random() < 0.6
        if outline:
            cv2.polylines(mask, [points.astype(np.int32)], True, 255, int(rng.integers(2, 9)), cv2.LINE_AA)
        else:
            cv2.fillConvexPoly(mask, points.astype(np.int32), 255, cv2.LINE_AA)
    return [(mask, colour)]


def draw_blobs(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """Coins, buttons, rings, stains, spots, random shapes, keys."""
    height = canvas.shape[0]
    mask = blank(canvas)
    centre = point(rng, canvas)
    colour = visible_colour(rng, grey_at(canvas, centre))
    size = rng.uniform(0.04, 0.35) * height
    style = rng.choice(["disc", "ring", "polygon", "spots", "stain", "key"])
    axes = (int(size / 2), int(size / 2 * rng.uniform(0.5, 1.0)))
    if style == "disc":
        cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 255, -1, cv2.LINE_AA)
    elif style == "ring":
        thick = max(2, int(size * rng.uniform(0.05, 0.25)))
        cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 255, thick, cv2.LINE_AA)
    elif style == "polygon":
        count = int(rng.integers(4, 9))
        angles = np.sort(rng.uniform(0, 2 * np.pi, count))
        radii = rng.uniform(0.3, 1.0, count) * size / 2
        points = np.stack([centre[0] + np.cos(angles) * radii, centre[1] + np.sin(angles) * radii], 1)
        cv2.fillPoly(mask, [points.astype(np.int32)], 255, cv2.LINE_AA)
    elif style == "spots":
        for _ in range(int(rng.integers(3, 12))):
            spot = (int(centre[0] + rng.normal(0, size / 2)), int(centre[1] + rng.normal(0, size / 2)))
            cv2.circle(mask, spot, int(rng.uniform(0.05, 0.2) * size) + 1, 255, -1, cv2.LINE_AA)
    elif style == "stain":
        cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 255, -1, cv2.LINE_AA)
        mask = cv2.GaussianBlur(mask, (0, 0), size * 0.1 + 1)
    else:
        cv2.circle(mask, centre, axes[0], 255, -1, cv2.LINE_AA)
        cv2.circle(mask, centre, max(1, axes[0] // 3), 0, -1, cv2.LINE_AA)
        rad = rng.uniform(0, 2 * np.pi)
        end = (int(centre[0] + np.cos(rad) * size * 1.5), int(centre[1] + np.sin(rad) * size * 1.5))
        cv2.line(mask, centre, end, 255, max(2, axes[0] // 2), cv2.LINE_AA)
    return [(mask, colour)]


def draw_textures(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """A patch of hatching, tiles, wood grain, fabric, bricks or leaves."""
    height, width = canvas.shape[:2]
    centre = point(rng, canvas, margin=0.0)
    colour = visible_colour(rng, grey_at(canvas, centre), contrast=50)
    size = int(rng.uniform(0.2, 0.9) * height)
    patch: np.ndarray = np.zeros((size, size), np.uint8)
    style = rng.choice(["hatching", "tiles", "grain", "fabric", "bricks", "leaves"])
    step = int(rng.uniform(0.03, 0.15) * size) + 3
    thick = int(rng.integers(1, max(2, step // 2)))
    if style == "hatching":
        for offset in range(-size, 2 * size, step):
            cv2.line(patch, (offset, 0), (offset + size, size), 255, thick, cv2.LINE_AA)
    elif style == "tiles":
        for offset in range(0, size, step):
            cv2.line(patch, (offset, 0), (offset, size), 255, thick)
            cv2.line(patch, (0, offset), (size, offset), 255, thick)
    elif style == "grain":
        ys = np.arange(size, dtype=np.float32)[:, None]
        xs = np.arange(size, dtype=np.float32)[None, :]
        wave = np.sin(ys / step * 2 * np.pi + 3 * np.sin(xs / (size / 3) + rng.uniform(0, 6)))
        patch = ((wave > rng.uniform(0.3, 0.8)) * 255).astype(np.uint8)
    elif style == "fabric":
        coarse = rng.normal(0, 1, (max(2, size // step), max(2, size // step))).astype(np.float32)
        noise = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
        patch = ((noise > rng.uniform(0.2, 1.0)) * 255).astype(np.uint8)
    elif style == "bricks":
        for row, y in enumerate(range(0, size, step)):
            cv2.line(patch, (0, y), (size, y), 255, thick)
            for x in range((row % 2) * step, size, 2 * step):
                cv2.line(patch, (x, y), (x, y + step), 255, thick)
    else:
        for _ in range(int(rng.integers(5, 25))):
            leaf = (int(rng.uniform(0, size)), int(rng.uniform(0, size)))
            axes = (int(step * rng.uniform(0.5, 1.5)) + 1, int(step * rng.uniform(0.2, 0.5)) + 1)
            cv2.ellipse(patch, leaf, axes, rng.uniform(0, 180), 0, 360, 255, -1, cv2.LINE_AA)
    shape = np.zeros((size, size), np.uint8)  # the patch's outline: a rectangle or an ellipse
    if rng.random() < 0.5:
        shape[:] = 255
    else:
        cv2.ellipse(shape, (size // 2, size // 2), (size // 2, size // 2), 0, 0, 360, 255, -1)
    patch = cv2.bitwise_and(patch, shape)
    mask = blank(canvas)
    x0, y0 = centre[0] - size // 2, centre[1] - size // 2
    src = patch[max(0, -y0) : max(0, min(size, height - y0)), max(0, -x0) : max(0, min(size, width - x0))]
    mask[max(0, y0) : max(0, y0) + src.shape[0], max(0, x0) : max(0, x0) + src.shape[1]] = src
    return [(mask, colour)]


def put_text(
    mask: np.ndarray, text: str, origin: Tuple[int, int], font: int, scale: float, thick: int
) -> None:
    cv2.putText(mask, text, origin, font, scale, 255, max(1, thick), cv2.LINE_AA)


def text_scale(font: int, pixels: float) -> float:
    """The putText scale that makes a digit ``pixels`` tall in ``font``."""
    (_, digit_height), _ = cv2.getTextSize("8", font, 1.0, 1)
    return pixels / max(digit_height, 1)


def draw_printed(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """Printed digits and letters: calendars, clocks, keyboards, pages, signs, displays."""
    height = canvas.shape[0]
    mask = blank(canvas)
    centre = point(rng, canvas)
    colour = visible_colour(rng, grey_at(canvas, centre))
    font = int(rng.choice(FONTS)) | (cv2.FONT_ITALIC if rng.random() < 0.15 else 0)
    bold = rng.random() < 0.4
    style = rng.choice(["number", "calendar", "clock", "keyboard", "page", "sign", "display"])
    if style == "number":  # a house number, a page number, a price
        pixels = rng.uniform(0.05, 0.45) * height
        text = str(int(rng.integers(0, 10 ** int(rng.integers(1, 4)))))
        scale = text_scale(font, pixels)
        thick = max(1, int(pixels * (rng.uniform(0.1, 0.2) if bold else rng.uniform(0.03, 0.08))))
        (w, _), _ = cv2.getTextSize(text, font, scale, thick)
        put_text(mask, text, (centre[0] - w // 2, int(centre[1] + pixels / 2)), font, scale, thick)
    elif style == "calendar":
        pixels = rng.uniform(0.035, 0.1) * height
        scale = text_scale(font, pixels)
        thick = max(1, int(pixels * (0.14 if bold else 0.06)))
        step_x, step_y = pixels * rng.uniform(1.8, 3.0), pixels * rng.uniform(1.6, 2.5)
        start = int(rng.integers(0, 7))
        left, top = centre[0] - 3.5 * step_x, centre[1] - 2.5 * step_y
        for day in range(1, int(rng.integers(28, 32))):
            slot = start + day - 1
            x, y = left + (slot % 7) * step_x, top + (slot // 7 + 1) * step_y
            put_text(mask, str(day), (int(x), int(y)), font, scale, thick)
        if rng.random() < 0.5:
            for row in range(7):
                y = int(top + row * step_y + pixels * 0.4)
                cv2.line(mask, (int(left - pixels * 0.3), y), (int(left + 7 * step_x), y), 255, 1)
    elif style == "clock":
        radius = rng.uniform(0.12, 0.45) * height
        pixels = radius * rng.uniform(0.15, 0.3)
        scale = text_scale(font, pixels)
        thick = max(1, int(pixels * (0.15 if bold else 0.07)))
        cv2.circle(mask, centre, int(radius), 255, max(1, int(radius * 0.04)), cv2.LINE_AA)
        for hour in range(1, 13):
            rad = np.radians(hour * 30 - 90)
            text = str(hour) if rng.random() < 0.8 else "|"
            (w, h), _ = cv2.getTextSize(text, font, scale, thick)
            x = centre[0] + np.cos(rad) * radius * 0.78 - w / 2
            y = centre[1] + np.sin(rad) * radius * 0.78 + h / 2
            put_text(mask, text, (int(x), int(y)), font, scale, thick)
        for reach, width in ((0.5, 0.05), (0.75, 0.03)):
            rad = rng.uniform(0, 2 * np.pi)
            tip = (
                int(centre[0] + np.cos(rad) * radius * reach),
                int(centre[1] + np.sin(rad) * radius * reach),
            )
            cv2.line(mask, centre, tip, 255, max(1, int(radius * width)), cv2.LINE_AA)
    elif style == "keyboard":
        key = rng.uniform(0.04, 0.12) * height
        scale = text_scale(font, key * 0.4)
        thick = max(1, int(key * 0.05))
        rows, cols = int(rng.integers(2, 5)), int(rng.integers(3, 10))
        outline = rng.random() < 0.5
        for r in range(rows):
            for c in range(cols):
                x = int(centre[0] + (c - cols / 2) * key * 1.15 + r * key * 0.3)
                y = int(centre[1] + (r - rows / 2) * key * 1.15)
                if outline:
                    cv2.rectangle(mask, (x, y), (int(x + key), int(y + key)), 255, max(1, int(key * 0.05)))
                put_text(
                    mask,
                    str(rng.choice(list(LETTERS))),
                    (int(x + key * 0.25), int(y + key * 0.65)),
                    font,
                    scale,
                    thick,
                )
    elif style == "page":
        pixels = rng.uniform(0.015, 0.05) * height
        scale = text_scale(font, pixels)
        thick = max(1, int(pixels * (0.15 if bold else 0.06)))
        for line in range(int(rng.integers(2, 12))):
            words = [
                "".join(rng.choice(list(LETTERS), int(rng.integers(1, 8))))
                for _ in range(int(rng.integers(2, 8)))
            ]
            y = int(centre[1] + (line - 3) * pixels * 1.8)
            put_text(mask, " ".join(words), (int(centre[0] - 6 * pixels * 4), y), font, scale, thick)
    elif style == "sign":
        pixels = rng.uniform(0.04, 0.2) * height
        scale = text_scale(font, pixels)
        thick = max(1, int(pixels * (0.15 if bold else 0.07)))
        text = "".join(rng.choice(list(LETTERS), int(rng.integers(1, 6))))
        (w, h), _ = cv2.getTextSize(text, font, scale, thick)
        origin = (centre[0] - w // 2, centre[1] + h // 2)
        put_text(mask, text, origin, font, scale, thick)
        if rng.random() < 0.5:
            pad = int(pixels * 0.4)
            top_left = (origin[0] - pad, origin[1] - h - pad)
            cv2.rectangle(mask, top_left, (origin[0] + w + pad, origin[1] + pad), 255, max(1, thick // 2))
    else:  # seven segments: an alarm clock, a microwave, a meter
        pixels = rng.uniform(0.06, 0.3) * height
        draw_seven_segments(rng, mask, centre, pixels)
    return [(mask, colour)]


def wobbled(rng: Rng, patch: np.ndarray, pixels: float) -> np.ndarray:
    """``patch`` bent by a smooth random displacement of about ``pixels``, so a font's
    even strokes waver like a hand's."""
    height, width = patch.shape
    coarse = rng.normal(0.0, pixels, (2, 4, 4)).astype(np.float32)
    dx = cv2.resize(coarse[0], (width, height), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(coarse[1], (width, height), interpolation=cv2.INTER_CUBIC)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(patch, xs + dx, ys + dy, cv2.INTER_LINEAR)


def draw_letters(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """Handwritten letters and short words: notes, labels, a name on a card, a whiteboard.

    A pen-like font, slanted, turned and wavered, its strokes as wide as a pen's; only
    letters no digit is read as (:data:`HANDWRITTEN_LETTERS`)."""
    height = canvas.shape[0]
    count = int(rng.choice([1, 1, 1, 2, 3, 4]))
    text = "".join(rng.choice(list(HANDWRITTEN_LETTERS)) for _ in range(count))
    font = int(rng.choice(PEN_FONTS))
    pixels = rng.uniform(0.05, 0.4) * height
    scale = text_scale(font, pixels)
    thick = max(1, int(round(pixels * rng.choice([rng.uniform(0.04, 0.08), rng.uniform(0.08, 0.14)]))))
    (w, h), base = cv2.getTextSize(text, font, scale, thick)
    pad = int(pixels * 0.6) + thick
    written: np.ndarray = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    put_text(written, text, (pad, pad + h), font, scale, thick)
    turn = cv2.getRotationMatrix2D((written.shape[1] / 2, written.shape[0] / 2), rng.uniform(-20, 20), 1.0)
    turn[0, 1] += rng.uniform(-0.35, 0.35)  # slant
    written = cv2.warpAffine(written, turn, (written.shape[1], written.shape[0]))
    patch = wobbled(rng, written, rng.uniform(0.0, 0.04) * pixels)
    mask = blank(canvas)
    x, y = point(rng, canvas)
    left, top = x - patch.shape[1] // 2, y - patch.shape[0] // 2
    xa, ya = max(0, left), max(0, top)
    xb, yb = min(mask.shape[1], left + patch.shape[1]), min(mask.shape[0], top + patch.shape[0])
    if xb > xa and yb > ya:
        mask[ya:yb, xa:xb] = patch[ya - top : yb - top, xa - left : xb - left]
    return [(mask, visible_colour(rng, grey_at(canvas, (x, y)), contrast=90))]


#: Segments a-g of a seven-segment display per digit, and their ends in a unit 1x2 cell.
SEGMENTS = ("abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg", "abcdfg")
SEGMENT_ENDS = {
    "a": ((0, 0), (1, 0)),
    "b": ((1, 0), (1, 1)),
    "c": ((1, 1), (1, 2)),
    "d": ((0, 2), (1, 2)),
    "e": ((0, 1), (0, 2)),
    "f": ((0, 0), (0, 1)),
    "g": ((0, 1), (1, 1)),
}


def draw_seven_segments(rng: Rng, mask: np.ndarray, centre: Tuple[int, int], pixels: float) -> None:
    count = int(rng.integers(1, 5))
    width, thick = pixels * 0.5, max(2, int(pixels * rng.uniform(0.08, 0.16)))
    slant = rng.uniform(0, 0.2)
    for index in range(count):
        left = centre[0] + (index - count / 2) * width * 1.6
        for segment in SEGMENTS[int(rng.integers(0, 10))]:
            ends = []
            for ux, uy in SEGMENT_ENDS[segment]:
                y = centre[1] + (uy - 1) * pixels / 2
                ends.append((int(left + ux * width + (1 - uy / 2) * slant * pixels), int(y)))
            cv2.line(mask, ends[0], ends[1], 255, thick, cv2.LINE_AA)


def skin(rng: Rng) -> np.ndarray:
    """A BGR skin tone, pale to dark."""
    tone = rng.uniform(0.25, 1.0)
    return np.array([60 + 110 * tone, 80 + 110 * tone, 110 + 120 * tone], np.float32) * rng.uniform(0.9, 1.05)


def shaded(mask: np.ndarray, colour: np.ndarray, depth: float) -> np.ndarray:
    """A per-pixel BGR image: ``colour`` darkening towards the mask's edges (a rounded body).

    Worked out inside the mask's box only; the rest of the frame is never painted.
    """
    image = np.zeros((*mask.shape, 3), np.float32)
    points = cv2.findNonZero(mask)
    if points is None:
        return image
    x, y, w, h = cv2.boundingRect(points)
    distance = cv2.distanceTransform((mask[y : y + h, x : x + w] > 127).astype(np.uint8), cv2.DIST_L2, 3)
    roundness = np.clip(distance / max(depth, 1.0), 0, 1) ** 0.5
    image[y : y + h, x : x + w] = colour[None, None, :] * (0.6 + 0.4 * roundness[:, :, None])
    return image


def draw_faces(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """A face: oval, hair, eyes, brows, nose, mouth, sometimes glasses; or a drawn smiley."""
    height = canvas.shape[0]
    centre = point(rng, canvas, margin=0.0)
    size = rng.uniform(0.12, 0.8) * height
    axes = (int(size * 0.36), int(size / 2))
    tilt = rng.uniform(-15, 15)
    dark = np.array([rng.uniform(15, 60)] * 3, np.float32)
    layers: List[Layer] = []
    if rng.random() < 0.15:  # a drawn smiley: outline, two dots, an arc
        mask = blank(canvas)
        colour = visible_colour(rng, grey_at(canvas, centre))
        thick = max(2, int(size * 0.03))
        cv2.ellipse(mask, centre, (axes[1], axes[1]), 0, 0, 360, 255, thick, cv2.LINE_AA)
        for side in (-1, 1):
            cv2.circle(
                mask, (int(centre[0] + side * size * 0.17), int(centre[1] - size * 0.12)), thick, 255, -1
            )
        cv2.ellipse(
            mask,
            (centre[0], int(centre[1] + size * 0.05)),
            (int(size * 0.25), int(size * 0.2)),
            0,
            20,
            160,
            255,
            thick,
            cv2.LINE_AA,
        )
        return [(mask, colour)]
    head = blank(canvas)
    cv2.ellipse(head, centre, axes, tilt, 0, 360, 255, -1, cv2.LINE_AA)
    if rng.random() < 0.8:  # hair: a darker cap over the top of the head
        hair = blank(canvas)
        cv2.ellipse(
            hair,
            (centre[0], int(centre[1] - size * 0.08)),
            (int(axes[0] * 1.1), int(axes[1] * 1.0)),
            tilt,
            180,
            360,
            255,
            -1,
            cv2.LINE_AA,
        )
        layers.append((hair, np.array([rng.uniform(10, 120)] * 3, np.float32) * rng.uniform(0.6, 1.2, 3)))
    layers.insert(0, (head, shaded(head, skin(rng), size * 0.2)))
    features = blank(canvas)
    whites = blank(canvas)
    eye_y = int(centre[1] - size * 0.05)
    eye = max(2, int(size * 0.05))
    glasses = rng.random() < 0.3
    for side in (-1, 1):
        ex = int(centre[0] + side * size * 0.15)
        cv2.ellipse(whites, (ex, eye_y), (int(eye * 1.6), eye), tilt, 0, 360, 255, -1, cv2.LINE_AA)
        cv2.circle(features, (ex, eye_y), max(1, int(eye * 0.7)), 255, -1, cv2.LINE_AA)
        cv2.ellipse(
            features,
            (ex, int(eye_y - size * 0.08)),
            (int(eye * 2), int(eye * 0.8)),
            tilt,
            200,
            340,
            255,
            max(1, int(size * 0.02)),
            cv2.LINE_AA,
        )
        if glasses:
            cv2.circle(features, (ex, eye_y), int(eye * 2.6), 255, max(1, int(size * 0.012)), cv2.LINE_AA)
    if glasses:
        cv2.line(
            features,
            (int(centre[0] - size * 0.15 + eye * 2.6), eye_y),
            (int(centre[0] + size * 0.15 - eye * 2.6), eye_y),
            255,
            max(1, int(size * 0.012)),
        )
    for side in (-1, 1):  # nostrils
        cv2.circle(
            features,
            (int(centre[0] + side * size * 0.03), int(centre[1] + size * 0.12)),
            max(1, int(size * 0.012)),
            255,
            -1,
        )
    mouth_y = int(centre[1] + size * 0.25)
    if rng.random() < 0.5:
        cv2.ellipse(
            features,
            (centre[0], mouth_y),
            (int(size * 0.1), int(size * 0.03)),
            tilt,
            0,
            180,
            255,
            max(1, int(size * 0.015)),
            cv2.LINE_AA,
        )
    else:
        cv2.line(
            features,
            (int(centre[0] - size * 0.09), mouth_y),
            (int(centre[0] + size * 0.09), mouth_y),
            255,
            max(1, int(size * 0.02)),
            cv2.LINE_AA,
        )
    layers.append((whites, np.array([225, 225, 230], np.float32)))
    layers.append((features, dark))
    return layers


def draw_fingers(rng: Rng, canvas: np.ndarray) -> List[Layer]:
    """A finger or a few, with nails, knuckle creases and a soft shadow; from the edge or inside."""
    height, width = canvas.shape[:2]
    tone = skin(rng)
    count = 1 if rng.random() < 0.6 else int(rng.integers(2, 5))
    thick = rng.uniform(0.05, 0.13) * height
    length = rng.uniform(0.2, 0.6) * height
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-direction[1], direction[0]])
    tip0 = np.array(point(rng, canvas, margin=0.1), np.float64)
    body, creases, nails, shadow = blank(canvas), blank(canvas), blank(canvas), blank(canvas)
    for index in range(count):
        tip = tip0 + across * thick * 1.05 * index - direction * thick * 0.3 * abs(index - 1)
        base = tip - direction * length
        cv2.line(body, tuple(tip.astype(int)), tuple(base.astype(int)), 255, int(thick), cv2.LINE_AA)
        cv2.line(
            shadow, tuple((tip + 6).astype(int)), tuple((base + 6).astype(int)), 255, int(thick), cv2.LINE_AA
        )
        nail = tip - direction * thick * 0.35
        cv2.ellipse(
            nails,
            tuple(nail.astype(int)),
            (int(thick * 0.3), int(thick * 0.25)),
            np.degrees(angle),
            0,
            360,
            255,
            -1,
            cv2.LINE_AA,
        )
        for reach in (0.35, 0.6):
            c = tip - direction * length * reach
            a, b = c - across * thick * 0.3, c + across * thick * 0.3
            cv2.line(creases, tuple(a.astype(int)), tuple(b.astype(int)), 255, 1, cv2.LINE_AA)
    # A soft shadow: blurred at a quarter of the size, where a wide blur costs 16x less.
    small = cv2.resize(shadow, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    soft = cv2.resize(cv2.GaussianBlur(small, (0, 0), thick * 0.075 + 0.5), (width, height))
    return [
        (soft // 3, np.zeros(3, np.float32)),
        (body, shaded(body, tone, thick * 0.4)),
        (nails, tone * 1.15),
        (creases, tone * 0.55),
    ]


DRAWERS: Dict[str, Callable[[Rng, np.ndarray], List[Layer]]] = {
    "lines": draw_lines,
    "corners": draw_corners,
    "blobs": draw_blobs,
    "textures": draw_textures,
    "printed": draw_printed,
    "faces": draw_faces,
    "fingers": draw_fingers,
    "letters": draw_letters,
}


def paint(canvas: np.ndarray, layers: Sequence[Layer]) -> None:
    """Alpha-blend the layers onto the float canvas, in place, only inside their boxes."""
    for mask, colour in layers:
        points = cv2.findNonZero(mask)
        if points is None:
            continue
        x, y, w, h = cv2.boundingRect(points)
        alpha = mask[y : y + h, x : x + w, None].astype(np.float32) / 255.0
        ink = colour[y : y + h, x : x + w] if colour.ndim == 3 else colour
        region = canvas[y : y + h, x : x + w]
        region += alpha * (ink - region)


def pieces_of(rng: Rng, mask: np.ndarray, most: int = MAX_PIECES) -> List[Box]:
    """Boxes of up to ``most`` separate pieces of an object's mask (a printed number's
    digits, a word's letters, a face's eyes), picked at random; none for a one-piece object."""
    count, _, stats, _ = cv2.connectedComponentsWithStats((mask > 127).astype(np.uint8), connectivity=8)
    boxes = [tuple(int(v) for v in stats[i, :4]) for i in range(1, count) if stats[i, 3] >= MIN_PIECE_HEIGHT]
    if len(boxes) < 2:
        return []
    chosen = rng.permutation(len(boxes))[:most]
    return [boxes[i] for i in sorted(chosen)]


def draw_kind(rng: Rng, canvas: np.ndarray, kind: str, clear: np.ndarray, count: int) -> List[Box]:
    """``count`` objects of ``kind`` painted onto ``canvas`` where ``clear`` (uint8) is 0;
    the box of each one painted and of some of its separate pieces (:func:`pieces_of`)."""
    painted: List[Box] = []
    for _ in range(count):
        for _attempt in range(10):
            layers = DRAWERS[kind](rng, canvas)
            union = layers[0][0].copy()
            for mask, _ in layers[1:]:
                union |= mask
            if not cv2.countNonZero(cv2.bitwise_and(union, clear)):
                paint(canvas, layers)
                points = cv2.findNonZero(union)
                if points is not None:
                    painted.append(tuple(int(v) for v in cv2.boundingRect(points)))  # type: ignore[arg-type]
                    painted += pieces_of(rng, union)
                break
    return painted


# --- grounds, handwriting and the camera ---------------------------------------------------------


def ground(rng: Rng, size: Tuple[int, int]) -> np.ndarray:
    """A plain float BGR ground: paper, a painted wall, a desk, a dark board, fabric."""
    width, height = size
    style = rng.choice(GROUNDS)
    if style == "paper":
        base = np.full(3, rng.uniform(205, 250)) + rng.uniform(-8, 4, 3)
    elif style == "wall":
        base = rng.uniform(110, 240, 3)
    elif style == "desk":
        base = np.array(
            rng.choice([[60, 90, 130], [40, 60, 85], [110, 130, 150], [70, 70, 70]])
        ) * rng.uniform(0.8, 1.3)
    elif style == "board":
        base = np.array(rng.choice([[40, 55, 35], [30, 30, 32], [60, 45, 30], [20, 20, 20]])) * rng.uniform(
            0.8, 1.3
        )
    else:
        base = rng.uniform(40, 200, 3)
    image = np.empty((height, width, 3), np.float32)
    image[:] = base
    if style in ("desk", "fabric"):
        coarse = rng.normal(0, 1, (max(2, height // int(rng.integers(2, 16))), max(2, width // 64)))
        grain = cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
        image *= (1.0 + rng.uniform(0.05, 0.15) * grain)[:, :, None]
    return image


def digit_alpha(rng: Rng, image28: np.ndarray, height: int) -> np.ndarray:
    """An MNIST digit as ink coverage (float32 0..1), its ink ``height`` px tall, in a random pen."""
    factor = height / 20.0  # MNIST's ink is about 20 px tall in its 28 px square
    side = max(8, int(round(28 * factor)))
    big = cv2.resize(image28.astype(np.float32) / 255.0, (side, side), interpolation=cv2.INTER_CUBIC)
    alpha = np.clip((big - 0.45) * 6.0, 0.0, 1.0)
    target = rng.choice([rng.uniform(0.03, 0.06), rng.uniform(0.08, 0.13), rng.uniform(0.15, 0.22)]) * height
    change = int(round(abs(target - 2.25 * factor) / 2.0))
    if change >= 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * change + 1, 2 * change + 1))
        thinner = target < 2.25 * factor
        changed = cv2.erode(alpha, kernel) if thinner else cv2.dilate(alpha, kernel)
        # A thin pen must not erase the digit: keep MNIST's own stroke then.
        if not thinner or (changed > 0.5).sum() > 0.3 * (alpha > 0.5).sum():
            alpha = changed
    angle = rng.uniform(-12, 12)
    turn = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
    alpha = cv2.warpAffine(alpha, turn, (side, side))
    return cv2.GaussianBlur(alpha, (0, 0), 0.6)


def write_digits(rng: Rng, canvas: np.ndarray, digits: np.ndarray) -> List[Box]:
    """One to three MNIST digits written side by side in an ink that shows; their boxes."""
    height, width = canvas.shape[:2]
    count = int(rng.choice([1, 1, 2, 3]))
    digit_h = int(rng.uniform(0.06, 0.5) * height)
    gap = int(digit_h * rng.uniform(0.15, 0.5))
    span = count * digit_h + (count - 1) * gap
    if span >= width * 0.9:
        count, span = 1, digit_h
    left = int(rng.uniform(0.05 * width, 0.95 * width - span))
    top = int(rng.uniform(0.05 * height, 0.95 * height - digit_h))
    ink = visible_colour(rng, grey_at(canvas, (left + span / 2, top + digit_h / 2)), contrast=90)
    boxes: List[Box] = []
    for index in range(count):
        alpha = digit_alpha(rng, digits[int(rng.integers(0, len(digits)))], digit_h)
        side = alpha.shape[0]
        x0 = left + index * (digit_h + gap) - int(side * 4 / 28)
        y0 = top - int(side * 4 / 28)
        layer = np.zeros(canvas.shape[:2], np.float32)
        xa, ya = max(0, x0), max(0, y0)
        xb, yb = min(width, x0 + side), min(height, y0 + side)
        layer[ya:yb, xa:xb] = alpha[ya - y0 : yb - y0, xa - x0 : xb - x0]
        points = cv2.findNonZero((layer > 0.35).astype(np.uint8))
        if points is None:
            continue
        x, y, w, h = cv2.boundingRect(points)
        if x <= 0 or y <= 0 or x + w >= width or y + h >= height:
            continue
        paint(canvas, [((layer * 255 * rng.uniform(0.85, 1.0)).astype(np.uint8), ink)])
        boxes.append((x, y, w, h))
    return boxes


def keep_clear(shape: Tuple[int, ...], boxes: Sequence[Box], grow: float = 0.35) -> np.ndarray:
    """255 over the boxes grown by ``grow`` x their height: where no non-digit may be drawn."""
    clear = np.zeros(shape[:2], np.uint8)
    for x, y, w, h in boxes:
        pad = int(grow * h) + 2
        cv2.rectangle(clear, (x - pad, y - pad), (x + w + pad, y + h + pad), 255, -1)
    return clear


def camera(rng: Rng, image: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Uneven light, focus blur, sensor noise and JPEG: a float scene as a webcam gives it."""
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * (xs / width - 0.5) + np.sin(angle) * (ys / height - 0.5)
    image = image * (1.0 - strength * rng.uniform(0.0, 0.4) * ramp)[:, :, None]
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 0.3 + 1.2 * strength))
    image += rng.normal(0, rng.uniform(0.5, 0.5 + 5.0 * strength), image.shape).astype(np.float32)
    frame = np.clip(image, 0, 255).astype(np.uint8)
    quality = int(rng.integers(int(95 - 55 * strength), 96))
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else None
    assert decoded is not None, "OpenCV could not round-trip a JPEG"
    return decoded


def drawn_frame(
    rng: Rng, kind: str, digits: np.ndarray, size: Tuple[int, int] = FRAME_SIZE
) -> Tuple[np.ndarray, List[Box], List[Box]]:
    """A plain ground with a few ``kind`` non-digits and, half the time, handwritten digits:
    the BGR uint8 frame, the digits' boxes and the non-digits' boxes."""
    canvas = ground(rng, size)
    boxes = write_digits(rng, canvas, digits) if rng.random() < 0.5 else []
    objects = draw_kind(rng, canvas, kind, keep_clear(canvas.shape, boxes), int(rng.integers(2, 6)))
    return camera(rng, canvas), boxes, objects


def drawn_into(rng: Rng, image: np.ndarray, kind: str, clear: Sequence[Box]) -> Tuple[np.ndarray, List[Box]]:
    """A camera frame (BGR uint8) with a few ``kind`` non-digits drawn into it, clear of
    ``clear``, and the non-digits' boxes."""
    canvas = image.astype(np.float32)
    objects = draw_kind(rng, canvas, kind, keep_clear(canvas.shape, clear), int(rng.integers(1, 4)))
    # The frame is already through a camera: a lighter pass makes the new objects match.
    return camera(rng, canvas, strength=0.3), objects
