"""Family "people": a person at a laptop's webcam, face and shoulders filling much of the
frame, a room behind them, holding up a sheet, card, sticky note, notebook page or board.

What a webcam at home or in a classroom sees most and the other tuning families lack: a
face (eyes, nostrils and glasses look like 0s and 8s, eyebrows like 1s and dashes), hair, a
shirt with stripes, checks, a zip, hoodie strings, a logo or printed numbers, and a room:
shelves of books with numbered spines, a door, a window (blinds, or bright behind the
person), a monitor, framed pictures, a calendar, a clock, a lamp, a plant. Printed digits
are never targets. Drawn from the shared helpers only, apart from the held-out room family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from exercise.training.scenes import paint, printed, sheets
from exercise.training.scenes.compose import everyday_camera, hold_up
from exercise.training.scenes.frame import FRAME_SIZE, DigitSet, SceneFrame, Written, bounding_box, settle
from exercise.training.scenes.furniture import BRIGHT, draw_room, tone
from exercise.training.scenes.hands import SKIN_TONES, SLEEVE_COLOURS, open_hand
from exercise.training.scenes.optics import capture
from exercise.training.scenes.paint import FONTS, Colour, Layer, cast_shadow, paste, pick_colour, words
from exercise.training.scenes.sheets import SHEET_CM, Sheet, make_sheet, pose, write_digits

FAMILY = "people"
DIGIT_CONDITIONS: Tuple[str, ...] = (
    ("sheet_at_chest", "card_beside_face", "index_card", "sticky_note", "notebook_page", "whiteboard")
    + ("pencil", "ballpoint", "small_digits", "arm_length", "bookshelf_behind", "window_behind")
    + ("jersey", "two_people", "everything")
)
EMPTY_CONDITIONS: Tuple[str, ...] = (
    ("person_only", "glasses_and_beard", "jersey", "blank_card", "printed_page", "bookshelf_behind")
    + ("window_blinds", "hand_wave")
    + ("everything",)
)
#: How many digits a frame with digits has: 1, 2 or 3, with these chances.
DIGIT_COUNTS = (0.6, 0.25, 0.15)
#: Chin to crown of an adult's head, cm: the px per cm of everything as near as the face.
HEAD_CM = 23.0
#: Head height (chin to crown) as a fraction of the frame height: at the laptop, at arm's
#: length from it, further back in the room.
HEAD_NEAR, HEAD_ARM, HEAD_FAR = (0.25, 0.6), (0.22, 0.35), (0.13, 0.24)
#: Head width over head height; how much narrower the jaw is than the temples.
HEAD_ASPECT, JAW_TAPER = (0.68, 0.8), 0.22
#: A held sheet is nearer the camera than the face: its px per cm over the face's; small
#: cards and notes are brought nearer still, to be seen.
SHEET_NEARER, CARD_NEARER = (1.0, 1.6), (1.3, 2.8)
#: Longest held sheet, as a fraction of the frame height.
MOST_SHEET = 1.1
#: Digit height as a fraction of the frame height, before the sheet limits it.
DIGIT_HEIGHT, SMALL_DIGIT_HEIGHT = (0.08, 0.3), (0.05, 0.08)
DIGIT_SHARE_OF_SHEET = 0.6
#: The share of a sheet's writing area (across, along) a row of the smallest digits may take,
#: so that write_digits finds a place for it before it makes it smaller.
PLACING_ROOM = (0.55, 0.65)
#: A target is at least this tall (fraction of the frame height) and its ink this much
#: darker than its paper in the captured frame (grey levels); below either it is partial.
MIN_TARGET_HEIGHT, MIN_TARGET_CONTRAST = 0.042, 35.0
#: Where along an eyebrow (head half widths from its middle) its curve is drawn through.
ALONG_BROW = np.linspace(-0.22, 0.22, 5)
#: Fixed-point bits of the person's sub-pixel drawing.
SHIFT = 3

#: How much darker what is in front of a bright window comes out (the camera exposes for
#: the window).
BACKLIT_DARK = (0.45, 0.65)

#: Looks, with their chances; how far below the neck's base each neckline dips (head half
#: heights).
HAIR_STYLES = ("short", "short", "long", "long", "fringe", "curly", "bun", "bald", "buzz", "beanie")
PATTERNS = ("plain", "plain", "plain", "stripes", "checks", "logo", "text")
NECKLINES = {"crew": 0.25, "v": 0.7, "collar": 0.45, "hoodie": 0.2, "zip": 0.5}
#: BGR palettes.
DARK_HAIR: Tuple[Colour, ...] = ((20, 20, 25), (25, 35, 55), (35, 60, 95), (60, 100, 150))
HAIR_COLOURS = DARK_HAIR + ((110, 170, 215), (40, 70, 150), (150, 150, 155), (205, 205, 210))
SHIRT_COLOURS = SLEEVE_COLOURS + BRIGHT
IRIS_COLOURS: Tuple[Colour, ...] = ((30, 45, 70), (20, 30, 40), (120, 100, 60), (70, 110, 80))
GLASSES_COLOURS: Tuple[Colour, ...] = ((20, 20, 20), (30, 50, 80), (150, 150, 155), (40, 30, 110))

Rng = np.random.Generator
Point = Tuple[float, float]
Box = Tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass
class Setting:
    """The knobs of one frame, set by its condition."""

    sheet: Optional[str]  # a kind of sheets.SHEET_CM, "printed", or None: nothing held up
    place: str  # where it is held: at the "chest", "beside" the face, in front of the "face"
    hands: int = 1
    ink: Optional[str] = None
    small: bool = False
    head: Tuple[float, float] = HEAD_NEAR
    people: int = 1
    backdrop: str = "mixed"  # "mixed", "bookshelf", "window" (bright: backlit) or "blinds"
    glasses: Optional[bool] = None  # None: as it comes
    beard: Optional[bool] = None
    jersey: bool = False
    hand_on_face: bool = False
    wave: bool = False
    notebook: bool = False
    turn: float = 20.0  # largest roll, yaw and pitch of the sheet, degrees


@dataclass
class Head:
    """A head in the frame: middle, half width, half height (px), and how far the face is
    turned (-1..1: the features move that way)."""

    x: float
    y: float
    a: float
    b: float
    turn: float

    @property
    def px_per_cm(self) -> float:
        return 2 * self.b / HEAD_CM


def setting_for(rng: Rng, condition: str, empty: bool) -> Setting:
    paper = str(rng.choice(["plain", "plain", "ruled", "squared", "index_card", "coloured_card"]))
    place = str(rng.choice(["chest", "chest", "chest", "beside", "beside", "face"]))
    setting = Setting(paper, place, int(rng.choice([1, 2, 1])))
    setting.hand_on_face = bool(rng.random() < 0.12)
    setting.head = HEAD_FAR if rng.random() < 0.1 else HEAD_NEAR
    backdrops = {"bookshelf_behind": "bookshelf", "window_behind": "window", "window_blinds": "blinds"}
    setting.backdrop = backdrops.get(condition, "mixed")
    cards = str(rng.choice(["index_card", "coloured_card"]))
    if condition == "sheet_at_chest":
        setting.sheet, setting.place = str(rng.choice(["plain", "ruled", "squared"])), "chest"
    elif condition in ("card_beside_face", "index_card", "blank_card"):
        setting.sheet, setting.hands = "index_card" if condition == "index_card" else cards, 1
        setting.place = "beside" if condition == "card_beside_face" else setting.place
    elif condition == "sticky_note":
        setting.sheet, setting.hands = "sticky_note", 1
    elif condition == "notebook_page":
        setting.sheet, setting.notebook, setting.hands = str(rng.choice(["ruled", "squared"])), True, 2
    elif condition == "whiteboard":
        setting.sheet, setting.place = str(rng.choice(["whiteboard", "whiteboard", "slate"])), "chest"
    elif condition in ("pencil", "ballpoint"):
        setting.sheet, setting.ink = str(rng.choice(["plain", "ruled", "index_card"])), condition
    elif condition == "small_digits":
        setting.small = True
    elif condition == "arm_length":
        setting.sheet, setting.place, setting.head, setting.small = cards, "beside", HEAD_ARM, True
    elif condition == "jersey":
        setting.jersey, setting.place = True, str(rng.choice(["beside", "face"]))
        setting.sheet = None if empty and rng.random() < 0.5 else setting.sheet
    elif condition == "two_people":
        setting.people = 2
    elif condition in ("person_only", "bookshelf_behind", "window_blinds"):
        setting.sheet = None if condition == "person_only" or (empty and rng.random() < 0.6) else paper
    elif condition == "glasses_and_beard":
        setting.sheet, setting.glasses, setting.beard = None, True, True
    elif condition == "printed_page":
        setting.sheet, setting.hands = "printed", 2
    elif condition == "hand_wave":
        setting.sheet, setting.wave = None, True
    elif condition == "everything":
        setting.sheet = str(rng.choice(list(SHEET_CM) + (["printed"] if empty else [])))
        setting.ink = str(rng.choice(["marker", "felt", "ballpoint", "pencil", ""])) or None
        setting.small, setting.people = bool(rng.random() < 0.3), int(rng.choice([1, 1, 2]))
        setting.head = HEAD_FAR if rng.random() < 0.25 else HEAD_NEAR
        setting.backdrop = str(rng.choice(["mixed", "bookshelf", "window", "blinds"]))
        setting.jersey, setting.wave = bool(rng.random() < 0.3), bool(rng.random() < 0.2)
        setting.hand_on_face, setting.turn = bool(rng.random() < 0.3), 35.0
    if setting.backdrop == "window" and setting.ink == "pencil":
        setting.ink = "marker"  # faint pencil against the light is gone; its condition is "pencil"
    return setting


def make_frame(rng: Rng, condition: str, digits: DigitSet, empty: bool) -> SceneFrame:
    width, height = FRAME_SIZE
    setting = setting_for(rng, condition, empty)
    canvas = draw_room(rng, setting.backdrop)
    solid = np.zeros((height, width), np.float32) if setting.backdrop == "window" else None
    heads = place_people(rng, setting)
    skin, shirt = pick_colour(rng, SKIN_TONES), pick_colour(rng, SHIRT_COLOURS, 12)
    for index, head in enumerate(heads):
        front = index == len(heads) - 1
        own = (skin, shirt) if front else (pick_colour(rng, SKIN_TONES), pick_colour(rng, SHIRT_COLOURS))
        figure = draw_person(rng, head, own[0], own[1], setting)
        if front and solid is None and rng.random() < 0.3:  # its shadow on the wall
            cast_shadow(canvas, figure, (rng.uniform(-20, 20), rng.uniform(4, 16)), 14.0, 0.25)
        paste(canvas, figure, solid=solid)
    head = heads[-1]
    s, side = head.px_per_cm, float(rng.choice([-1, 1]))
    if setting.hand_on_face:  # resting the chin on it, or scratching the cheek
        wrist = (head.x + rng.uniform(-0.7, 0.7) * head.a, head.y + head.b * rng.uniform(1.7, 2.3))
        hand = open_hand(rng, wrist, (rng.uniform(-0.5, 0.5), -1.0), s * 1.1, FRAME_SIZE, skin, shirt)
        paste(canvas, hand, solid=solid)
    if setting.wave:
        wrist = (head.x + side * head.a * rng.uniform(1.6, 2.8), head.y + head.b * rng.uniform(0.8, 2.0))
        hand = open_hand(rng, wrist, (side * rng.uniform(0, 0.5), -1.0), s * 1.2, FRAME_SIZE, skin, shirt)
        cast_shadow(canvas, hand, (rng.uniform(-10, 10), rng.uniform(4, 12)), 10.0, 0.2)
        paste(canvas, hand, solid=solid)
    cover = np.zeros((height, width), np.uint8)
    written: List[Written] = []
    if setting.sheet is not None:
        written = show_sheet(rng, canvas, cover, setting, head, digits, empty, skin, solid)
    if solid is not None:
        paint.multiply(canvas, 1 - np.float32(rng.uniform(*BACKLIT_DARK)) * solid)
    image = capture(rng, canvas, everyday_camera(rng))
    judge_targets(image, written)
    labels, boxes, partial = settle(written, cover)
    return SceneFrame(image, labels, boxes, FAMILY, condition, empty, partial)


def judge_targets(image: np.ndarray, written: List[Written]) -> None:
    """Digits too small or too faint in the captured frame (pencil against the light, a thin
    pen blurred) are not targets: nobody would be asked to read them."""
    for digit in written:
        if len(digit.points):
            x, y, w, h = bounding_box(digit.points)
            grey = image[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)].mean(axis=2)
            low = h < MIN_TARGET_HEIGHT * image.shape[0] or not grey.size
            if low or float(np.percentile(grey, 95) - grey.min()) < MIN_TARGET_CONTRAST:
                digit.readable = False


# --- the person ------------------------------------------------------------------------------


def place_people(rng: Rng, setting: Setting) -> List[Head]:
    """Heads from the back one to the front one (who holds the sheet): near the laptop or
    further back, sometimes cut by the frame's top; a second person beside and behind."""
    width, height = FRAME_SIZE
    half = rng.uniform(*setting.head) * height / 2
    if setting.people > 1:
        half = min(half, 0.2 * height)
    if setting.head == HEAD_FAR:
        y = rng.uniform(0.3, 0.5) * height
    else:  # now and then the top of the head is out of the frame
        y = rng.uniform(0.3, 0.85) * half if rng.random() < 0.15 else rng.uniform(0.75, 1.6) * half
    x = rng.uniform(0.25, 0.4) * width if setting.people > 1 else rng.uniform(0.3, 0.7) * width
    heads = [Head(x, y, half * rng.uniform(*HEAD_ASPECT), half, rng.uniform(-1, 1))]
    if setting.people > 1:
        other, x = half * rng.uniform(0.65, 1.0), rng.uniform(0.68, 0.9) * width
        heads.insert(0, Head(x, y + rng.uniform(-0.3, 0.4) * half, other * 0.74, other, rng.uniform(-1, 0.2)))
        if rng.random() < 0.5:  # mirrored: the one holding the sheet on the right
            for head in heads:
                head.x, head.turn = width - head.x, -head.turn
    return heads


class Figure:
    """A person drawn in uint8 (OpenCV smooths the edges of 8-bit pictures only): colour, and
    the outline as a mask, over a box of the frame. Points are in head units: (u, v) lies u
    half widths right of the middle of the head and v half heights below it."""

    def __init__(self, head: Head, box: Box):
        self.head, self.x0, self.y0 = head, box[0], box[1]
        self.picture = np.zeros((box[3] - box[1], box[2] - box[0], 3), np.uint8)
        self.mask = np.zeros(self.picture.shape[:2], np.uint8)

    def fixed(self, points: Sequence[Point]) -> np.ndarray:
        uv = np.asarray(points, np.float64).reshape(-1, 2)
        xy = uv * (self.head.a, self.head.b) + (self.head.x - self.x0, self.head.y - self.y0)
        return np.round(xy * (1 << SHIFT)).astype(np.int32)

    def poly(self, points: Sequence[Point], colour: Colour) -> None:
        fixed = [self.fixed(points)]
        cv2.fillPoly(self.picture, fixed, colour, cv2.LINE_AA, SHIFT)
        cv2.fillPoly(self.mask, fixed, 255, cv2.LINE_AA, SHIFT)

    def ellipse(self, at: Point, axes: Point, fill: Colour, arc: Point = (0, 360), thick: float = 0) -> None:
        """A filled ellipse, or with ``thick`` (head half widths) an arc of its rim."""
        centre = tuple(int(v) for v in self.fixed([at])[0])
        size = (int(axes[0] * self.head.a * (1 << SHIFT)), int(axes[1] * self.head.b * (1 << SHIFT)))
        width = max(1, int(round(thick * self.head.a))) if thick else -1
        for target, colour in ((self.picture, fill), (self.mask, (255.0,) * 3)):
            cv2.ellipse(target, centre, size, 0, arc[0], arc[1], colour, width, cv2.LINE_AA, SHIFT)

    def line(self, points: Sequence[Point], colour: Colour, thick: float) -> None:
        width = max(1, int(round(thick * self.head.a)))
        cv2.polylines(self.picture, [self.fixed(points)], False, colour, width, cv2.LINE_AA, SHIFT)

    def text(self, text: str, at: Point, height: float, colour: Colour, font: int) -> None:
        """Printed text (a logo, a jersey's number) ``height`` half heights tall, centred."""
        height *= self.head.b
        thickness = max(1, int(height / 7))
        scale = height / max(1, cv2.getTextSize(text, font, 1.0, thickness)[0][1])
        (w, h), _ = cv2.getTextSize(text, font, scale, thickness)
        x, y = self.fixed([at])[0] / (1 << SHIFT)
        origin = (int(x - w / 2), int(y + h / 2))
        cv2.putText(self.picture, text, origin, font, scale, colour, thickness, cv2.LINE_AA)

    def layer(self, light: np.ndarray) -> Layer:
        """The figure as a layer of the frame, lit by ``light`` (the box's size)."""
        alpha = self.mask.astype(np.float32)
        alpha *= np.float32(1 / 255)
        light *= alpha
        colour = self.picture.astype(np.float32)
        colour *= paint.grey3(light)
        return Layer(self.x0, self.y0, colour, alpha)


def mix(first: Sequence[float], second: Sequence[float], share: float) -> Colour:
    """``share`` of ``second`` in ``first``."""
    b, g, r = (f + share * (s - f) for f, s in zip(first, second))
    return b, g, r


def egg(
    size: Point = (1, 1), arc: Point = (0, 2 * np.pi), at: Point = (0, 0), taper: float = JAW_TAPER
) -> List[Point]:
    """Points (head units) of an outline between angles ``arc`` (radians, 0 at the right,
    pi/2 at the bottom), narrower by ``taper`` at the bottom: the head's, by default."""
    t = np.linspace(arc[0], arc[1], 36)
    us = at[0] + size[0] * np.cos(t) * (1 - taper * np.clip(np.sin(t), 0, 1) ** 2)
    return list(zip(us.tolist(), (at[1] + size[1] * np.sin(t)).tolist()))


def draw_person(rng: Rng, head: Head, skin: Colour, shirt: Colour, setting: Setting) -> Layer:
    """A person from the waist up: shirt, neck, head, hair, face, maybe glasses and a beard."""
    width, height = FRAME_SIZE
    shoulders = rng.uniform(2.2, 2.9)
    reach = 1.2 * shoulders * head.a
    box = (int(max(0, head.x - reach)), int(max(0, head.y - 1.5 * head.b)), int(min(width, head.x + reach)))
    figure = Figure(head, box + (height,))
    hair, style = pick_colour(rng, HAIR_COLOURS, 8), str(rng.choice(HAIR_STYLES))
    dress_torso(rng, figure, shirt, shoulders, setting.jersey)
    if style == "long":  # falling behind the neck onto the shoulders
        ends = [(1.2, 0.6), (1.3, 1.5), (1.0, 1.85), (0.5, 1.7)]
        sides = [(u, v) for u, v in ends] + [(-u, v) for u, v in reversed(ends)]
        figure.poly(egg((1.15, 1.1), (np.pi, 2 * np.pi), (0, -0.05)) + sides, hair)
    elif style == "curly":
        figure.ellipse((0, -0.15), (1.35, 1.05), hair)
    elif style == "bun":
        figure.ellipse((0, -1.05), (0.4, 0.27), hair)
    draw_neck(rng, figure, skin, shirt)
    draw_face(rng, figure, skin, hair, style, setting)
    # Light from one side, the face's middle brighter than its rim, folds in the shirt: it
    # varies slowly, so it is made at a quarter of the box's size.
    h, w = figure.mask.shape
    xs = np.arange(0, w, 4, dtype=np.float32) + np.float32(box[0] - head.x)
    ys = np.arange(0, h, 4, dtype=np.float32) + np.float32(box[1] - head.y)
    spot = np.outer(np.exp(-0.5 * (ys / (1.3 * head.b)) ** 2), np.exp(-0.5 * (xs / (1.2 * head.a)) ** 2))
    light = (0.82 + 0.28 * spot) * (1 + rng.uniform(-0.3, 0.3) * xs / w)
    light *= 1 + 0.06 * paint.texture_noise(rng, (len(xs), len(ys)), 10.0)
    return figure.layer(cv2.resize(light.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR))


def dress_torso(rng: Rng, figure: Figure, shirt: Colour, shoulders: float, jersey: bool) -> None:
    """The shirt: the torso's outline with round shoulders, a pattern over the whole box (the
    outline lets only the torso show it), and what is printed on its chest."""
    head = figure.head
    pattern, second = str(rng.choice(PATTERNS)), pick_colour(rng, SHIRT_COLOURS, 12)
    h, w = figure.mask.shape
    # The box in the shirt's colour first, so that the outline's smoothed edge is the shirt's.
    cv2.rectangle(figure.picture, (0, 0), (w, h), shirt, -1)
    outline: List[Point] = []
    for sign in (1.0, -1.0):
        # Turned a little: the shoulder on the side the face turns to looks narrower.
        reach = shoulders * (1 - sign * 0.15 * head.turn)
        steps = [(0.6, 1.3), (1.25, 1.5), (0.75 * reach, 1.62), (0.95 * reach, 1.85), (1.02 * reach, 2.3)]
        side = [(sign * u, v) for u, v in steps + [(1.08 * reach, (FRAME_SIZE[1] + 20 - head.y) / head.b)]]
        outline += side if sign > 0 else side[::-1]
        figure.ellipse((sign * 0.82 * reach, 1.98), (0.2 * reach, 0.38), shirt)
    figure.poly(outline, shirt)
    if pattern in ("stripes", "checks"):
        period = max(6, int(rng.uniform(0.15, 0.5) * head.a))
        thick = max(2, int(period * rng.uniform(0.25, 0.5)))
        for k in range(int(rng.integers(0, period)), h, period):
            cv2.line(figure.picture, (0, k), (w, k), second, thick, cv2.LINE_AA)
        for k in range(int(rng.integers(0, period)), w if pattern == "checks" else 0, period):
            cv2.line(figure.picture, (k, 0), (k, h), tone(second, 0.8), thick, cv2.LINE_AA)
    u, v = rng.uniform(-0.4, 0.4), rng.uniform(2.3, 2.7)
    ink, font = (235.0,) * 3 if sum(shirt) < 360 else tone(second, 0.5), FONTS[int(rng.integers(0, 5))]
    if jersey or (pattern == "plain" and rng.random() < 0.1):
        number = str(int(rng.integers(0, 100 if rng.random() < 0.6 else 10)))
        figure.text(number, (u, v + 0.2), rng.uniform(0.6, 1.1), ink, font)
        if rng.random() < 0.5:
            figure.text(str(rng.choice(printed.MONTHS))[:6], (u, v - 0.5), 0.2, ink, font)
    elif pattern == "logo":
        figure.ellipse((u, v), (0.35, 0.26), second, thick=max(0.03, rng.uniform(0, 0.1)))
        figure.text(str(rng.choice(["GO", "TEAM", "LAB", "ROBO"])), (u, v), 0.13, ink, font)
    elif pattern == "text":
        figure.text(words(rng, 1).upper(), (u, v), rng.uniform(0.15, 0.35), ink, font)
        if rng.random() < 0.5:
            figure.text(str(int(rng.integers(1990, 2030))), (u, v + 0.35), 0.2, ink, font)


def draw_neck(rng: Rng, figure: Figure, skin: Colour, shirt: Colour) -> None:
    """The neck down to the neckline (crew, V, collar, hood, zip) and what trims it."""
    kind = str(rng.choice(list(NECKLINES)))
    dip, base, trim = NECKLINES[kind], 1.33, tone(shirt, 0.7)
    if kind == "hoodie":  # the hood lies around the neck
        figure.ellipse((0, 1.3), (0.95, 0.32), tone(shirt, 0.8))
    if kind in ("v", "zip"):
        rim = [(0.62, base), (0.0, base + dip), (-0.62, base)]
    else:
        rim = egg((0.62, dip), (0, np.pi), (0, base - 0.05), 0)
    figure.poly([(-0.5, 0.5), (0.5, 0.5)] + rim, tone(skin, 0.85))
    figure.ellipse((0.3 * figure.head.turn, 0.97), (0.46, 0.17), tone(skin, 0.78))  # under the chin
    figure.line(rim, trim, 0.07)
    for sign in (1, -1):
        if kind == "collar":
            tip = (sign * 0.05, base + dip)
            figure.poly([(sign * 0.65, base - 0.1), tip, (sign * 0.8, base + 0.35)], tone(shirt, 1.15))
            figure.line([(sign * 0.65, base - 0.1), tip], trim, 0.03)
        elif kind == "hoodie":  # its strings, with their tips
            top = (sign * 0.3, base + 0.15)
            end = (top[0] + sign * rng.uniform(-0.1, 0.15), top[1] + rng.uniform(0.6, 1.1))
            figure.line([top, end], (225.0, 225.0, 225.0), 0.05)
            figure.line([end, (end[0], end[1] + 0.12)], (130.0, 130.0, 130.0), 0.07)
    if kind == "zip":
        figure.line([(0, base + dip), (0, base + 20)], (150.0, 150.0, 155.0), 0.03)
        figure.ellipse((0, base + dip + 0.25), (0.04, 0.1), (170.0, 170.0, 175.0))


def draw_face(rng: Rng, figure: Figure, skin: Colour, hair: Colour, style: str, setting: Setting) -> None:
    """Ears, the face, hair over it, eyebrows, eyes, nose, mouth, sometimes a beard, glasses."""
    turn = figure.head.turn
    fu, line = 0.3 * turn, tone(skin, 0.4)  # the middle of the face, turned
    for sign in (1, -1) if style != "long" else ():
        figure.ellipse((sign * 0.97, 0.02), (0.17, 0.27), tone(skin, 0.9))
        inner = (-90 + 90 * (1 - sign), 90 + 90 * (1 - sign))  # the fold inside the ear
        figure.ellipse((sign * 0.97, 0.02), (0.08, 0.16), tone(skin, 0.7), inner, 0.03)
    figure.poly(egg(), skin)
    draw_hair(rng, figure, skin, hair, style)
    brow = tone(hair, 0.8) if style not in ("bald", "buzz") else tone(skin, 0.35)
    eye, closed, iris = -0.08, rng.random() < 0.12, pick_colour(rng, IRIS_COLOURS)
    arch, tilt, thick = rng.uniform(0.02, 0.09), rng.uniform(-0.1, 0.1), rng.uniform(0.05, 0.1)
    for sign in (1, -1):
        eu = fu + sign * 0.4
        curve = [(eu + d, eye - 0.22 - arch * (1 - (d / 0.22) ** 2) + sign * tilt * d) for d in ALONG_BROW]
        figure.line(curve, brow, thick)
        if closed:
            figure.ellipse((eu, eye), (0.18, 0.04), line, (0, 180), 0.03)
            continue
        figure.ellipse((eu, eye), (0.19, 0.063), (225.0, 230.0, 235.0))
        figure.ellipse((eu + 0.04 * turn, eye), (0.075, 0.055), iris)
        figure.ellipse((eu + 0.04 * turn, eye), (0.035, 0.026), (15.0, 15.0, 15.0))
        figure.ellipse((eu, eye), (0.19, 0.063), line, (180, 360), 0.035)
    tip = (fu + 0.12 * turn, 0.3)
    figure.line([(fu + 0.1, eye + 0.05), (tip[0] + 0.12, tip[1] - 0.05)], tone(skin, 0.82), 0.04)
    figure.ellipse(tip, (0.16, 0.08), tone(skin, 0.8), (10, 170), 0.03)
    for sign in (1, -1):
        figure.ellipse((tip[0] + sign * 0.09, tip[1] + 0.02), (0.05, 0.022), tone(skin, 0.5))
    mouth = (fu + 0.06 * turn, 0.58)
    if setting.beard if setting.beard is not None else rng.random() < 0.12:
        tuft = hair if style != "bald" or rng.random() < 0.5 else (60.0, 60.0, 65.0)
        kind = str(rng.choice(["full", "moustache"] + (["stubble"] if setting.beard is None else [])))
        if kind != "moustache":  # round the jaw from cheek to cheek, up to the mouth
            cheeks = [(fu - 0.5, 0.4), (fu, 0.46), (fu + 0.5, 0.4)]
            colour = tuft if kind == "full" else mix(skin, tuft, 0.35)
            figure.poly(egg((1.03, 1.03), (0.3, np.pi - 0.3)) + cheeks, colour)
        figure.ellipse((mouth[0], mouth[1] - 0.09), (0.3, 0.07), tuft)
    half, lips = 0.28 * rng.uniform(0.85, 1.15), (skin[0] * 0.75, skin[1] * 0.7, min(255.0, skin[2]))
    figure.ellipse((mouth[0], mouth[1] + 0.02), (half * 0.8, 0.07), lips)
    figure.ellipse(mouth, (half, 0.11 * rng.uniform(0.1, 0.6)), line, (0, 180), 0.035)
    if setting.glasses if setting.glasses is not None else rng.random() < 0.3:
        draw_glasses(rng, figure, fu, eye)


def draw_hair(rng: Rng, figure: Figure, skin: Colour, hair: Colour, style: str) -> None:
    """The hair over the head: a cap down to a hairline (a fringe, a parting, a beanie's brim),
    or for the bald a shine and a ring of hair above the ears."""
    if style == "bald":
        figure.ellipse((-0.2, -0.7), (0.3, 0.15), tone(skin, 1.15))
        for arc in ((-25, 25), (155, 205)):
            figure.ellipse((0, -0.05), (1.0, 0.55), mix(skin, hair, 0.6), arc, 0.12)
        return
    cap = mix(skin, hair, 0.55 if style == "buzz" else 1)
    cap = pick_colour(rng, SHIRT_COLOURS) if style == "beanie" else cap
    low = {"fringe": -0.2, "beanie": -0.35, "long": -0.05}.get(style, 0.1)
    sides = egg((1.06, 1.06), (np.pi - low, 2 * np.pi + low), (0, -0.04))
    hairline = -0.28 if style in ("fringe", "beanie") else -rng.uniform(0.45, 0.6)
    parting, count = rng.uniform(-0.4, 0.4), 9 if style == "fringe" else 5
    edge = []
    for u in np.linspace(0.95, -0.95, count):
        dip = 0.0 if style == "beanie" else (u - parting) ** 2 * 0.2
        edge.append((float(u), hairline + dip + (rng.uniform(0, 0.08) if style == "fringe" else 0.0)))
    figure.poly(sides + (edge if style == "long" else [sides[-1]] + edge + [sides[0]]), cap)
    if style == "beanie":
        figure.line([(-1.05, hairline), (1.05, hairline)], tone(cap, 0.75), 0.27)
    for angle in rng.uniform(np.pi * 1.05, np.pi * 1.95, 8 if style == "curly" else 0):
        figure.ellipse((1.05 * np.cos(angle), -0.1 + np.sin(angle)), (0.22, 0.16), hair)


def draw_glasses(rng: Rng, figure: Figure, fu: float, eye: float) -> None:
    """Two rings and a bridge (an "8" or "0 0" to a digit finder), the arms running to the ears."""
    colour = pick_colour(rng, GLASSES_COLOURS)
    thick = rng.uniform(0.02, 0.04) if rng.random() < 0.5 else rng.uniform(0.05, 0.09)
    ru, rv = rng.uniform(0.24, 0.32), rng.uniform(0.12, 0.18)
    for sign in (1, -1):
        eu = fu + sign * 0.4
        if rng.random() < 0.4:  # a reflection in the lens
            figure.ellipse((eu - 0.05, eye - 0.04), (0.06, 0.09), (240.0, 240.0, 240.0))
        figure.ellipse((eu, eye), (ru, rv), colour, thick=thick)
        figure.line([(eu + sign * ru, eye - 0.3 * rv), (sign * 0.98, eye - 0.1 * rv)], colour, thick)
    bridge = [(fu - 0.4 + ru, eye - 0.3 * rv), (fu, eye - 0.5 * rv), (fu + 0.4 - ru, eye - 0.3 * rv)]
    figure.line(bridge, colour, thick)


# --- the sheet -------------------------------------------------------------------------------


def show_sheet(
    rng: Rng,
    canvas: np.ndarray,
    cover: np.ndarray,
    setting: Setting,
    head: Head,
    digits: DigitSet,
    empty: bool,
    skin: Colour,
    solid: Optional[np.ndarray],
) -> List[Written]:
    """The sheet held up near the face or chest, nearer the camera than the face, in hands."""
    width, height = FRAME_SIZE
    kind = setting.sheet or "plain"
    card = kind in ("index_card", "coloured_card", "sticky_note")
    scale = head.px_per_cm * rng.uniform(*(CARD_NEARER if card else SHEET_NEARER))
    if kind == "printed":
        sheet = printed_sheet(rng, scale)
    else:
        count = 0 if empty else int(rng.choice([1, 2, 3], p=DIGIT_COUNTS))
        count = min(count, 2) if kind == "sticky_note" else count
        wanted = rng.uniform(*(SMALL_DIGIT_HEIGHT if setting.small else DIGIT_HEIGHT)) * height
        sheet, digit_height = sized_sheet(rng, kind, scale, count, wanted)
        if setting.notebook:  # a page of a spiral notebook: holes along its top edge
            cm = sheet.px_per_cm
            for k in range(int(sheet.size[0] / (0.85 * cm))):
                hole = (int((k + 0.5) * 0.85 * cm), int(0.45 * cm))
                cv2.circle(sheet.picture, hole, max(1, int(0.18 * cm)), (70.0, 70.0, 75.0, 1.0), -1)
        if count:
            write_digits(rng, sheet, digits, count, digit_height, rng.uniform(-8, 8), setting.ink)
    sheet_w, sheet_h = sheet.size
    if setting.place == "chest":
        # Below the chin when it fits, the lower face behind it when it does not.
        low = max(head.b * rng.uniform(1.5, 2.6), head.b + sheet_h * rng.uniform(0.3, 0.5))
        centre = (head.x + rng.uniform(-0.8, 0.8) * head.a, head.y + low)
    elif setting.place == "beside":  # on the side with more room, mostly
        side = (1.0 if head.x < width / 2 else -1.0) * (-1 if rng.random() < 0.2 else 1)
        reach = head.a * rng.uniform(0.9, 1.4) + sheet_w / 2
        centre = (head.x + side * reach, head.y + head.b * rng.uniform(-0.4, 0.8))
    else:
        centre = (head.x + rng.uniform(-0.4, 0.4) * head.a, head.y + rng.uniform(0.0, 0.9) * head.b)
    # Most of it stays in the frame: a webcam user checks the preview.
    centre = (keep_in(centre[0], sheet_w * 0.42, width), keep_in(centre[1], sheet_h * 0.38, height))
    turn = rng.uniform(-setting.turn, setting.turn, 3)
    homography = pose(sheet.size, centre, 1.0, turn[0], turn[1], turn[2])
    hands = 1 if kind == "sticky_note" else setting.hands
    edges = ("left", "right", "bottom") if hands < 2 else ("left", "right")
    style = str(rng.choice(["thumb", "thumb", "fingers"]))
    shadow = 0.0 if solid is not None else rng.uniform(0.1, 0.3)
    return hold_up(rng, canvas, cover, sheet, homography, hands, style, edges, shadow, skin, solid)


def sized_sheet(rng: Rng, kind: str, scale: float, count: int, wanted: float) -> Tuple[Sheet, float]:
    """(a blank sheet of ``kind`` at ``scale`` px per cm, or nearer if a row of ``count`` of the
    smallest digits would not fit on it, the height to write them: ``wanted``, or less to fit)."""
    height = FRAME_SIZE[1]
    cm_w, cm_h = SHEET_CM[kind]
    margin = 2 * sheets.WRITING_MARGIN_CM.get(kind, sheets.DEFAULT_MARGIN_CM)
    # Cards are held landscape, paper either way: a row may have to go across the short side.
    across_cm = min(cm_w, cm_h) - margin
    along_cm = across_cm if kind in ("plain", "ruled", "squared") else max(cm_w, cm_h) - margin
    smallest = SMALL_DIGIT_HEIGHT[0] * height
    across, along = room_for(smallest, max(1, count), smallest)
    least = max(across / across_cm, along / along_cm)
    sheet = make_sheet(rng, kind, min(max(cm_w, cm_h) * max(scale, least), MOST_SHEET * height))
    digit_height = min(wanted, DIGIT_SHARE_OF_SHEET * min(sheet.size))
    x0, y0, x1, y1 = sheet.area  # rows of digits run along its x
    while digit_height > smallest:
        across, along = room_for(digit_height, max(1, count), smallest)
        if across <= y1 - y0 and along <= x1 - x0:
            break
        digit_height *= 0.95
    return sheet, max(digit_height, smallest)


def room_for(height: float, count: int, smallest: float) -> Tuple[float, float]:
    """(px across, px along) a row of ``count`` digits ``height`` px tall needs on a sheet: ink
    with the pen's padding (handwriting pads by the stroke and 3 px), turned up to 14 degrees,
    and the gaps. Digits that write_digits could not shrink and keep above ``smallest`` also
    get room to be placed at random at the first tries."""
    pad = 2 * max(7.0, 0.12 * height + 3)
    tall, wide = height + pad, 0.7 * height + pad
    across = 0.97 * tall + 0.2 * wide
    along = count * (0.97 * wide + 0.2 * tall) + (count - 1) * 0.5 * height
    slack = PLACING_ROOM if height * 0.8 < smallest else (1.0, 1.0)
    return across / slack[0], along / slack[1]


def keep_in(value: float, margin: float, length: float) -> float:
    return float(np.clip(value, margin, length - margin)) if 2 * margin < length else length / 2


def printed_sheet(rng: Rng, scale: float) -> Sheet:
    """A printed page, calendar, receipt or poster held up: printed words and numbers, no writing."""
    kind = str(rng.choice(["book_page", "book_page", "calendar", "receipt", "poster"]))
    cm_w, cm_h = printed.PRINTED_CM[kind]
    factor = min(scale, MOST_SHEET * FRAME_SIZE[1] / max(cm_w, cm_h)) * (0.5 if kind == "poster" else 1.0)
    size = (max(16, int(cm_w * factor)), max(16, int(cm_h * factor)))
    flat = printed.PRINTED[kind](rng, size)
    return Sheet(kind, flat, factor, (0, 0, size[0], size[1]), paper_grey=float(flat[:, :, :3].mean()))
