"""Family "room" (held out): a person in a room holds up a card or a sheet to the webcam.

The view of a laptop's or monitor's webcam: a back wall with shelves of books, a wall
calendar full of printed numbers, a clock, a window (bright, with blinds or bars), a door,
plants, a second monitor; in front of it a person (face, hair, eyes, mouth, neck, shoulders)
holding a sheet or index card, small to medium in the frame, by one or two hands, an arm
raised from below; window light from the side or from behind, a dim evening.

The held-out family: drawn by code of its own (walls, furniture, people, hands, the card
and how it is turned), sharing with the other families only the handwriting and the ink
(:mod:`.paint`), the camera model (:mod:`.optics`) and the truth rule (:mod:`.frame`), so
that tuning on the others cannot learn its look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from exercise.training.scenes.frame import FRAME_SIZE, DigitSet, SceneFrame, Written, bounding_box, settle
from exercise.training.scenes.optics import Capture, capture
from exercise.training.scenes.paint import apply_ink, handwriting, ink_outline, pick_ink

FAMILY = "room"
DIGIT_CONDITIONS: Tuple[str, ...] = (
    "card_close",
    "card_far",
    "sheet",
    "index_card",
    "calendar_behind",
    "bookshelf",
    "clock_behind",
    "monitor_behind",
    "window_light",
    "backlit",
    "tilted_card",
    "two_hands",
    "dim_evening",
    "everything",
)
EMPTY_CONDITIONS: Tuple[str, ...] = (
    "person_only",
    "blank_card",
    "hand_up",
    "calendar_behind",
    "bookshelf",
    "window",
    "monitor_behind",
    "everything",
)
DIGIT_COUNTS = (0.6, 0.28, 0.12)
#: Card's longer side and digits' height, fractions of the frame height.
CARD_SIDE = (0.22, 0.55)
CLOSE_CARD_SIDE = (0.5, 0.75)
FAR_CARD_SIDE = (0.16, 0.26)
DIGIT_SIDE = (0.08, 0.25)
DIGIT_SHARE_OF_CARD = 0.55
#: A head is 22 cm tall; a person 60-100 cm from the webcam fills this much of its height.
HEAD_HEIGHT = (0.3, 0.5)
#: Width/height of an index card and of a sheet of paper.
CARD_ASPECT = 1.67
SHEET_ASPECT = 1.41
WALL_PAINT = (
    (225, 230, 235),
    (200, 210, 215),
    (170, 200, 220),
    (215, 205, 185),
    (160, 175, 160),
    (120, 150, 190),
    (190, 180, 200),
    (110, 120, 125),
)
SKINS = ((170, 190, 230), (140, 170, 215), (115, 150, 200), (90, 125, 180), (70, 100, 150), (50, 75, 115))
HAIR = ((20, 20, 25), (30, 45, 70), (60, 90, 130), (120, 160, 200), (80, 80, 85), (15, 25, 40))
CLOTHES = (
    (40, 40, 45),
    (130, 80, 40),
    (50, 50, 140),
    (220, 220, 220),
    (60, 120, 60),
    (160, 120, 90),
    (35, 35, 100),
    (90, 160, 200),
    (120, 60, 120),
)
BOOK_SPINES = (
    (40, 40, 150),
    (130, 70, 30),
    (40, 110, 40),
    (30, 120, 200),
    (200, 200, 200),
    (30, 30, 30),
    (120, 40, 100),
    (160, 160, 60),
)
WRITING_INKS = ("marker", "marker", "felt", "felt", "ballpoint", "pencil")
#: In a dim room faint pencil drowns in the noise; people who show digits there use pens.
DIM_INKS = ("marker", "felt")
#: Anything held in front keeps this far (px) from the digits.
GRIP_CLEARANCE = 5
GRIP_TRIES = 6

Colour = Tuple[float, float, float]


@dataclass
class Room:
    """What the frame shows, set by its condition."""

    card: str = "index_card"  # "index_card", "sheet" or "" for none
    card_side: Tuple[float, float] = CARD_SIDE
    furniture: List[str] = field(default_factory=list)
    window: str = ""  # "", "side" or "behind"
    hands: int = 1
    tilt: float = 15.0
    dim: bool = False
    open_hand: bool = False


def room_for(rng: np.random.Generator, condition: str) -> Room:
    furniture = ["shelves", "calendar", "clock", "monitor", "door", "plant", "poster"]
    room = Room(card=str(rng.choice(["index_card", "index_card", "sheet"])))
    room.furniture = [str(f) for f in rng.choice(furniture, int(rng.integers(1, 4)), replace=False)]
    if rng.random() < 0.3:
        room.window = "side"
    if condition == "card_close":
        room.card_side = CLOSE_CARD_SIDE
    elif condition == "card_far":
        room.card_side = FAR_CARD_SIDE
    elif condition == "sheet":
        room.card = "sheet"
    elif condition in ("index_card", "blank_card"):
        room.card = "index_card"
    elif condition in ("calendar_behind", "bookshelf", "clock_behind", "monitor_behind"):
        room.furniture.append(
            {
                "calendar_behind": "calendar",
                "bookshelf": "shelves",
                "clock_behind": "clock",
                "monitor_behind": "monitor",
            }[condition]
        )
    elif condition in ("window_light", "window"):
        room.window = "side"
    elif condition == "backlit":
        room.window = "behind"
    elif condition == "tilted_card":
        room.tilt = 40.0
    elif condition == "two_hands":
        room.hands = 2
    elif condition == "dim_evening":
        room.dim = True
    elif condition == "person_only":
        room.card = ""
    elif condition == "hand_up":
        room.card, room.open_hand = "", True
    elif condition == "everything":
        room.furniture = furniture
        room.window = str(rng.choice(["side", "behind", ""]))
        room.tilt, room.hands, room.dim = 30.0, int(rng.integers(1, 3)), bool(rng.random() < 0.3)
    return room


def make_frame(rng: np.random.Generator, condition: str, digits: DigitSet, empty: bool) -> SceneFrame:
    width, height = FRAME_SIZE
    room = room_for(rng, condition)
    canvas = back_wall(rng)
    # Things on the wall, then the person in front of them, then what the person holds.
    head_h = rng.uniform(*HEAD_HEIGHT) * height
    head = (rng.uniform(0.3, 0.7) * width, rng.uniform(0.22, 0.42) * height)
    for thing in room.furniture:
        FURNITURE[thing](rng, canvas, head, head_h)
    window = np.zeros((height, width), np.uint8)
    window_box = (0, 0, 0, 0)
    if room.window:
        window_box = draw_window(rng, canvas, window, head, head_h, behind=room.window == "behind")
    if rng.random() < 0.35:
        draw_desk(rng, canvas)
    skin = choose(rng, SKINS, 8)
    shirt = choose(rng, CLOTHES, 10)
    before = canvas.copy() if room.window == "behind" else None
    draw_person(rng, canvas, head, head_h, skin, shirt)
    front = np.zeros((height, width), np.float32)  # how much of each pixel the person and held things cover
    if before is not None:
        np.maximum(front, (np.abs(canvas - before).max(axis=2) > 1).astype(np.float32), out=front)
    cover = np.zeros((height, width), np.uint8)
    written: List[Written] = []
    if room.card:
        written = hold_card(rng, canvas, front, cover, room, digits, empty, head, head_h, skin, shirt)
    if room.open_hand:
        raise_open_hand(rng, canvas, front, head, head_h, skin, shirt)
    light_room(rng, canvas, front, window, room, window_box)
    labels, boxes, partial = settle(written, cover)
    return SceneFrame(
        capture(rng, canvas, camera(rng, room)), labels, boxes, FAMILY, condition, empty, partial
    )


# --- small helpers of this family's own -----------------------------------------------------------


def jitter(rng: np.random.Generator, colour: Sequence[float], amount: float) -> Colour:
    shifted = np.clip(np.asarray(colour, np.float64) + rng.uniform(-amount, amount, 3), 0, 255)
    return float(shifted[0]), float(shifted[1]), float(shifted[2])


def choose(rng: np.random.Generator, palette: Sequence[Sequence[float]], amount: float) -> Colour:
    return jitter(rng, palette[int(rng.integers(0, len(palette)))], amount)


def blotches(rng: np.random.Generator, size: Tuple[int, int], grain: int) -> np.ndarray:
    """Soft random variation around 0 (float32 h x w), features about ``grain`` px across."""
    width, height = size
    small = rng.standard_normal((max(2, height // grain + 1), max(2, width // grain + 1))).astype(np.float32)
    # Smoothed at an eighth of the size: the same softness for a sixty-fourth of the work.
    eighth = cv2.resize(small, (max(2, width // 8), max(2, height // 8)), interpolation=cv2.INTER_LINEAR)
    eighth = cv2.GaussianBlur(eighth, (0, 0), grain / 24 + 0.5)
    return cv2.resize(eighth, (width, height), interpolation=cv2.INTER_LINEAR)


def blend(
    canvas: np.ndarray,
    mask: np.ndarray,
    x: int,
    y: int,
    colour: Sequence[float],
    front: Optional[np.ndarray] = None,
) -> None:
    """Paint ``colour`` through a uint8 mask lying at (x, y) of the canvas, in place."""
    height, width = canvas.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + mask.shape[1]), min(height, y + mask.shape[0])
    if x0 >= x1 or y0 >= y1:
        return
    alpha = mask[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32) / 255
    region = canvas[y0:y1, x0:x1]
    region *= three(1 - alpha)
    region += cv2.merge([alpha * np.float32(level) for level in colour])
    if front is not None:
        np.maximum(front[y0:y1, x0:x1], alpha, out=front[y0:y1, x0:x1])


def three(field: np.ndarray) -> np.ndarray:
    """(h, w) -> (h, w, 3): numpy's broadcasting over a last axis of 3 is slow."""
    return cv2.merge([field, field, field])


def blank() -> np.ndarray:
    """A frame-sized uint8 mask to draw a shape in for :func:`filled`."""
    return np.zeros((FRAME_SIZE[1], FRAME_SIZE[0]), np.uint8)


def filled(
    canvas: np.ndarray, mask: np.ndarray, colour: Sequence[float], front: Optional[np.ndarray] = None
) -> None:
    """Paint ``colour`` through a frame-sized uint8 mask, working only where it is drawn."""
    x, y, w, h = cv2.boundingRect(mask)
    if w:
        blend(canvas, mask[y : y + h, x : x + w], x, y, colour, front)


# --- the room behind ------------------------------------------------------------------------------


def back_wall(rng: np.random.Generator) -> np.ndarray:
    """Painted walls: a corner where two walls meet, each lit differently, a ceiling line."""
    width, height = FRAME_SIZE
    paint = choose(rng, WALL_PAINT, 10)
    canvas = np.empty((height, width, 3), np.float32)
    cv2.rectangle(canvas, (0, 0), (width - 1, height - 1), paint, -1)
    shade = 1 + np.float32(0.04) * blotches(rng, FRAME_SIZE, 60)
    canvas *= three(shade)
    if rng.random() < 0.5:  # a corner: the other wall a little darker
        x = int(rng.uniform(0.05, 0.95) * width)
        side = slice(0, x) if rng.random() < 0.5 else slice(x, width)
        canvas[:, side] *= np.float32(rng.uniform(0.7, 0.9))
        cv2.line(canvas, (x, 0), (x, height), tuple(c * 0.75 for c in paint), 1, cv2.LINE_AA)
    if rng.random() < 0.3:  # the ceiling
        y = int(rng.uniform(0.02, 0.15) * height)
        canvas[:y] = jitter(rng, (235, 235, 235), 8)
    return canvas


def draw_window(
    rng: np.random.Generator,
    canvas: np.ndarray,
    mask: np.ndarray,
    head: Tuple[float, float],
    head_h: float,
    behind: bool,
) -> Tuple[int, int, int, int]:
    """A bright window with blinds or glazing bars, behind the person or off to one side;
    marks its panes in ``mask``."""
    width, height = FRAME_SIZE
    w, h = int(rng.uniform(0.3, 0.6) * width), int(rng.uniform(0.5, 0.9) * height)
    if behind:
        x = int(head[0] - w / 2 + rng.uniform(-0.2, 0.2) * w)
    else:
        x = int(rng.choice([rng.uniform(-0.3, 0.05), rng.uniform(0.6, 0.95)]) * width)
    y = int(rng.uniform(-0.1, 0.2) * height)
    sky = np.array([rng.uniform(235, 255), rng.uniform(225, 250), rng.uniform(200, 240)], np.float32)
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x0 < x1 and y0 < y1:
        glow = rng.uniform(1.0, 1.25)  # brighter than white: it clips
        cv2.rectangle(canvas, (x0, y0), (x1 - 1, y1 - 1), tuple(float(c) * glow for c in sky), -1)
        mask[y0:y1, x0:x1] = 1
    bar = (float(rng.uniform(200, 245)),) * 3 if rng.random() < 0.6 else (45.0, 45.0, 50.0)
    if rng.random() < 0.5:  # blinds: many thin horizontal slats
        step = int(rng.integers(8, 16))
        for slat in range(y, y + h, step):
            cv2.line(canvas, (x, slat), (x + w, slat), tuple(c * 0.8 for c in bar), max(2, step // 3))
    else:
        cv2.rectangle(canvas, (x, y), (x + w, y + h), bar, int(rng.integers(6, 16)))
        cv2.line(canvas, (x + w // 2, y), (x + w // 2, y + h), bar, int(rng.integers(5, 12)))
        cv2.line(canvas, (x, y + h // 2), (x + w, y + h // 2), bar, int(rng.integers(5, 12)))
    if rng.random() < 0.6:  # a curtain on one side
        curtain = choose(rng, CLOTHES, 15)
        cx = x - w // 8 if rng.random() < 0.5 else x + w - w // 8
        folds = 1 + np.float32(0.15) * np.sin(np.arange(w // 4, dtype=np.float32) * np.float32(0.3))
        cx0, cx1 = max(0, cx), min(width, cx + w // 4)
        if cx0 < cx1:
            canvas[max(0, y) : min(height, y + h + 30), cx0:cx1] = (
                np.array(curtain, np.float32) * folds[cx0 - cx : cx1 - cx, None]
            )
    return x, y, x + w, y + h


def draw_shelves(
    rng: np.random.Generator, canvas: np.ndarray, head: Tuple[float, float], head_h: float
) -> None:
    """A bookcase: boards with rows of book spines (titles printed small) and the odd box."""
    width, height = FRAME_SIZE
    w = int(rng.uniform(0.3, 0.6) * width)
    x = int(rng.choice([rng.uniform(-0.2, 0.1), rng.uniform(0.55, 0.9)]) * width)
    wood = choose(rng, ((60, 100, 150), (40, 60, 90), (200, 200, 200), (30, 30, 30)), 10)
    board = int(rng.uniform(0.16, 0.26) * height)
    top = int(rng.uniform(-0.1, 0.3) * height)
    cv2.rectangle(canvas, (x, top), (x + w, height), tuple(c * 0.6 for c in wood), -1)
    for shelf_y in range(top + board, height + board, board):
        position = x + 6
        while position < x + w - 10:
            spine = int(rng.uniform(0.02, 0.05) * width)
            tall = int(board * rng.uniform(0.55, 0.92))
            colour = choose(rng, BOOK_SPINES, 20)
            if rng.random() < 0.15:  # a gap, or a book lying flat
                position += spine * 2
                continue
            cv2.rectangle(canvas, (position, shelf_y - tall), (position + spine - 2, shelf_y), colour, -1)
            if spine > 10 and rng.random() < 0.5:
                title = canvas[
                    max(0, shelf_y - tall) : max(0, shelf_y), max(0, position) : max(0, position + spine - 2)
                ]
                if title.size:
                    title[title.shape[0] // 4 : title.shape[0] // 4 + 2, 2:-2] = (230, 230, 230)
            position += spine
        cv2.rectangle(canvas, (x, shelf_y), (x + w, shelf_y + max(3, board // 10)), wood, -1)


def draw_calendar(
    rng: np.random.Generator, canvas: np.ndarray, head: Tuple[float, float], head_h: float
) -> None:
    """A wall calendar: a photo on the upper half, the month's grid of printed numbers below."""
    width, height = FRAME_SIZE
    w = int(rng.uniform(0.14, 0.3) * width)
    h = int(w * rng.uniform(1.2, 1.5))
    x, y = int(rng.uniform(0.0, 1.0) * width - w / 2), int(rng.uniform(0.0, 0.5) * height)
    page = np.full((h, w, 3), int(rng.uniform(225, 250)), np.uint8)
    photo_h = int(h * rng.uniform(0.35, 0.5))
    page[:photo_h] = np.array(jitter(rng, (180, 150, 110), 60), np.uint8)
    cv2.circle(
        page, (w // 3, photo_h // 2), max(2, photo_h // 3), jitter(rng, (60, 160, 60), 40), -1, cv2.LINE_AA
    )
    cell_w, cell_h = w / 7, (h - photo_h - 4) / 6
    font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_PLAIN]))
    scale = max(0.2, cell_h / 40)
    start = int(rng.integers(0, 7))
    for day in range(1, 31):
        slot = start + day - 1
        row, col = slot // 7, slot % 7
        if row > 5:
            break
        origin = (int(col * cell_w + 1), int(photo_h + 4 + (row + 0.8) * cell_h))
        cv2.putText(
            page, str(day), origin, font, scale, (200, 40, 40) if col == 6 else (30, 30, 30), 1, cv2.LINE_AA
        )
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x0 < x1 and y0 < y1:
        canvas[y0:y1, x0:x1] = page[y0 - y : y1 - y, x0 - x : x1 - x]
        cv2.line(canvas, (x + w // 2, y - 8), (x + w // 2, y), (60.0, 60.0, 60.0), 1, cv2.LINE_AA)


def draw_clock(
    rng: np.random.Generator, canvas: np.ndarray, head: Tuple[float, float], head_h: float
) -> None:
    width, height = FRAME_SIZE
    radius = int(rng.uniform(0.05, 0.11) * height)
    centre = (int(rng.uniform(0.05, 0.95) * width), int(rng.uniform(0.08, 0.4) * height))
    cv2.circle(canvas, centre, radius, jitter(rng, (240, 240, 240), 10), -1, cv2.LINE_AA)
    cv2.circle(
        canvas,
        centre,
        radius,
        choose(rng, ((30, 30, 30), (40, 40, 160), (200, 200, 200)), 10),
        max(2, radius // 8),
        cv2.LINE_AA,
    )
    face = canvas[
        max(0, centre[1] - radius) : centre[1] + radius, max(0, centre[0] - radius) : centre[0] + radius
    ]
    if face.shape[0] < 8 or face.shape[1] < 8:
        return
    digits = np.zeros(face.shape[:2], np.uint8)
    for hour in (12, 3, 6, 9) if rng.random() < 0.5 else range(1, 13):
        angle = np.deg2rad(hour * 30 - 90)
        at = (
            int(face.shape[1] / 2 + np.cos(angle) * radius * 0.7 - radius * 0.1),
            int(face.shape[0] / 2 + np.sin(angle) * radius * 0.7 + radius * 0.08),
        )
        cv2.putText(
            digits, str(hour), at, cv2.FONT_HERSHEY_SIMPLEX, max(0.2, radius / 90), 255, 1, cv2.LINE_AA
        )
    face *= 1 - digits.astype(np.float32)[:, :, None] / 255 * np.float32(0.85)
    for length in (0.5, 0.75):
        angle = rng.uniform(0, 2 * np.pi)
        cv2.line(
            canvas,
            centre,
            (
                int(centre[0] + np.cos(angle) * radius * length),
                int(centre[1] + np.sin(angle) * radius * length),
            ),
            (20.0, 20.0, 20.0),
            max(1, radius // 20),
            cv2.LINE_AA,
        )


def draw_monitor(
    rng: np.random.Generator, canvas: np.ndarray, head: Tuple[float, float], head_h: float
) -> None:
    """A second screen on a desk behind: black bezel, a lit page of text or a dark desktop."""
    width, height = FRAME_SIZE
    w = int(rng.uniform(0.25, 0.45) * width)
    h = int(w * 0.6)
    x = int(rng.choice([rng.uniform(-0.15, 0.15), rng.uniform(0.6, 0.9)]) * width)
    y = int(rng.uniform(0.25, 0.6) * height)
    cv2.rectangle(canvas, (x, y), (x + w, y + h), (20.0, 20.0, 22.0), -1)
    border = max(3, w // 30)
    screen = (
        choose(rng, ((240, 240, 240), (90, 60, 40), (200, 170, 120)), 10)
        if rng.random() < 0.75
        else (25.0, 25.0, 28.0)
    )
    cv2.rectangle(canvas, (x + border, y + border), (x + w - border, y + h - border), screen, -1)
    if sum(screen) > 300:
        for line_y in range(y + border + 8, y + h - border - 4, 9):
            length = int(rng.uniform(0.3, 0.9) * (w - 2 * border - 8))
            cv2.line(
                canvas, (x + border + 4, line_y), (x + border + 4 + length, line_y), (70.0, 70.0, 70.0), 2
            )
    cv2.rectangle(
        canvas, (x + w // 2 - w // 16, y + h), (x + w // 2 + w // 16, y + h + h // 4), (30.0, 30.0, 32.0), -1
    )


def draw_door(rng: np.random.Generator, canvas: np.ndarray, head: Tuple[float, float], head_h: float) -> None:
    width, height = FRAME_SIZE
    w = int(rng.uniform(0.2, 0.35) * width)
    x = int(rng.choice([rng.uniform(-0.1, 0.1), rng.uniform(0.65, 0.85)]) * width)
    y = int(rng.uniform(-0.1, 0.1) * height)
    colour = choose(rng, ((230, 230, 230), (70, 110, 150), (50, 70, 100), (170, 170, 160)), 10)
    cv2.rectangle(canvas, (x, y), (x + w, height), colour, -1)
    cv2.rectangle(canvas, (x, y), (x + w, height), tuple(c * 0.7 for c in colour), 3)
    for panel_y in (y + int(0.08 * height), y + int(0.5 * height)):
        cv2.rectangle(
            canvas,
            (x + w // 6, panel_y),
            (x + 5 * w // 6, panel_y + int(0.35 * height)),
            tuple(c * 0.85 for c in colour),
            2,
        )
    cv2.circle(
        canvas,
        (x + w - w // 8, y + int(0.5 * height)),
        max(3, w // 25),
        (160.0, 170.0, 180.0),
        -1,
        cv2.LINE_AA,
    )


def draw_plant(
    rng: np.random.Generator, canvas: np.ndarray, head: Tuple[float, float], head_h: float
) -> None:
    width, height = FRAME_SIZE
    base = (int(rng.uniform(0.0, 1.0) * width), int(rng.uniform(0.55, 0.95) * height))
    pot = int(rng.uniform(0.05, 0.1) * height)
    cv2.rectangle(
        canvas,
        (base[0] - pot, base[1]),
        (base[0] + pot, base[1] + 2 * pot),
        jitter(rng, (60, 90, 170), 30),
        -1,
    )
    for _ in range(int(rng.integers(6, 14))):
        angle = rng.uniform(-np.pi, 0)
        length = rng.uniform(1.5, 4) * pot
        tip = (int(base[0] + np.cos(angle) * length), int(base[1] + np.sin(angle) * length))
        cv2.ellipse(
            canvas,
            ((base[0] + tip[0]) // 2, (base[1] + tip[1]) // 2),
            (int(length / 2), max(2, int(pot * 0.3))),
            float(np.degrees(angle)),
            0,
            360,
            jitter(rng, (50, 120, 40), 25),
            -1,
            cv2.LINE_AA,
        )


def draw_poster(
    rng: np.random.Generator, canvas: np.ndarray, head: Tuple[float, float], head_h: float
) -> None:
    """A framed picture or poster: colour fields and a large printed word."""
    width, height = FRAME_SIZE
    w, h = int(rng.uniform(0.15, 0.35) * width), int(rng.uniform(0.2, 0.45) * height)
    x, y = int(rng.uniform(-0.1, 0.9) * width), int(rng.uniform(0.0, 0.4) * height)
    cv2.rectangle(canvas, (x, y), (x + w, y + h), choose(rng, BOOK_SPINES, 30), -1)
    cv2.circle(
        canvas,
        (x + w // 2, y + h // 2),
        max(3, min(w, h) // 4),
        jitter(rng, (200, 200, 60), 60),
        -1,
        cv2.LINE_AA,
    )
    cv2.rectangle(canvas, (x, y), (x + w, y + h), (30.0, 30.0, 30.0), max(2, w // 40))
    label = np.zeros((max(1, h // 5), max(1, w)), np.uint8)
    cv2.putText(
        label,
        str(rng.choice(["SUMMER", "ROBOTS", "PARIS", "2023", "JAZZ", "MARS"])),
        (4, label.shape[0] - 3),
        cv2.FONT_HERSHEY_DUPLEX,
        max(0.3, label.shape[0] / 30),
        255,
        max(1, label.shape[0] // 12),
        cv2.LINE_AA,
    )
    blend(canvas, label, x, y + h - label.shape[0], (240.0, 240.0, 240.0))


FURNITURE = {
    "shelves": draw_shelves,
    "calendar": draw_calendar,
    "clock": draw_clock,
    "monitor": draw_monitor,
    "door": draw_door,
    "plant": draw_plant,
    "poster": draw_poster,
}


def draw_desk(rng: np.random.Generator, canvas: np.ndarray) -> None:
    """The front edge of the desk the webcam stands on, across the bottom of the frame."""
    width, height = FRAME_SIZE
    top = int(rng.uniform(0.85, 0.95) * height)
    colour = choose(rng, ((60, 100, 150), (200, 200, 200), (40, 40, 40), (110, 140, 170)), 10)
    canvas[top:] = colour
    canvas[top : top + 3] *= np.float32(1.2)


# --- the person -----------------------------------------------------------------------------------


def draw_person(
    rng: np.random.Generator,
    canvas: np.ndarray,
    head: Tuple[float, float],
    head_h: float,
    skin: Colour,
    shirt: Colour,
) -> None:
    """Shoulders and torso, neck, a face with eyes, brows, nose and mouth, hair and ears."""
    width, height = FRAME_SIZE
    hx, hy = head
    face_w, face_h = head_h * 0.36, head_h * 0.5
    shoulder_y = hy + face_h * 1.25
    shoulders = head_h * rng.uniform(1.1, 1.4)
    torso = np.array(
        [
            [hx - shoulders, height + 10],
            [hx - shoulders * 0.95, shoulder_y + head_h * 0.25],
            [hx - shoulders * 0.6, shoulder_y],
            [hx + shoulders * 0.6, shoulder_y],
            [hx + shoulders * 0.95, shoulder_y + head_h * 0.25],
            [hx + shoulders, height + 10],
        ],
        np.int32,
    )
    cv2.fillPoly(canvas, [torso], shirt, cv2.LINE_AA)
    neck = (
        int(hx - face_w * 0.45),
        int(hy + face_h * 0.6),
        int(hx + face_w * 0.45),
        int(shoulder_y + head_h * 0.05),
    )
    cv2.rectangle(canvas, neck[:2], neck[2:], tuple(c * 0.8 for c in skin), -1)
    if rng.random() < 0.5:  # a collar's V
        cv2.fillPoly(
            canvas,
            [
                np.array(
                    [
                        [hx - face_w * 0.5, shoulder_y],
                        [hx, shoulder_y + head_h * 0.3],
                        [hx + face_w * 0.5, shoulder_y],
                    ],
                    np.int32,
                )
            ],
            tuple(c * 0.8 for c in skin),
            cv2.LINE_AA,
        )
    hair = choose(rng, HAIR, 8)
    long_hair = rng.random() < 0.35
    if long_hair:
        cv2.ellipse(
            canvas,
            (int(hx), int(hy + face_h * 0.3)),
            (int(face_w * 1.25), int(face_h * 1.2)),
            0,
            0,
            360,
            hair,
            -1,
            cv2.LINE_AA,
        )
    for side in (-1, 1):  # ears
        cv2.ellipse(
            canvas,
            (int(hx + side * face_w * 0.98), int(hy + face_h * 0.05)),
            (int(face_w * 0.16), int(face_h * 0.2)),
            0,
            0,
            360,
            tuple(c * 0.9 for c in skin),
            -1,
            cv2.LINE_AA,
        )
    cv2.ellipse(canvas, (int(hx), int(hy)), (int(face_w), int(face_h)), 0, 0, 360, skin, -1, cv2.LINE_AA)
    if rng.random() < 0.85:
        cv2.ellipse(
            canvas,
            (int(hx), int(hy - face_h * 0.35)),
            (int(face_w * 1.08), int(face_h * 0.7)),
            0,
            180,
            360,
            hair,
            -1,
            cv2.LINE_AA,
        )
    # One side of the face in the light, the other turned away from it.
    side = 1 if rng.random() < 0.5 else -1
    half = np.zeros((height, width), np.uint8)
    cv2.ellipse(
        half, (int(hx), int(hy)), (int(face_w), int(face_h)), 0, -90 * side, 90 * side, 255, -1, cv2.LINE_AA
    )
    face = np.zeros((height, width), np.uint8)
    cv2.ellipse(face, (int(hx), int(hy)), (int(face_w), int(face_h)), 0, 0, 360, 255, -1, cv2.LINE_AA)
    x, y, w, h = cv2.boundingRect(face)
    if w:
        # Soft across the middle of the face: light wraps round a head, it does not stop.
        soft = np.minimum(
            cv2.GaussianBlur(half[y : y + h, x : x + w], (0, 0), face_w * 0.25), face[y : y + h, x : x + w]
        )
        blend(canvas, (soft * rng.uniform(0.1, 0.25)).astype(np.uint8), x, y, (0.0, 0.0, 0.0))
    eye_y = int(hy + face_h * rng.uniform(-0.05, 0.08))
    for side_x in (-1, 1):
        eye = (int(hx + side_x * face_w * 0.42), eye_y)
        cv2.ellipse(
            canvas,
            eye,
            (max(2, int(face_w * 0.18)), max(1, int(face_h * 0.07))),
            0,
            0,
            360,
            (225.0, 230.0, 235.0),
            -1,
            cv2.LINE_AA,
        )
        cv2.circle(canvas, eye, max(1, int(face_h * 0.06)), jitter(rng, (40, 60, 80), 20), -1, cv2.LINE_AA)
        cv2.line(
            canvas,
            (eye[0] - int(face_w * 0.2), eye_y - int(face_h * 0.16)),
            (eye[0] + int(face_w * 0.2), eye_y - int(face_h * 0.18)),
            tuple(c * 0.7 for c in hair),
            max(2, int(face_h * 0.04)),
            cv2.LINE_AA,
        )
    if rng.random() < 0.25:  # glasses
        for side_x in (-1, 1):
            cv2.circle(
                canvas,
                (int(hx + side_x * face_w * 0.42), eye_y),
                int(face_w * 0.3),
                (30.0, 30.0, 30.0),
                max(1, int(face_h * 0.02)),
                cv2.LINE_AA,
            )
    nose = (int(hx), int(hy + face_h * 0.3))
    cv2.line(
        canvas,
        (nose[0], eye_y + int(face_h * 0.05)),
        nose,
        tuple(c * 0.8 for c in skin),
        max(1, int(face_w * 0.06)),
        cv2.LINE_AA,
    )
    cv2.ellipse(
        canvas,
        (int(hx), int(hy + face_h * 0.55)),
        (int(face_w * 0.3), int(face_h * 0.08)),
        0,
        10,
        170,
        jitter(rng, (80, 80, 160), 20),
        max(2, int(face_h * 0.035)),
        cv2.LINE_AA,
    )


# --- what is held ---------------------------------------------------------------------------------


def blank_card(rng: np.random.Generator, kind: str, long_side: float) -> Tuple[np.ndarray, float]:
    """(flat BGR float32 card, px per cm) of an index card or a sheet."""
    aspect = CARD_ASPECT if kind == "index_card" else SHEET_ASPECT
    portrait = kind == "sheet" and rng.random() < 0.6
    w, h = (
        (int(long_side / aspect), int(long_side)) if portrait else (int(long_side), int(long_side / aspect))
    )
    tint = (
        jitter(rng, (240, 242, 244), 6)
        if rng.random() < 0.75
        else choose(rng, ((170, 230, 250), (230, 210, 170), (200, 200, 250)), 8)
    )
    card = np.empty((max(8, h), max(8, w), 3), np.float32)
    cv2.rectangle(card, (0, 0), (card.shape[1] - 1, card.shape[0] - 1), tint, -1)
    per_cm = long_side / (12.7 if kind == "index_card" else 29.7)
    if kind == "index_card" and rng.random() < 0.6:
        cv2.line(card, (0, int(1.3 * per_cm)), (w, int(1.3 * per_cm)), (110.0, 110.0, 215.0), 1, cv2.LINE_AA)
        for k in range(1, 12):
            y = int((1.3 + 0.64 * k) * per_cm)
            cv2.line(card, (0, y), (w, y), (215.0, 180.0, 150.0), 1, cv2.LINE_AA)
    return card, per_cm


def write_on_card(
    rng: np.random.Generator, card: np.ndarray, digits: DigitSet, height_px: float, inks: Sequence[str]
) -> List[Tuple[int, np.ndarray]]:
    """A row of 1-3 digits, upright on the card; (label, ink outline in card px) of each."""
    images, labels = digits
    card_h, card_w = card.shape[:2]
    count = int(rng.choice([1, 2, 3], p=DIGIT_COUNTS))
    ink, stroke = pick_ink(rng, str(rng.choice(list(inks))), height_px)
    while count:
        chosen = rng.integers(0, len(images), count)
        maps = [
            handwriting(images[i], height_px * rng.uniform(0.9, 1.1), min(stroke, 0.3 * height_px))
            for i in chosen
        ]
        gap = height_px * rng.uniform(0.15, 0.45)
        row_w = sum(m.shape[1] for m in maps) + gap * (count - 1)
        row_h = max(m.shape[0] for m in maps)
        margin = 0.06 * card_w
        if row_w < card_w - 2 * margin and row_h < card_h - 2 * margin:
            x = rng.uniform(margin, card_w - margin - row_w)
            y = rng.uniform(margin, card_h - margin - row_h)
            result = []
            for coverage, index in zip(maps, chosen):
                top = int(y + (row_h - coverage.shape[0]) * rng.uniform(0.3, 0.7))
                apply_ink(rng, card, coverage, int(x), top, ink)
                result.append(
                    (int(labels[index]), ink_outline(coverage) + np.array([int(x), top], np.float32))
                )
                x += coverage.shape[1] + gap
            return result
        count -= 1 if height_px < 0.2 * card_h else 0
        height_px *= 0.85
    return []


def hold_card(
    rng: np.random.Generator,
    canvas: np.ndarray,
    front: np.ndarray,
    cover: np.ndarray,
    room: Room,
    digits: DigitSet,
    empty: bool,
    head: Tuple[float, float],
    head_h: float,
    skin: Colour,
    shirt: Colour,
) -> List[Written]:
    """The card held up in front of the person: arm raised from below, fingers round its edge
    behind, the thumb in front; returns its digits as seen."""
    width, height = FRAME_SIZE
    long_side = rng.uniform(*room.card_side) * height
    card, per_cm = blank_card(rng, room.card, long_side)
    card_h, card_w = card.shape[:2]
    marks: List[Tuple[int, np.ndarray]] = []
    if not empty:
        digit_h = min(rng.uniform(*DIGIT_SIDE) * height, DIGIT_SHARE_OF_CARD * min(card_h, card_w))
        marks = write_on_card(rng, card, digits, digit_h, DIM_INKS if room.dim else WRITING_INKS)
    # The card's corners in the frame: turned, tipped a little, in front of the chest or the face.
    centre = np.array([head[0] + rng.uniform(-0.9, 0.9) * head_h, head[1] + rng.uniform(0.2, 1.4) * head_h])
    centre = np.clip(centre, [0.15 * width, 0.2 * height], [0.85 * width, 0.8 * height])
    angle = np.deg2rad(rng.uniform(-room.tilt, room.tilt))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    flat = np.array([[0, 0], [card_w, 0], [card_w, card_h], [0, card_h]], np.float32)
    seen = (flat - [card_w / 2, card_h / 2]) @ rotation.T + centre
    seen += rng.uniform(-0.07, 0.07, (4, 2)) * [card_w, card_h]
    matrix = cv2.getPerspectiveTransform(flat, seen.astype(np.float32))
    # Arm(s) first: they run from below up to where the hand grips the card.
    grips = []
    for hand in range(room.hands):
        edge = ("left", "right")[hand] if room.hands == 2 else str(rng.choice(["left", "right", "bottom"]))
        grips.append(grip_point(rng, edge, card_w, card_h, matrix))
    for point, inward in grips:
        draw_arm(rng, canvas, point, inward, per_cm, skin, shirt, front)
    paste_card(canvas, front, card, matrix)
    written = [
        Written(label, cv2.perspectiveTransform(outline.reshape(-1, 1, 2), matrix).reshape(-1, 2))
        for label, outline in marks
    ]
    boxes = [bounding_box(w.points) for w in written if len(w.points)]
    for point, inward in grips:
        draw_thumb(rng, canvas, front, cover, point, inward, per_cm, skin, boxes)
    return written


def grip_point(
    rng: np.random.Generator, edge: str, card_w: int, card_h: int, matrix: np.ndarray
) -> Tuple[np.ndarray, np.ndarray]:
    along = rng.uniform(0.3, 0.7)
    point, inward = {
        "left": ((0, along * card_h), (1, 0)),
        "right": ((card_w, along * card_h), (-1, 0)),
        "bottom": ((along * card_w, card_h), (0, -1)),
    }[edge]
    ends = cv2.perspectiveTransform(
        np.array([point, (point[0] + inward[0] * 10, point[1] + inward[1] * 10)], np.float32).reshape(
            -1, 1, 2
        ),
        matrix,
    ).reshape(-1, 2)
    direction = ends[1] - ends[0]
    return ends[0], direction / max(1e-6, float(np.hypot(*direction)))


def paste_card(canvas: np.ndarray, front: np.ndarray, card: np.ndarray, matrix: np.ndarray) -> None:
    width, height = FRAME_SIZE
    corners = cv2.perspectiveTransform(
        np.array(
            [[0, 0], [card.shape[1], 0], [card.shape[1], card.shape[0]], [0, card.shape[0]]], np.float32
        ).reshape(-1, 1, 2),
        matrix,
    ).reshape(-1, 2)
    x0, y0 = max(0, int(corners[:, 0].min())), max(0, int(corners[:, 1].min()))
    x1, y1 = (
        min(width, int(np.ceil(corners[:, 0].max())) + 1),
        min(height, int(np.ceil(corners[:, 1].max())) + 1),
    )
    if x0 >= x1 or y0 >= y1:
        return
    local = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ matrix
    seen = cv2.warpPerspective(card, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(
        np.ones(card.shape[:2], np.float32), local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR
    )
    region = canvas[y0:y1, x0:x1]
    region *= three(1 - alpha)
    region += seen
    np.maximum(front[y0:y1, x0:x1], alpha, out=front[y0:y1, x0:x1])


def draw_arm(
    rng: np.random.Generator,
    canvas: np.ndarray,
    point: np.ndarray,
    inward: np.ndarray,
    per_cm: float,
    skin: Colour,
    shirt: Colour,
    front: np.ndarray,
) -> None:
    """The hand behind the card's edge (a fist) and the forearm down to the bottom of the frame."""
    width, height = FRAME_SIZE
    out = -inward
    fist_centre = point + out * 2.5 * per_cm
    elbow = np.array([fist_centre[0] + rng.uniform(-0.3, 0.3) * width, height + 0.1 * height])
    wrist_w, arm_w = 5.5 * per_cm, 7.5 * per_cm
    along = elbow - fist_centre
    along /= max(1e-6, float(np.hypot(*along)))
    normal = np.array([-along[1], along[0]])
    cuff = fist_centre + along * rng.uniform(4, 9) * per_cm
    arm = np.array(
        [
            fist_centre + normal * wrist_w / 2,
            elbow + normal * arm_w / 2,
            elbow - normal * arm_w / 2,
            fist_centre - normal * wrist_w / 2,
        ]
    )
    mask = blank()
    cv2.fillPoly(mask, [arm.astype(np.int32)], 255, cv2.LINE_AA)
    filled(canvas, mask, tuple(c * 0.92 for c in skin), front)
    sleeve = np.array(
        [
            cuff + normal * arm_w / 1.7,
            elbow + normal * arm_w / 1.6,
            elbow - normal * arm_w / 1.6,
            cuff - normal * arm_w / 1.7,
        ]
    )
    if rng.random() < 0.7:
        mask = blank()
        cv2.fillPoly(mask, [sleeve.astype(np.int32)], 255, cv2.LINE_AA)
        filled(canvas, mask, tuple(c * 0.9 for c in shirt), front)
    fist = (int(fist_centre[0]), int(fist_centre[1]))
    axes = (int(3.2 * per_cm), int(4.2 * per_cm))
    mask = blank()
    cv2.ellipse(mask, fist, axes, float(np.degrees(np.arctan2(out[1], out[0]))), 0, 360, 255, -1, cv2.LINE_AA)
    filled(canvas, mask, skin, front)
    for k in (-1, 0, 1):  # knuckles curled round the card's edge
        knuckle = point + out * 0.9 * per_cm + np.array([-out[1], out[0]]) * k * 1.7 * per_cm
        mask = blank()
        cv2.circle(mask, (int(knuckle[0]), int(knuckle[1])), max(2, int(0.9 * per_cm)), 255, -1, cv2.LINE_AA)
        filled(canvas, mask, tuple(c * 0.9 for c in skin), front)


def draw_thumb(
    rng: np.random.Generator,
    canvas: np.ndarray,
    front: np.ndarray,
    cover: np.ndarray,
    point: np.ndarray,
    inward: np.ndarray,
    per_cm: float,
    skin: Colour,
    keep_clear: List[Tuple[int, int, int, int]],
) -> None:
    """The thumb over the card's face, off the digits if a few tries allow."""
    across = np.array([-inward[1], inward[0]])
    width = max(3, int(2.1 * per_cm))
    for _attempt in range(GRIP_TRIES):
        base = point - inward * 1.2 * per_cm + across * rng.uniform(-1.0, 1.0) * per_cm
        tip = point + (inward + across * rng.uniform(-0.5, 0.5)) * rng.uniform(0.8, 2.2) * per_cm
        mask = np.zeros(front.shape, np.uint8)
        cv2.line(mask, (int(base[0]), int(base[1])), (int(tip[0]), int(tip[1])), 255, width, cv2.LINE_AA)
        if not any(
            mask[
                max(0, y - GRIP_CLEARANCE) : y + h + GRIP_CLEARANCE,
                max(0, x - GRIP_CLEARANCE) : x + w + GRIP_CLEARANCE,
            ].any()
            for x, y, w, h in keep_clear
        ):
            break
    x, y, w, h = cv2.boundingRect(mask)
    if not w:
        return
    shadow = cv2.GaussianBlur(mask[y : y + h, x : x + w], (0, 0), 2.0)
    blend(canvas, (shadow * 0.3).astype(np.uint8), x + 2, y + 3, (0.0, 0.0, 0.0))
    blend(canvas, mask[y : y + h, x : x + w], x, y, skin, front)
    nail = np.zeros_like(mask)
    direction = (tip - base) / max(1e-6, float(np.hypot(*(tip - base))))
    nail_at = tip - direction * width * 0.35
    cv2.ellipse(
        nail,
        (int(nail_at[0]), int(nail_at[1])),
        (max(1, width // 3), max(1, width // 4)),
        float(np.degrees(np.arctan2(direction[1], direction[0]))),
        0,
        360,
        255,
        -1,
        cv2.LINE_AA,
    )
    blend(canvas, nail[y : y + h, x : x + w], x, y, tuple(min(255.0, c * 1.1 + 20) for c in skin))
    cover[y : y + h, x : x + w] |= (mask[y : y + h, x : x + w] > 64).astype(np.uint8)


def raise_open_hand(
    rng: np.random.Generator,
    canvas: np.ndarray,
    front: np.ndarray,
    head: Tuple[float, float],
    head_h: float,
    skin: Colour,
    shirt: Colour,
) -> None:
    """A hand raised and open (waving, or showing a number with fingers): straight fingers."""
    width, height = FRAME_SIZE
    per_cm = head_h / 22.0 * rng.uniform(1.0, 1.4)
    palm = np.array(
        [
            head[0] + rng.choice([-1, 1]) * rng.uniform(0.8, 1.5) * head_h,
            head[1] + rng.uniform(0.2, 0.8) * head_h,
        ]
    )
    elbow = np.array([palm[0] + rng.uniform(-0.2, 0.2) * width, height * 1.1])
    mask = blank()
    cv2.line(
        mask,
        (int(palm[0]), int(palm[1])),
        (int(elbow[0]), int(elbow[1])),
        255,
        int(6.5 * per_cm),
        cv2.LINE_AA,
    )
    filled(canvas, mask, shirt, front)
    mask = blank()
    cv2.ellipse(
        mask,
        (int(palm[0]), int(palm[1])),
        (int(4.2 * per_cm), int(4.8 * per_cm)),
        0,
        0,
        360,
        255,
        -1,
        cv2.LINE_AA,
    )
    filled(canvas, mask, skin, front)
    raised = int(rng.integers(1, 6))
    for k in range(5):
        angle = (
            np.deg2rad(-90 + (k - 2) * rng.uniform(8, 16)) if k < 4 else np.deg2rad(rng.choice([-160, -20]))
        )
        root = palm + np.array([(k - 1.5) * 1.8 * per_cm if k < 4 else 0, -3.5 * per_cm if k < 4 else 0])
        length = (7.5 if k < raised else 2.5) * per_cm
        tip = root + np.array([np.cos(angle), np.sin(angle)]) * length
        mask = blank()
        cv2.line(
            mask,
            (int(root[0]), int(root[1])),
            (int(tip[0]), int(tip[1])),
            255,
            max(2, int(1.7 * per_cm)),
            cv2.LINE_AA,
        )
        filled(canvas, mask, skin, front)


# --- light and camera -----------------------------------------------------------------------------


def light_room(
    rng: np.random.Generator,
    canvas: np.ndarray,
    front: np.ndarray,
    window: np.ndarray,
    room: Room,
    window_box: Tuple[int, int, int, int],
) -> None:
    """Window light from a side, or the camera exposing for a window behind the person."""
    width, height = FRAME_SIZE
    xs = np.linspace(0, 1, width, dtype=np.float32)
    if room.window == "side" or rng.random() < 0.3:
        toward = (window_box[0] + window_box[2]) / 2 / width if room.window == "side" else rng.uniform(0, 1)
        strength = rng.uniform(0.25, 0.55) if room.window == "side" else rng.uniform(0.05, 0.25)
        falloff = (1 - np.float32(strength) * np.abs(xs - np.float32(toward))).astype(np.float32)
        canvas *= three(cv2.repeat(falloff.reshape(1, -1), height, 1))
    if room.window == "behind":
        # Exposed for the bright window: the room comes out dark, the person in front darker.
        sky = window.astype(np.float32) * (1 - front)
        room_level = np.float32(rng.uniform(0.55, 0.75))
        subject = np.float32(rng.uniform(0.7, 0.85))
        level = room_level * (1 - (1 - subject) * front)
        canvas *= three(sky + (1 - sky) * level)


def camera(rng: np.random.Generator, room: Room) -> Capture:
    """A laptop webcam: soft, noisy indoors, auto white balance a little off, JPEG."""
    knobs = Capture(
        defocus=rng.uniform(0.5, 1.3),
        noise=rng.uniform(2.0, 4.5),
        cast=(rng.uniform(0.9, 1.08), 1.0, rng.uniform(0.92, 1.12)),
        vignette=rng.uniform(0.1, 0.4),
        sharpen=float(rng.choice([0.0, rng.uniform(0.3, 1.0)])),
        jpeg=int(rng.integers(55, 90)),
    )
    if room.dim:
        knobs.light, knobs.exposure = rng.uniform(0.12, 0.3), rng.uniform(0.7, 0.95)
        knobs.cast = (0.7, 0.95, 1.2)
    return knobs
