"""Printed things that carry printed digits and letters: calendars, clocks, keyboards, book
pages, receipts, posters, photos, rulers.

Each is drawn flat in uint8 (OpenCV prints text on uint8 pictures only) and returned as a
float32 BGRA picture (alpha: its outline) for :func:`.paint.warp_flat`. None of them is a
handwritten digit: a finder that reads one invents a digit.
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple

import cv2
import numpy as np

from exercise.training.scenes.paint import FONTS, SCRIPT_FONTS, WORDS, Colour

INK_BLACK = (25, 25, 25)
PRINT_RED = (40, 40, 200)
MONTHS = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER")
WEEKDAYS = ("M", "T", "W", "T", "F", "S", "S")
KEY_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
POSTER_COLOURS: Tuple[Colour, ...] = (
    (40, 40, 200),
    (200, 120, 30),
    (30, 160, 230),
    (60, 160, 60),
    (150, 50, 130),
    (30, 30, 30),
    (230, 230, 230),
    (50, 200, 240),
    (180, 180, 60),
)


def as_flat(picture: np.ndarray, alpha: Optional[np.ndarray] = None) -> np.ndarray:
    """uint8 BGR (and optional uint8 alpha) -> float32 BGRA with alpha 0..1."""
    flat = cv2.cvtColor(picture.astype(np.float32), cv2.COLOR_BGR2BGRA)
    if alpha is not None:
        flat[:, :, 3] = alpha.astype(np.float32) / 255
    return flat


def colour_of(rng: np.random.Generator, palette: Tuple[Colour, ...]) -> Tuple[int, int, int]:
    base = palette[int(rng.integers(0, len(palette)))]
    return int(base[0]), int(base[1]), int(base[2])


def text_fitting(text: str, font: int, width: float, thickness: int = 1) -> float:
    """The font scale at which ``text`` is ``width`` px wide."""
    (w, _), _ = cv2.getTextSize(text, font, 1.0, thickness)
    return width / max(1, w)


def write(
    picture: np.ndarray,
    text: str,
    origin: Tuple[int, int],
    font: int,
    scale: float,
    colour: Colour,
    thickness: int = 1,
) -> None:
    cv2.putText(picture, text, origin, font, scale, colour, thickness, cv2.LINE_AA)


def paper(size: Tuple[int, int], tone: int) -> np.ndarray:
    width, height = size
    return np.full((height, width, 3), tone, np.uint8)


def calendar(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A wall or desk calendar page: a picture above, the month's numbered grid below."""
    width, height = size
    picture = paper(size, int(rng.integers(225, 250)))
    top = int(height * rng.uniform(0.3, 0.5))
    picture[:top] = photo_content(rng, (width, top))
    font = FONTS[int(rng.integers(0, len(FONTS)))]
    month = str(rng.choice(MONTHS))
    header_h = max(8, int(height * 0.08))
    write(
        picture,
        month,
        (int(width * 0.05), top + header_h),
        font,
        text_fitting(month, font, width * 0.45),
        INK_BLACK,
        1,
    )
    rows, cols = 6, 7
    grid_top = top + int(header_h * 1.5)
    cell_w, cell_h = width / cols, (height - grid_top) / rows
    scale = text_fitting("30", font, cell_w * 0.45)
    first = int(rng.integers(0, 7))
    for index in range(cols):
        write(
            picture,
            WEEKDAYS[index],
            (int(index * cell_w + cell_w * 0.3), grid_top - 2),
            font,
            scale * 0.7,
            INK_BLACK,
        )
    for day in range(1, int(rng.integers(28, 32))):
        slot = first + day - 1
        row, col = slot // cols, slot % cols
        if row >= rows:
            break
        x, y = int(col * cell_w), int(grid_top + row * cell_h)
        cv2.rectangle(picture, (x, y), (int(x + cell_w), int(y + cell_h)), (160, 160, 160), 1)
        colour = PRINT_RED if col == 6 else INK_BLACK
        write(picture, str(day), (x + 3, int(y + cell_h * 0.55)), font, scale, colour)
    return as_flat(picture)


def clock(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A round wall clock: rim, ticks, printed hour numbers and two hands."""
    width, height = size
    side = min(width, height)
    face = int(rng.integers(215, 250))
    picture = np.full((side, side, 3), face, np.uint8)
    centre, radius = (side // 2, side // 2), side // 2 - 1
    rim = colour_of(rng, ((20, 20, 20), (180, 180, 185), (40, 40, 150), (120, 80, 40)))
    alpha = np.zeros((side, side), np.uint8)
    cv2.circle(alpha, centre, radius, 255, -1, cv2.LINE_AA)
    cv2.circle(picture, centre, radius - max(1, side // 40), rim, max(2, side // 18), cv2.LINE_AA)
    font = FONTS[int(rng.integers(0, len(FONTS)))]
    every = int(rng.choice([1, 1, 3]))
    scale = text_fitting("12", font, side * 0.13)
    for hour in range(1, 13):
        angle = np.deg2rad(hour * 30 - 90)
        inner = radius * 0.78
        tick = (int(centre[0] + np.cos(angle) * radius * 0.9), int(centre[1] + np.sin(angle) * radius * 0.9))
        cv2.circle(picture, tick, max(1, side // 80), INK_BLACK, -1, cv2.LINE_AA)
        if hour % every == 0:
            (w, h), _ = cv2.getTextSize(str(hour), font, scale, 1)
            origin = (
                int(centre[0] + np.cos(angle) * inner - w / 2),
                int(centre[1] + np.sin(angle) * inner + h / 2),
            )
            write(picture, str(hour), origin, font, scale, INK_BLACK, max(1, side // 90))
    for length, width_hand in ((0.5, max(2, side // 30)), (0.72, max(1, side // 50))):
        angle = rng.uniform(0, 2 * np.pi)
        end = (
            int(centre[0] + np.cos(angle) * radius * length),
            int(centre[1] + np.sin(angle) * radius * length),
        )
        cv2.line(picture, centre, end, INK_BLACK, width_hand, cv2.LINE_AA)
    return as_flat(picture, alpha)


def keyboard(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A keyboard seen from above: rows of keys with printed letters and the number row."""
    width, height = size
    dark = rng.random() < 0.6
    body = (35, 35, 38) if dark else (205, 205, 200)
    key = (55, 55, 58) if dark else (235, 235, 232)
    label = (225, 225, 225) if dark else (30, 30, 30)
    picture = np.full((height, width, 3), body, np.uint8)
    rows = len(KEY_ROWS) + 1
    pitch = min(width / 12.5, height / (rows + 0.4))
    font = FONTS[int(rng.integers(0, 3))]
    scale = text_fitting("W", font, pitch * 0.35)
    for row, keys in enumerate(KEY_ROWS):
        y = int(pitch * 0.2 + row * pitch)
        x_start = pitch * (0.2 + 0.5 * row)
        for index, char in enumerate(keys):
            x = int(x_start + index * pitch)
            cv2.rectangle(picture, (x, y), (int(x + pitch * 0.9), int(y + pitch * 0.9)), key, -1)
            write(picture, char, (int(x + pitch * 0.12), int(y + pitch * 0.45)), font, scale, label)
    y = int(pitch * 0.2 + len(KEY_ROWS) * pitch)
    cv2.rectangle(picture, (int(pitch * 3), y), (int(pitch * 9), int(y + pitch * 0.9)), key, -1)
    return as_flat(picture)


def book_page(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A printed page: a heading, lines of text, a page number; sometimes two facing pages."""
    width, height = size
    picture = paper(size, int(rng.integers(215, 245)))
    font = FONTS[int(rng.integers(0, len(FONTS)))]
    pages = 2 if rng.random() < 0.4 and width > height else 1
    page_w = width // pages
    line_h = max(6, int(height * rng.uniform(0.03, 0.05)))
    scale = line_h / 30.0
    for page in range(pages):
        left = page * page_w + int(page_w * 0.08)
        y = int(height * 0.1)
        if rng.random() < 0.5:
            heading = f"{int(rng.integers(1, 20))}. " + " ".join(str(w) for w in rng.choice(WORDS, 2)).title()
            write(picture, heading, (left, y + line_h), font, scale * 1.6, INK_BLACK, max(1, line_h // 10))
            y += int(line_h * 2.5)
        while y < height * 0.88:
            line = " ".join(str(w) for w in rng.choice(WORDS, 12))
            write(picture, line, (left, y), font, scale, INK_BLACK)
            y += int(line_h * 1.5)
        number = str(int(rng.integers(1, 400)))
        write(picture, number, (page * page_w + page_w // 2, int(height * 0.96)), font, scale, INK_BLACK)
    if pages == 2:  # the gutter's shadow
        gutter = np.abs(np.arange(width, dtype=np.float32) - page_w) / (0.06 * width)
        shade = (0.75 + 0.25 * np.clip(gutter, 0, 1)).astype(np.float32)
        picture = (picture * shade[None, :, None]).astype(np.uint8)
    return as_flat(picture)


def receipt(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A till receipt: narrow, items and prices, a total, a date and a bar code."""
    width, height = size
    picture = paper(size, int(rng.integers(225, 248)))
    font = cv2.FONT_HERSHEY_PLAIN
    line_h = max(6, int(width * 0.07))
    scale = line_h / 14.0
    y = line_h * 2
    write(picture, "STORE " + str(int(rng.integers(10, 999))), (int(width * 0.2), y), font, scale, INK_BLACK)
    y += line_h * 2
    total = 0.0
    while y < height * 0.7:
        price = float(rng.uniform(0.5, 20))
        total += price
        item = str(rng.choice(WORDS)).upper()[:8]
        write(picture, item, (int(width * 0.06), y), font, scale, INK_BLACK)
        write(picture, f"{price:5.2f}", (int(width * 0.62), y), font, scale, INK_BLACK)
        y += int(line_h * 1.4)
    write(picture, f"TOTAL {total:6.2f}", (int(width * 0.06), y + line_h), font, scale * 1.2, INK_BLACK, 1)
    date = f"{int(rng.integers(1, 29)):02d}/{int(rng.integers(1, 13)):02d}/20{int(rng.integers(18, 27))}"
    write(picture, date, (int(width * 0.06), y + 3 * line_h), font, scale, INK_BLACK)
    bars_top = int(y + 4 * line_h)
    x = int(width * 0.1)
    while x < width * 0.9 and bars_top < height - 4:
        bar = int(rng.integers(1, 4))
        cv2.rectangle(
            picture, (x, bars_top), (x + bar - 1, min(height - 4, bars_top + 3 * line_h)), INK_BLACK, -1
        )
        x += bar + int(rng.integers(1, 4))
    return as_flat(picture)


def photo_content(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A photograph's content (uint8 BGR): sky, ground and a few soft blobs."""
    width, height = size
    sky = np.array(
        colour_of(rng, ((230, 190, 140), (240, 220, 200), (200, 170, 120), (150, 150, 160))), np.float32
    )
    ground = np.array(
        colour_of(rng, ((60, 130, 80), (80, 110, 140), (120, 150, 170), (40, 90, 50))), np.float32
    )
    horizon = rng.uniform(0.35, 0.7)
    t = np.clip((np.arange(height, dtype=np.float32) / max(1, height) - horizon) * 8 + 0.5, 0, 1)
    column = (1 - t)[:, None] * sky[None, :] + t[:, None] * ground[None, :]
    picture = np.repeat(column[:, None, :], width, axis=1).astype(np.uint8)
    for _ in range(int(rng.integers(1, 5))):
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        axes = (max(2, int(rng.uniform(0.05, 0.25) * width)), max(2, int(rng.uniform(0.05, 0.3) * height)))
        cv2.ellipse(
            picture,
            centre,
            axes,
            float(rng.uniform(0, 180)),
            0,
            360,
            colour_of(rng, POSTER_COLOURS),
            -1,
            cv2.LINE_AA,
        )
    return cv2.GaussianBlur(picture, (0, 0), max(1.0, width / 80))


def photo(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A printed photo with a white border."""
    width, height = size
    picture = paper(size, int(rng.integers(225, 250)))
    border = max(2, int(min(width, height) * rng.uniform(0.0, 0.08)))
    picture[border : height - border, border : width - border] = photo_content(
        rng, (width - 2 * border, height - 2 * border)
    )
    return as_flat(picture)


def poster(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A poster: colour blocks, a big title, smaller lines, sometimes big printed numbers."""
    width, height = size
    picture = np.full((height, width, 3), colour_of(rng, POSTER_COLOURS), np.uint8)
    if rng.random() < 0.6:
        top = int(height * rng.uniform(0.2, 0.6))
        picture[top:] = photo_content(rng, (width, height - top))
    font = FONTS[int(rng.integers(0, len(FONTS)))]
    text_colour = colour_of(rng, POSTER_COLOURS)
    title = str(rng.choice(WORDS)).upper()
    thickness = max(1, int(height * 0.015))
    write(
        picture,
        title,
        (int(width * 0.06), int(height * 0.18)),
        font,
        text_fitting(title, font, width * 0.85, thickness),
        text_colour,
        thickness,
    )
    if rng.random() < 0.6:
        number = str(rng.choice(["2024", "50%", "No 7", "3", "100", "1985", "24/7", "9.99"]))
        write(
            picture,
            number,
            (int(width * 0.1), int(height * 0.45)),
            font,
            text_fitting(number, font, width * 0.5, thickness),
            text_colour,
            thickness + 1,
        )
    small = text_fitting("the quick robot", font, width * 0.8)
    for k in range(int(rng.integers(1, 4))):
        write(
            picture,
            " ".join(str(w) for w in rng.choice(WORDS, 4)),
            (int(width * 0.06), int(height * (0.6 + 0.1 * k))),
            font,
            small,
            text_colour,
        )
    return as_flat(picture)


def ruler(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A ruler lying across: cm and mm ticks along one edge and printed numbers."""
    width, height = size
    body = colour_of(rng, ((230, 235, 240), (120, 180, 220), (200, 200, 205), (60, 160, 230)))
    picture = np.full((height, width, 3), body, np.uint8)
    cm = width / rng.uniform(15, 31)
    font = FONTS[int(rng.integers(0, 3))]
    scale = text_fitting("10", font, cm * 0.6)
    for k in range(int(width / (cm / 10)) + 1):
        x = int(k * cm / 10)
        long = k % 10 == 0
        cv2.line(
            picture,
            (x, 0),
            (x, int(height * (0.45 if long else 0.25 if k % 5 == 0 else 0.18))),
            INK_BLACK,
            1,
            cv2.LINE_AA,
        )
        if long and k // 10 > 0:
            write(picture, str(k // 10), (x - int(cm * 0.2), int(height * 0.8)), font, scale, INK_BLACK)
    return as_flat(picture)


def sticky_words(rng: np.random.Generator, size: Tuple[int, int], colour: Colour) -> np.ndarray:
    """A sticky note with a few written words on it (a script font: letters, never digits)."""
    width, height = size
    picture = np.full((height, width, 3), tuple(int(c) for c in colour), np.uint8)
    font = SCRIPT_FONTS[int(rng.integers(0, len(SCRIPT_FONTS)))]
    ink = colour_of(rng, ((30, 30, 30), (140, 60, 25), (40, 40, 190)))
    line_h = height / 4
    for k in range(int(rng.integers(1, 4))):
        text = " ".join(str(w) for w in rng.choice(WORDS, 2))
        scale = min(text_fitting(text, font, width * 0.85, 2), line_h / 30)
        write(picture, text, (int(width * 0.06), int(line_h * (k + 1))), font, scale, ink, 2)
    return as_flat(picture)


PRINTED: Dict[str, Callable[[np.random.Generator, Tuple[int, int]], np.ndarray]] = {
    "calendar": calendar,
    "clock": clock,
    "keyboard": keyboard,
    "book_page": book_page,
    "receipt": receipt,
    "photo": photo,
    "poster": poster,
}
#: (width, height) in cm of each printed thing, for its size in a scene.
PRINTED_CM: Dict[str, Tuple[float, float]] = {
    "calendar": (21.0, 29.7),
    "clock": (25.0, 25.0),
    "keyboard": (44.0, 14.0),
    "book_page": (28.0, 21.0),
    "receipt": (8.0, 22.0),
    "photo": (15.0, 10.0),
    "poster": (42.0, 59.4),
}
