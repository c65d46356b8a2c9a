"""The room behind a person at a webcam: a wall with furniture in front and things hung on
it, for the "people" family.

Bookshelves (spines with printed titles and volume numbers), a door, a window with or without
blinds, a monitor with text, a lamp, a plant, pictures, calendars and clocks: the printed
digits, long straight edges and rows of bars a real room puts behind a student.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from exercise.training.scenes import paint, printed, surfaces
from exercise.training.scenes.compose import room_light
from exercise.training.scenes.frame import FRAME_SIZE
from exercise.training.scenes.paint import FONTS, Colour, cast_shadow, paste, pick_colour, words
from exercise.training.scenes.sheets import pose

#: Walls cheap to draw (the person hides most of the wall), with their chances.
WALLS = ("paint",) * 6 + ("plaster",) * 3 + ("wood", "wood", "stripes", "wallpaper")
#: What stands in the room behind (up to three of them), and what hangs on its wall.
FURNITURE = ("bookshelf", "door", "window", "monitor", "lamp", "plant", "pictures", "pictures")
HANGINGS = ("poster", "photo", "photo", "calendar", "clock")
#: Light through a window behind the person, over the room's.
WINDOW_GLOW = (1.3, 1.7)
#: BGR palettes.
BRIGHT: Tuple[Colour, ...] = ((30, 140, 230), (200, 60, 50), (60, 170, 60), (120, 40, 170), (240, 240, 240))
BOOK_COLOURS = BRIGHT + ((40, 40, 150), (130, 60, 20), (30, 30, 30), (90, 50, 110), (170, 160, 120))
#: Black and dark wood, around pictures.
PICTURE_FRAMES: Tuple[Colour, ...] = ((20, 20, 25), (25, 35, 55), (35, 60, 95), (60, 100, 150))
SKY_COLOURS: Tuple[Colour, ...] = ((245, 235, 220), (240, 240, 240), (230, 215, 190), (250, 245, 235))

Rng = np.random.Generator
Point = Tuple[float, float]
Box = Tuple[int, int, int, int]  # x0, y0, x1, y1


def tone(colour: Sequence[float], factor: float) -> Colour:
    """``colour`` made ``factor`` times as bright (at most white)."""
    return (min(255.0, colour[0] * factor), min(255.0, colour[1] * factor), min(255.0, colour[2] * factor))


def somewhere(rng: Rng, x: Point, y: Point, w: Point, h: Point) -> Box:
    """A box (frame px) whose corner and size are drawn from ranges, as fractions of the frame."""
    width, height = FRAME_SIZE
    x0, y0 = int(rng.uniform(*x) * width), int(rng.uniform(*y) * height)
    return x0, y0, x0 + int(rng.uniform(*w) * width), y0 + int(rng.uniform(*h) * height)


def draw_room(rng: Rng, backdrop: str) -> np.ndarray:
    """The room behind the person (float32 BGR): a wall, furniture drawn in uint8 (smooth
    edges, printed titles), pictures, a calendar or clock hung on it, and the room's light."""
    wall = surfaces.wall(rng, str(rng.choice(WALLS)), FRAME_SIZE)
    room = np.clip(wall, 0, 255, out=wall).astype(np.uint8)
    if rng.random() < 0.35:
        ceiling_corner(rng, room)
    things = [str(t) for t in rng.choice(FURNITURE, int(rng.integers(1, 4)), replace=False)]
    window: Optional[Box] = None
    if backdrop == "bookshelf":
        bookshelf(rng, room, somewhere(rng, (-0.2, 0.2), (-0.2, 0.3), (0.7, 1.4), (2, 2)))
        things = [t for t in things if t in ("lamp", "plant", "monitor")]
    elif backdrop in ("window", "blinds"):
        box = somewhere(rng, (-0.1, 0.35), (-0.2, 0.15), (0.45, 0.8), (0.7, 1.0))
        window = draw_window(rng, room, box, backdrop == "blinds")
        things = [t for t in things if t != "window"]
    for thing in things:
        side = float(rng.choice([rng.uniform(-0.3, 0.05), rng.uniform(0.6, 0.9)]))
        if thing == "bookshelf":
            bookshelf(rng, room, somewhere(rng, (side, side), (-0.2, 0.3), (0.3, 0.5), (2, 2)))
        elif thing == "door":
            door(rng, room, somewhere(rng, (side, side), (-0.1, 0.3), (0.2, 0.4), (2, 2)))
        elif thing == "window":
            box = somewhere(rng, (-0.2, 0.8), (-0.2, 0.3), (0.2, 0.45), (0.4, 0.7))
            draw_window(rng, room, box, rng.random() < 0.5)
        elif thing == "monitor":
            monitor(rng, room, somewhere(rng, (side, side), (0.3, 0.75), (0.3, 0.6), (0.3, 0.5)))
        elif thing in ("lamp", "plant"):
            (lamp if thing == "lamp" else plant)(rng, room)
    canvas = room.astype(np.float32)
    for _ in range(int(rng.integers(1, 3)) if "pictures" in things or rng.random() < 0.3 else 0):
        hang(rng, canvas)
    room_light(rng, canvas, gradient=rng.uniform(0.0, 0.35), spot=rng.uniform(0.0, 0.2))
    if window is not None and backdrop == "window":
        x0, y0, x1, y1 = (max(0, v) for v in window)
        canvas *= np.float32(0.8)
        canvas[y0:y1, x0:x1] *= np.float32(rng.uniform(*WINDOW_GLOW) / 0.8)
    return canvas


def ceiling_corner(rng: Rng, room: np.ndarray) -> None:
    """Where wall meets ceiling near the top, and sometimes where two walls meet (darker beyond)."""
    width, height = FRAME_SIZE
    if rng.random() < 0.6:
        corner = int(rng.uniform(0.05, 0.95) * width)
        room[:, corner:] = cv2.convertScaleAbs(room[:, corner:], alpha=rng.uniform(0.75, 0.9))
    left, right = rng.uniform(-0.05, 0.15, 2) * height
    ceiling = surfaces.pick(rng, ((240, 240, 240), (225, 230, 232), (205, 210, 215)))
    edge = np.array([[0, 0], [width, 0], [width, right], [0, left]], np.int32)
    cv2.fillPoly(room, [edge], ceiling, cv2.LINE_AA)


def bookshelf(rng: Rng, room: np.ndarray, box: Box) -> None:
    """Shelves of books: upright spines of all colours, many with printed titles or volume
    numbers (small printed digits), between wooden boards."""
    x0, y0, x1, y1 = box[0], box[1], box[2], min(box[3], FRAME_SIZE[1])
    wood = pick_colour(rng, surfaces.WOOD_COLOURS)
    cv2.rectangle(room, (x0, y0), (x1, y1), tone(wood, 0.35), -1)
    shelf = int(rng.uniform(0.16, 0.3) * FRAME_SIZE[1])
    board, side = int(rng.integers(5, 13)), int(rng.integers(6, 16))
    for top in range(y0, y1, shelf):
        fill_books(rng, room, (x0 + side, top + board, x1 - side, top + shelf))
        cv2.rectangle(room, (x0, top), (x1, top + board), wood, -1)
        cv2.line(room, (x0, top + board), (x1, top + board), tone(wood, 0.6), 1)
    for x in (x0, x1 - side):
        cv2.rectangle(room, (x, y0), (x + side, y1), tone(wood, 0.9), -1)


def fill_books(rng: Rng, room: np.ndarray, box: Box) -> None:
    """Books standing on one shelf, left to right, sometimes a gap; on many a printed title
    along the spine or a volume number (drawn all at once: a shelf holds dozens of books)."""
    left, top, right, bottom = box
    frame_h, frame_w = room.shape[:2]
    span = bottom - top
    count = int((right - left) / (0.06 * span + 3)) + 1
    widths = (rng.uniform(0.06, 0.2, count) * span).astype(int) + 3
    tall = (span * rng.uniform(0.55, 0.97, count)).astype(int)
    colours = np.asarray(BOOK_COLOURS)[rng.integers(0, len(BOOK_COLOURS), count)]
    colours = colours + rng.uniform(-25, 25, (count, 3))
    labels = np.where(colours.sum(axis=1) < 360, 235.0, 30.0)
    picks, x = rng.random(count), left
    for index, (w, h, colour) in enumerate(zip(widths.tolist(), tall.tolist(), colours.tolist())):
        end, pick = min(x + w, right), picks[index]
        if x >= min(right, frame_w):
            break
        if pick < 0.95:  # else a gap
            cv2.rectangle(room, (x, bottom - h), (end - 1, bottom), colour, -1)
            cv2.line(room, (end - 1, bottom - h), (end - 1, bottom), (20.0, 20.0, 20.0), 1)
        label, number = (float(labels[index]),) * 3, str(index % 12 + 1)
        if pick < 0.3 and w >= 9 and x >= 0 and end <= frame_w and h <= bottom <= frame_h:
            # A title along the spine: printed across a patch, turned upright.
            spine = np.empty((w, h, 3), np.uint8)
            cv2.rectangle(spine, (0, 0), (h, w), colour, -1)
            text = words(rng, 2).upper() if pick < 0.2 else f"VOL {number}"
            scale = min(0.5 * w / 22, 0.8 * h / max(1, cv2.getTextSize(text, FONTS[0], 1.0, 1)[0][0]))
            cv2.putText(spine, text, (int(0.08 * h), int(0.72 * w)), FONTS[0], scale, label, 1, cv2.LINE_AA)
            room[bottom - h : bottom, x:end] = cv2.rotate(spine, cv2.ROTATE_90_CLOCKWISE)[:, : end - x]
        elif pick < 0.5 and w >= 8:
            origin = (x + 2, bottom - int(0.25 * h))
            cv2.putText(room, number, origin, FONTS[0], w / 40, label, 1, cv2.LINE_AA)
        x = end


def door(rng: Rng, room: np.ndarray, box: Box) -> None:
    """A door in its casing, with panels and a handle: long straight edges and a round knob."""
    x0, top, x1, bottom = box
    w, casing = x1 - x0, int(rng.integers(6, 18))
    panel = surfaces.pick(rng, ((235, 238, 240), (200, 205, 210), (60, 100, 150), (90, 140, 190)))
    cv2.rectangle(room, (x0 - casing, top - casing), (x1 + casing, bottom), tone(panel, 1.05), -1)
    cv2.rectangle(room, (x0 - casing, top - casing), (x1 + casing, bottom), tone(panel, 0.7), 1)
    cv2.rectangle(room, (x0, top), (x1, bottom), panel, -1)
    inset, middle = int(0.12 * w), top + int(0.45 * (FRAME_SIZE[1] - top))
    for y0, y1 in ((top + inset, middle - inset), (middle + inset, bottom)):
        cv2.rectangle(room, (x0 + inset, y0), (x1 - inset, y1), tone(panel, 0.8), 2, cv2.LINE_AA)
    side = 1 if rng.random() < 0.5 else -1
    knob = ((x1 - int(0.1 * w)) if side > 0 else x0 + int(0.1 * w), middle)
    metal = surfaces.pick(rng, ((170, 170, 175), (60, 140, 180), (40, 40, 40)))
    cv2.circle(room, knob, max(3, int(0.04 * w)), metal, -1, cv2.LINE_AA)
    lever = (knob[0] - side * int(0.15 * w), knob[1])
    cv2.line(room, knob, lever, metal, max(2, int(0.025 * w)), cv2.LINE_AA)


def draw_window(rng: Rng, room: np.ndarray, box: Box, blinds: bool) -> Box:
    """A window: sky or a blurred view, bars, and maybe blinds (many parallel slats, some
    pulled up). Returns the box of its glass."""
    x0, y0, x1, y1 = box
    height, width = room.shape[:2]
    frame = surfaces.pick(rng, ((240, 240, 240), (40, 40, 40), (60, 100, 140)))
    cv2.rectangle(room, (x0, y0), (x1, y1), frame, -1)
    bar = int(rng.integers(5, 16))
    gx0, gy0, gx1, gy1 = max(0, x0 + bar), max(0, y0 + bar), min(width, x1 - bar), min(height, y1 - bar)
    if gx1 - gx0 < 8 or gy1 - gy0 < 8:
        return box
    if rng.random() < 0.5:  # a view out, washed out by the light (drawn small: it is blurred)
        size = (gx1 - gx0, gy1 - gy0)
        view = printed.photo_content(rng, (max(8, size[0] // 4), max(8, size[1] // 4)))
        room[gy0:gy1, gx0:gx1] = np.maximum(cv2.resize(view, size, interpolation=cv2.INTER_LINEAR), 170)
    else:
        cv2.rectangle(room, (gx0, gy0), (gx1, gy1), pick_colour(rng, SKY_COLOURS), -1)
    if rng.random() < 0.6:
        cv2.line(room, ((x0 + x1) // 2, y0), ((x0 + x1) // 2, y1), frame, bar)
    if blinds:
        slat = surfaces.pick(rng, ((235, 240, 240), (200, 215, 225), (170, 175, 180), (120, 150, 180)))
        across = rng.random() < 0.75  # horizontal slats pulled down part way, or vertical ones
        down = gy0 + int((gy1 - gy0) * rng.uniform(0.4, 1.0)) if across else gy1
        cv2.rectangle(room, (gx0, gy0), (gx1, down), slat, -1)
        period = int(rng.integers(5, 14) if across else rng.integers(14, 30))
        for k in range(gy0 if across else gx0, down if across else gx1, period):
            ends = ((gx0, k), (gx1, k)) if across else ((k, gy0), (k, gy1))
            cv2.line(room, ends[0], ends[1], tone(slat, 0.6), 1 if across else 2)
    return gx0, gy0, gx1, gy1


def monitor(rng: Rng, room: np.ndarray, box: Box) -> None:
    """A monitor or TV behind, at one side: a dark bezel, a lit screen of text and numbers."""
    x0, y0, x1, _ = box
    y1, bezel = y0 + int((x1 - x0) * rng.uniform(0.55, 0.65)), int(rng.integers(5, 16))
    cv2.rectangle(room, (x0, y0), (x1, y1), surfaces.pick(rng, ((25, 25, 25), (50, 50, 52))), -1)
    screen = surfaces.pick(rng, ((245, 245, 245), (60, 35, 25), (200, 150, 90), (35, 35, 35)))
    cv2.rectangle(room, (x0 + bezel, y0 + bezel), (x1 - bezel, y1 - bezel), screen, -1)
    ink, line = (30.0,) * 3 if sum(screen) > 384 else (220.0,) * 3, int(rng.integers(10, 20))
    for row, y in enumerate(range(y0 + bezel + line, y1 - bezel - 4, line)):
        text = words(rng, 5) if rng.random() < 0.7 else f"{row + 1}  x = {int(rng.integers(0, 999))}"
        cv2.putText(room, text, (x0 + bezel + 6, y), FONTS[0], line / 34, ink, 1, cv2.LINE_AA)


def lamp(rng: Rng, room: np.ndarray) -> None:
    """A standing or desk lamp: a bright shade on a thin stand."""
    width, height = FRAME_SIZE
    x, y = rng.uniform(0.02, 0.98) * width, rng.uniform(0.1, 0.5) * height
    top, bottom, tall = rng.uniform(0.03, 0.06) * width, rng.uniform(0.06, 0.1) * width, 0.12 * height
    shade = surfaces.pick(rng, ((215, 240, 250), (235, 240, 245), (170, 210, 235)))
    cv2.line(room, (int(x), int(y + tall)), (int(x), height), (45.0, 45.0, 50.0), 5, cv2.LINE_AA)
    outline = np.array([[x - top, y], [x + top, y], [x + bottom, y + tall], [x - bottom, y + tall]], np.int32)
    cv2.fillPoly(room, [outline], shade, cv2.LINE_AA)


def plant(rng: Rng, room: np.ndarray) -> None:
    """A pot plant: a pot and dark leaves (ellipses) on stems."""
    width, height = FRAME_SIZE
    x, y = rng.uniform(0.02, 0.98) * width, rng.uniform(0.55, 0.95) * height
    size = rng.uniform(0.06, 0.14) * height
    pot = surfaces.pick(rng, ((60, 90, 170), (230, 230, 230), (50, 50, 55), (120, 160, 190)))
    body = np.array([[-0.6, 0], [0.6, 0], [0.45, 1], [-0.45, 1]]) * size + (x, y)
    cv2.fillPoly(room, [body.astype(np.int32)], pot, cv2.LINE_AA)
    for _ in range(int(rng.integers(8, 20))):
        angle, reach = rng.uniform(np.pi * 1.05, np.pi * 1.95), size * rng.uniform(0.6, 1.8)
        tip = (int(x + np.cos(angle) * reach), int(y + np.sin(angle) * reach))
        green = (rng.uniform(20, 60), rng.uniform(70, 130), rng.uniform(20, 60))
        cv2.line(room, (int(x), int(y)), tip, tone(green, 0.7), 1, cv2.LINE_AA)
        axes = (max(2, int(size * rng.uniform(0.2, 0.4))), max(1, int(size * rng.uniform(0.07, 0.15))))
        cv2.ellipse(room, tip, axes, float(np.degrees(angle)), 0, 360, green, -1, cv2.LINE_AA)


def hang(rng: Rng, canvas: np.ndarray) -> None:
    """A framed poster or photo, a calendar or a clock on the wall: printed words and digits."""
    width, height = FRAME_SIZE
    kind = str(rng.choice(HANGINGS))
    cm_w, cm_h = printed.PRINTED_CM[kind]
    px_per_cm = rng.uniform(0.2, 0.45) * height / max(cm_w, cm_h)
    size = (max(16, int(cm_w * px_per_cm)), max(16, int(cm_h * px_per_cm)))
    flat = printed.PRINTED[kind](rng, size)
    if kind in ("poster", "photo") and rng.random() < 0.7:
        thickness = max(2, int(min(size) * rng.uniform(0.03, 0.08)))
        cv2.rectangle(
            flat, (0, 0), (size[0] - 1, size[1] - 1), (*pick_colour(rng, PICTURE_FRAMES), 1.0), thickness
        )
    centre = (rng.uniform(-0.05, 1.05) * width, rng.uniform(0.0, 0.6) * height)
    homography = pose(size, centre, 1.0, rng.uniform(-3, 3), rng.uniform(-15, 15), rng.uniform(-8, 8))
    layer = paint.warp_flat(flat, homography, FRAME_SIZE)
    if layer is not None:
        cast_shadow(canvas, layer, (rng.uniform(-3, 3), rng.uniform(1, 4)), 3.0, 0.25)
        paste(canvas, layer)
