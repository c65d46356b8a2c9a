"""Things on a desk: pens, pencils, cables, mugs, phones, coins, clips, erasers, business
cards, tape. Straight ones are drawn flat along x (to be turned by a pose), cables straight
into the frame as curves.

Long straight things are what a digit finder most often reads as a "1"; round ones as a
"0"; their printed parts (a pen's brand, a card's phone number) as anything.
"""

from __future__ import annotations

from typing import List, Tuple

import cv2
import numpy as np

from exercise.training.scenes.paint import Colour, Layer, grey3, tinted
from exercise.training.scenes.printed import INK_BLACK, as_flat, colour_of, text_fitting, write

PEN_BODIES: Tuple[Colour, ...] = (
    (30, 30, 30),
    (160, 80, 20),
    (40, 40, 180),
    (240, 240, 240),
    (40, 140, 40),
    (150, 150, 155),
    (20, 120, 220),
    (130, 40, 120),
)
PENCIL_BODIES: Tuple[Colour, ...] = (
    (30, 190, 240),
    (40, 40, 170),
    (60, 120, 40),
    (140, 80, 30),
    (30, 30, 30),
)
WOOD = (140, 190, 225)
GRAPHITE = (60, 60, 65)
CABLE_COLOURS: Tuple[Colour, ...] = (
    (25, 25, 25),
    (235, 235, 235),
    (120, 120, 120),
    (40, 40, 40),
    (60, 90, 160),
)
#: Real sizes, cm.
PEN_LENGTH = (13.0, 15.0)
PEN_WIDTH = (0.9, 1.3)
PENCIL_LENGTH = (8.0, 19.0)
PENCIL_WIDTH = 0.75


def cylinder_shade(width: int, facets: int = 0) -> np.ndarray:
    """Shading across a round (or, with ``facets``, a many-sided) body: (width,) float32."""
    across = (np.arange(width, dtype=np.float32) + 0.5) / max(1, width) * 2 - 1
    if facets:
        across = np.round(across * facets / 2) / (facets / 2)
    light = (
        0.55 + 0.45 * np.sqrt(np.clip(1 - across**2, 0, 1)) + 0.25 * np.exp(-((across + 0.35) ** 2) / 0.02)
    )
    return light.astype(np.float32)


def body_picture(length: int, width: int, colour: Colour, facets: int = 0) -> np.ndarray:
    """A straight body (rows across, columns along) as float32 BGR."""
    shade = np.repeat(cylinder_shade(width, facets)[:, None], length, axis=1)
    return tinted(shade, colour)


def pen(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    """A ballpoint or felt pen lying along x: cap with clip at one end, tip at the other."""
    length = max(12, int(rng.uniform(*PEN_LENGTH) * px_per_cm))
    width = max(3, int(rng.uniform(*PEN_WIDTH) * px_per_cm))
    colour = colour_of(rng, PEN_BODIES)
    picture = body_picture(length, width, colour)
    alpha = np.zeros((width, length), np.uint8)
    cone = max(2, int(width * 1.6))
    cv2.rectangle(alpha, (cone, 0), (length - width // 2, width - 1), 255, -1)
    cv2.circle(alpha, (length - width // 2 - 1, width // 2), width // 2, 255, -1, cv2.LINE_AA)
    cv2.fillConvexPoly(
        alpha, np.array([[0, width // 2], [cone, 0], [cone, width - 1]], np.int32), 255, cv2.LINE_AA
    )
    # The grey tip cone, the cap's band and its clip.
    picture[:, :cone] *= np.float32(0.6)
    cap = int(length * rng.uniform(0.25, 0.4))
    cv2.line(picture, (length - cap, 0), (length - cap, width), (60.0, 60.0, 60.0), max(1, width // 6))
    clip_y = max(1, width // 4)
    cv2.line(
        picture,
        (length - cap + width, clip_y),
        (length - width, clip_y),
        (200.0, 200.0, 205.0),
        max(1, width // 4),
        cv2.LINE_AA,
    )
    return as_flat_float(picture, alpha)


def pencil(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    """A hexagonal pencil along x: sharpened wood and graphite at one end, ferrule and eraser
    at the other."""
    length = max(12, int(rng.uniform(*PENCIL_LENGTH) * px_per_cm))
    width = max(3, int(PENCIL_WIDTH * px_per_cm * rng.uniform(0.9, 1.1)))
    picture = body_picture(length, width, colour_of(rng, PENCIL_BODIES), facets=3)
    alpha = np.full((width, length), 255, np.uint8)
    cone = max(3, int(2.0 * px_per_cm))
    alpha[:, :cone] = 0
    cv2.fillConvexPoly(
        alpha, np.array([[0, width // 2], [cone, 0], [cone, width - 1]], np.int32), 255, cv2.LINE_AA
    )
    picture[:, :cone] = body_picture(cone, width, WOOD)
    graphite = max(2, cone // 3)
    picture[:, :graphite] = body_picture(graphite, width, GRAPHITE)
    if rng.random() < 0.7:
        ferrule = max(2, int(0.8 * px_per_cm))
        picture[:, length - 2 * ferrule : length - ferrule] = body_picture(
            ferrule, width, (170, 175, 180), facets=0
        )
        picture[:, length - ferrule :] = body_picture(ferrule, width, (150, 140, 230))
    return as_flat_float(picture, alpha)


def as_flat_float(picture: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """float32 BGR + uint8 alpha -> float32 BGRA."""
    b, g, r = cv2.split(picture)
    return cv2.merge([b, g, r, alpha.astype(np.float32) / 255])


def cable(
    rng: np.random.Generator,
    size: Tuple[int, int],
    start: Tuple[float, float],
    end: Tuple[float, float],
    thickness: float,
) -> Layer:
    """A cable lying from ``start`` to ``end`` (frame px), sagging into a curve, with a sheen."""
    width, height = size
    bend = rng.uniform(-0.5, 0.5, (2, 2)) * np.hypot(end[0] - start[0], end[1] - start[1])
    control = [
        np.asarray(start),
        np.asarray(start) * 2 / 3 + np.asarray(end) / 3 + bend[0],
        np.asarray(start) / 3 + np.asarray(end) * 2 / 3 + bend[1],
        np.asarray(end),
    ]
    t = np.linspace(0, 1, 60)[:, None]
    curve = (
        (1 - t) ** 3 * control[0]
        + 3 * (1 - t) ** 2 * t * control[1]
        + 3 * (1 - t) * t**2 * control[2]
        + t**3 * control[3]
    )
    pad = int(thickness) + 4
    x0, y0 = int(max(-pad, curve[:, 0].min() - pad)), int(max(-pad, curve[:, 1].min() - pad))
    x1, y1 = int(min(width + pad, curve[:, 0].max() + pad)), int(min(height + pad, curve[:, 1].max() + pad))
    shape = (max(1, y1 - y0), max(1, x1 - x0))
    points = np.round((curve - [x0, y0]) * 8).astype(np.int32)
    body = np.zeros(shape, np.uint8)
    cv2.polylines(body, [points], False, 255, max(1, int(round(thickness))), cv2.LINE_AA, 3)
    sheen = np.zeros(shape, np.uint8)
    offset = np.round(np.array([-0.2, -0.2]) * thickness * 8).astype(np.int32)
    cv2.polylines(sheen, [points + offset], False, 255, max(1, int(thickness / 4)), cv2.LINE_AA, 3)
    colour = colour_of(rng, CABLE_COLOURS)
    alpha = body.astype(np.float32) / 255
    shine = cv2.GaussianBlur(sheen.astype(np.float32) / 255, (0, 0), max(0.6, thickness / 8)) * alpha
    premultiplied = tinted(alpha, colour) * grey3(1 - 0.5 * shine) + tinted(
        shine, (255, 255, 255)
    ) * np.float32(0.5)
    return Layer(x0, y0, premultiplied.astype(np.float32), alpha)


def mug(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    """A mug from above: a ring of glaze around dark coffee, and its handle."""
    radius = max(6, int(4.2 * px_per_cm))
    side = radius * 2 + int(3.5 * px_per_cm) + 4
    picture = np.zeros((side, side, 3), np.uint8)
    alpha = np.zeros((side, side), np.uint8)
    centre = (radius + 2, side // 2)
    glaze = colour_of(rng, ((235, 235, 235), (60, 60, 160), (150, 100, 40), (40, 40, 40), (90, 180, 220)))
    handle_end = (centre[0] + radius + int(2.5 * px_per_cm), centre[1])
    cv2.ellipse(
        alpha,
        handle_end,
        (int(1.6 * px_per_cm), int(1.8 * px_per_cm)),
        0,
        -90,
        90,
        255,
        max(2, int(0.8 * px_per_cm)),
        cv2.LINE_AA,
    )
    cv2.ellipse(
        picture,
        handle_end,
        (int(1.6 * px_per_cm), int(1.8 * px_per_cm)),
        0,
        -90,
        90,
        glaze,
        max(2, int(0.8 * px_per_cm)),
        cv2.LINE_AA,
    )
    cv2.circle(alpha, centre, radius, 255, -1, cv2.LINE_AA)
    cv2.circle(picture, centre, radius, glaze, -1, cv2.LINE_AA)
    inner = colour_of(rng, ((30, 50, 70), (20, 30, 45), (200, 220, 230), (60, 90, 120)))
    cv2.circle(picture, centre, int(radius * 0.82), inner, -1, cv2.LINE_AA)
    return as_flat(picture, alpha)


def phone(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    """A phone, screen up: dark and blank, or lit with a grid of app icons and the time."""
    width, height = max(8, int(7.2 * px_per_cm)), max(16, int(15.0 * px_per_cm))
    picture = np.full((height, width, 3), (25, 25, 28), np.uint8)
    alpha = np.zeros((height, width), np.uint8)
    radius = max(2, int(0.9 * px_per_cm))
    cv2.rectangle(alpha, (radius, 0), (width - 1 - radius, height - 1), 255, -1)
    cv2.rectangle(alpha, (0, radius), (width - 1, height - 1 - radius), 255, -1)
    for corner in (
        (radius, radius),
        (width - 1 - radius, radius),
        (radius, height - 1 - radius),
        (width - 1 - radius, height - 1 - radius),
    ):
        cv2.circle(alpha, corner, radius, 255, -1, cv2.LINE_AA)
    if rng.random() < 0.5:
        border = max(1, int(0.35 * px_per_cm))
        screen = picture[border * 2 : height - border * 2, border : width - border]
        screen[:] = colour_of(rng, ((120, 80, 40), (200, 150, 90), (60, 40, 30), (170, 120, 200)))
        icon = max(2, screen.shape[1] // 6)
        for row in range(2, 7):
            for col in range(4):
                x, y = int((col + 0.5) * screen.shape[1] / 4 - icon / 2), int(row * icon * 1.8)
                cv2.rectangle(
                    screen,
                    (x, y),
                    (x + icon, y + icon),
                    colour_of(
                        rng, ((40, 40, 200), (60, 200, 60), (220, 160, 40), (240, 240, 240), (40, 180, 240))
                    ),
                    -1,
                )
        time_text = f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}"
        write(
            screen,
            time_text,
            (int(screen.shape[1] * 0.2), int(icon * 2.2)),
            cv2.FONT_HERSHEY_SIMPLEX,
            text_fitting(time_text, cv2.FONT_HERSHEY_SIMPLEX, screen.shape[1] * 0.6),
            (250, 250, 250),
        )
    return as_flat(picture, alpha)


def coin(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    radius = max(3, int(rng.uniform(0.8, 1.3) * px_per_cm))
    side = 2 * radius + 2
    metal = colour_of(rng, ((90, 140, 180), (160, 165, 170), (60, 110, 170)))
    picture = np.full((side, side, 3), metal, np.uint8)
    alpha = np.zeros((side, side), np.uint8)
    cv2.circle(alpha, (radius, radius), radius, 255, -1, cv2.LINE_AA)
    cv2.circle(
        picture,
        (radius, radius),
        int(radius * 0.8),
        tuple(int(c * 0.8) for c in metal),
        max(1, radius // 8),
        cv2.LINE_AA,
    )
    return as_flat(picture, alpha)


def paper_clip(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    length, width = max(8, int(3.2 * px_per_cm)), max(4, int(0.9 * px_per_cm))
    picture = np.full(
        (width + 2, length + 2, 3), colour_of(rng, ((180, 180, 185), (40, 40, 200), (200, 120, 40))), np.uint8
    )
    alpha = np.zeros((width + 2, length + 2), np.uint8)
    thick = max(1, int(0.1 * px_per_cm))
    cv2.ellipse(
        alpha,
        (length // 2 + 1, width // 2 + 1),
        (length // 2, width // 2),
        0,
        0,
        360,
        255,
        thick,
        cv2.LINE_AA,
    )
    cv2.ellipse(
        alpha,
        (length // 2 + 1, width // 2 + 1),
        (length // 3, width // 4),
        0,
        0,
        360,
        255,
        thick,
        cv2.LINE_AA,
    )
    return as_flat(picture, alpha)


def eraser(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    width, height = max(6, int(5.0 * px_per_cm)), max(4, int(2.0 * px_per_cm))
    picture = np.full(
        (height, width, 3), colour_of(rng, ((230, 230, 235), (170, 150, 240), (80, 160, 240))), np.uint8
    )
    if rng.random() < 0.6:  # the paper sleeve
        picture[:, width // 3 :] = colour_of(rng, ((200, 120, 40), (40, 40, 180), (60, 160, 60)))
    return as_flat(picture)


def business_card(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    """A business card: a name, a title and a printed phone number."""
    width, height = max(16, int(8.5 * px_per_cm)), max(10, int(5.5 * px_per_cm))
    picture = np.full(
        (height, width, 3), colour_of(rng, ((240, 240, 240), (225, 235, 240), (60, 60, 60))), np.uint8
    )
    ink = (240, 240, 240) if picture[0, 0, 0] < 100 else INK_BLACK
    font = cv2.FONT_HERSHEY_DUPLEX if rng.random() < 0.5 else cv2.FONT_HERSHEY_SIMPLEX
    write(
        picture,
        "A. ROBOT",
        (int(width * 0.08), int(height * 0.3)),
        font,
        text_fitting("A. ROBOT", font, width * 0.5),
        ink,
        1,
    )
    number = "+" + " ".join(str(int(rng.integers(10, 999))) for _ in range(3))
    write(
        picture,
        number,
        (int(width * 0.08), int(height * 0.75)),
        font,
        text_fitting(number, font, width * 0.6),
        ink,
        1,
    )
    return as_flat(picture)


def tape(rng: np.random.Generator, px_per_cm: float) -> np.ndarray:
    """A strip of tape: see-through, a little yellowed or coloured, with torn ends."""
    length, width = max(6, int(rng.uniform(3, 8) * px_per_cm)), max(4, int(rng.uniform(1.2, 2.5) * px_per_cm))
    colour = colour_of(rng, ((200, 235, 245), (235, 235, 235), (120, 200, 240), (200, 140, 230)))
    picture = np.full((width, length, 3), colour, np.uint8)
    alpha = np.full((width, length), int(rng.uniform(70, 150)), np.uint8)
    tear: List[List[int]] = [[0, y] for y in range(0, width, max(1, width // 5))]
    for index, point in enumerate(tear):
        point[0] = int(rng.integers(0, max(1, length // 20) + 1)) if index % 2 else 0
    cv2.fillPoly(alpha, [np.array(tear + [[0, width]], np.int32)], 0)
    return as_flat(picture, alpha)
