"""Family "lines": long straight and curved things across the frame and across the sheet.

Pens, pencils and rulers lying over the sheet next to its digits, cables snaking across the
frame, the edges of tables, screens, doors and window frames (long straight boundaries
between light and dark), a dark square under part of the sheet, the sheet partly out of
view, and lines drawn on the sheet itself: an underline, a box around the digits, strokes
across the page. A finder that takes a straight stroke for a "1" fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

import cv2
import numpy as np

from exercise.training.scenes import objects, printed, surfaces
from exercise.training.scenes.compose import (
    everyday_camera,
    hold_up,
    lay_down,
    put,
    room_light,
    written_boxes,
)
from exercise.training.scenes.frame import FRAME_SIZE, DigitSet, SceneFrame, Written, settle, transform
from exercise.training.scenes.optics import capture
from exercise.training.scenes.paint import (
    Layer,
    apply_ink,
    flat_colour,
    grey3,
    layer_hits,
    paste,
    pick_ink,
    print_text,
    texture_noise,
    words,
)
from exercise.training.scenes.sheets import Sheet, make_sheet, pose, write_digits

FAMILY = "lines"
DIGIT_CONDITIONS: Tuple[str, ...] = (
    "pen_across",
    "pencil_across",
    "cable",
    "curved_cables",
    "ruler",
    "table_edge",
    "screen_edge",
    "door_edge",
    "window_frame",
    "dark_square",
    "partly_out",
    "underlined",
    "boxed",
    "drawn_lines",
    "many_lines",
)
EMPTY_CONDITIONS: Tuple[str, ...] = (
    "pens",
    "cable",
    "ruler",
    "edges",
    "dark_square",
    "drawn_lines",
    "window_frame",
    "many_lines",
)
DIGIT_COUNTS = (0.6, 0.25, 0.15)
TABLE_SCALE = (10.0, 18.0)
DIGIT_HEIGHT = (0.1, 0.4)
DIGIT_SHARE_OF_SHEET = 0.5
#: Long things lying near the digits keep at least this far (px) from them; some come this close.
CLEARANCE = (3, 25)
PLACE_TRIES = 6
CABLE_WIDTH = (4.0, 14.0)
#: Conditions about things that lie on a table, so their sheet lies there too.
LYING_THINGS = ("pen_across", "pencil_across", "ruler", "pens", "dark_square")


@dataclass
class Setting:
    held: bool = False
    edges: List[str] = field(default_factory=list)
    longs: List[str] = field(default_factory=list)
    drawn: List[str] = field(default_factory=list)
    dark_square: bool = False
    partly_out: bool = False
    sheet: str = "plain"


def setting_for(rng: np.random.Generator, condition: str) -> Setting:
    setting = Setting(
        held=bool(rng.random() < 0.3), sheet=str(rng.choice(["plain", "ruled", "squared", "index_card"]))
    )
    if rng.random() < 0.4:
        setting.longs.append(str(rng.choice(["pen", "pencil", "cable"])))
    single = {
        "pen_across": ("longs", ["pen"]),
        "pencil_across": ("longs", ["pencil"]),
        "cable": ("longs", ["cable"]),
        "curved_cables": ("longs", ["cable", "cable", "cable"]),
        "ruler": ("longs", ["ruler"]),
        "pens": ("longs", ["pen", "pencil", "pen"]),
        "table_edge": ("edges", ["table_edge"]),
        "screen_edge": ("edges", ["screen_edge"]),
        "door_edge": ("edges", ["door_edge"]),
        "window_frame": ("edges", ["window_frame"]),
        "underlined": ("drawn", ["underline"]),
        "boxed": ("drawn", ["box"]),
        "drawn_lines": ("drawn", ["strokes", "underline"]),
    }
    if condition in single:
        name, items = single[condition]
        getattr(setting, name).extend(items)
    elif condition == "dark_square":
        setting.dark_square = True
    elif condition == "partly_out":
        setting.partly_out = True
    elif condition == "edges":
        setting.edges.append(str(rng.choice(["table_edge", "screen_edge", "door_edge"])))
    elif condition == "many_lines":
        setting.longs += [
            str(rng.choice(["pen", "pencil", "cable", "ruler"])) for _ in range(int(rng.integers(3, 6)))
        ]
        setting.edges.append(str(rng.choice(["table_edge", "screen_edge", "window_frame"])))
        setting.drawn.append(str(rng.choice(["underline", "box", "strokes"])))
        setting.dark_square = bool(rng.random() < 0.4)
    if any(edge in ("door_edge", "window_frame") for edge in setting.edges):
        setting.held = True
    elif condition in LYING_THINGS:  # what the condition is about lies on a table
        setting.held = False
    if setting.held:  # nothing lies on a held sheet; cables hang in front of it
        setting.longs = ["cable" for long in setting.longs if long == "cable"]
        setting.dark_square = False
    return setting


def make_frame(rng: np.random.Generator, condition: str, digits: DigitSet, empty: bool) -> SceneFrame:
    width, height = FRAME_SIZE
    setting = setting_for(rng, condition)
    if setting.held:
        canvas = surfaces.wall(
            rng, str(rng.choice(["paint", "plaster", "paint", "stripes", "wood"])), FRAME_SIZE
        )
    else:
        canvas = surfaces.table(rng, str(rng.choice(surfaces.TABLE_KINDS)), FRAME_SIZE)
    for edge in setting.edges:
        EDGE_DRAWERS[edge](rng, canvas)
    scale = rng.uniform(*TABLE_SCALE)
    sheet = make_sheet(
        rng, setting.sheet, (29.7 if setting.sheet != "index_card" else 12.7) * scale * rng.uniform(0.9, 1.3)
    )
    if not empty:
        count = int(rng.choice([1, 2, 3], p=DIGIT_COUNTS))
        digit_height = min(rng.uniform(*DIGIT_HEIGHT) * height, DIGIT_SHARE_OF_SHEET * min(sheet.size))
        write_digits(rng, sheet, digits, count, digit_height, rng.uniform(-8, 8))
    for drawing in setting.drawn:
        draw_on_sheet(rng, sheet, drawing)
    if setting.partly_out:
        reach = max(sheet.size) * rng.uniform(0.25, 0.45)
        centre = [
            (reach - 0.5 * sheet.size[0], rng.uniform(0.3, 0.7) * height),
            (width + 0.5 * sheet.size[0] - reach, rng.uniform(0.3, 0.7) * height),
            (rng.uniform(0.3, 0.7) * width, height + 0.5 * sheet.size[1] - reach),
        ][int(rng.integers(0, 3))]
    else:
        centre = (rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height)
    cover = np.zeros((height, width), np.uint8)
    if setting.held:
        homography = pose(
            sheet.size, centre, 1.0, rng.uniform(-20, 20), rng.uniform(-20, 20), rng.uniform(-20, 20)
        )
        written = hold_up(
            rng, canvas, cover, sheet, homography, int(rng.integers(1, 3)), shadow=rng.uniform(0.1, 0.3)
        )
    else:
        tilt = (rng.uniform(-12, 12), rng.uniform(-12, 12))
        homography = pose(sheet.size, centre, 1.0, rng.uniform(-30, 30), *tilt)
        if setting.dark_square:
            dark_square_under(rng, canvas, sheet, homography)
        written = lay_down(rng, canvas, sheet, homography)
    lay_long_things(rng, canvas, cover, setting.longs, written, sheet, homography, scale)
    room_light(rng, canvas, gradient=rng.uniform(0.05, 0.35), spot=rng.uniform(0.0, 0.2))
    labels, boxes, partial = settle(written, cover)
    return SceneFrame(
        capture(rng, canvas, everyday_camera(rng)), labels, boxes, FAMILY, condition, empty, partial
    )


# --- long things ---------------------------------------------------------------------------------


def lay_long_things(
    rng: np.random.Generator,
    canvas: np.ndarray,
    cover: np.ndarray,
    longs: List[str],
    written: List[Written],
    sheet: Sheet,
    homography: np.ndarray,
    scale: float,
) -> None:
    """Pens, pencils, rulers and cables, most of them across the sheet, none over a digit."""
    width, height = FRAME_SIZE
    keep_clear = written_boxes(written)
    corners = transform(
        np.array(
            [[0, 0], [sheet.size[0], 0], [sheet.size[0], sheet.size[1]], [0, sheet.size[1]]], np.float32
        ),
        homography,
    )
    for thing in longs:
        clearance = int(rng.integers(*CLEARANCE))
        for _attempt in range(PLACE_TRIES):
            # Through a random point of the sheet (most of the time) or anywhere.
            weights = rng.dirichlet(np.ones(4))
            target = (
                weights @ corners
                if rng.random() < 0.75
                else np.array([rng.uniform(0, width), rng.uniform(0, height)])
            )
            if thing == "cable":
                layer = cable_through(rng, target)
                if not layer_hits(layer, keep_clear, clearance):
                    paste(canvas, layer, cover)
                    break
                continue
            flat = (
                objects.pen(rng, scale)
                if thing == "pen"
                else objects.pencil(rng, scale)
                if thing == "pencil"
                else ruler(rng, scale)
            )
            turn = (rng.uniform(0, 180), rng.uniform(-10, 10), rng.uniform(-10, 10))
            if (
                put(
                    canvas,
                    flat,
                    (float(target[0]), float(target[1])),
                    turn,
                    keep_clear,
                    clearance,
                    cover,
                    0.35,
                )
                is not None
            ):
                break


def ruler(rng: np.random.Generator, scale: float) -> np.ndarray:
    length = rng.choice([15.0, 20.0, 30.0])
    return printed.ruler(rng, (int(length * scale), max(8, int(3.0 * scale))))


def cable_through(rng: np.random.Generator, target: np.ndarray) -> Layer:
    """A cable from one edge of the frame to another, passing near ``target``."""
    width, height = FRAME_SIZE
    angle = rng.uniform(0, np.pi)
    reach = np.hypot(width, height)
    direction = np.array([np.cos(angle), np.sin(angle)])
    start, end = (
        target - direction * reach * rng.uniform(0.4, 1.0),
        target + direction * reach * rng.uniform(0.4, 1.0),
    )
    return objects.cable(
        rng,
        FRAME_SIZE,
        (float(start[0]), float(start[1])),
        (float(end[0]), float(end[1])),
        rng.uniform(*CABLE_WIDTH),
    )


# --- edges -----------------------------------------------------------------------------------------


def half_plane(size: Tuple[int, int], point: Tuple[float, float], angle: float) -> np.ndarray:
    """float32 (h, w): 1 on one side of the line through ``point`` at ``angle`` (degrees), 0
    on the other, one pixel of soft edge between."""
    width, height = size
    normal = (-np.sin(np.deg2rad(angle)), np.cos(np.deg2rad(angle)))
    xs = (np.arange(width, dtype=np.float32) - np.float32(point[0])) * np.float32(normal[0])
    ys = (np.arange(height, dtype=np.float32) - np.float32(point[1])) * np.float32(normal[1])
    return np.clip(xs[None, :] + ys[:, None] + 0.5, 0, 1).astype(np.float32)


def replace_where(canvas: np.ndarray, mask: np.ndarray, picture: np.ndarray) -> None:
    """``picture`` where ``mask`` is 1, the canvas where it is 0, in place."""
    canvas *= grey3(1 - mask)
    canvas += picture * grey3(mask)


def table_edge(rng: np.random.Generator, canvas: np.ndarray) -> None:
    """The table ends along a straight line; beyond it the floor, far below and darker."""
    width, height = FRAME_SIZE
    point = (rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height)
    angle = rng.uniform(-35, 35) if rng.random() < 0.7 else rng.uniform(55, 125)
    beyond = half_plane(FRAME_SIZE, point, angle)
    if rng.random() < 0.5:
        beyond = 1 - beyond
    floor = surfaces.table(rng, str(rng.choice(["dark", "cloth", "wood", "cork"])), FRAME_SIZE)
    floor *= np.float32(rng.uniform(0.35, 0.7))
    replace_where(canvas, beyond, floor)
    band = np.clip(1 - np.abs(half_plane(FRAME_SIZE, point, angle) - 0.5) * 2, 0, 1)
    lip = cv2.dilate(band, np.ones((3, int(rng.integers(3, 9))), np.uint8))
    replace_where(canvas, lip, flat_colour(FRAME_SIZE, surfaces.pick(rng, surfaces.WALL_PAINTS)))


def screen_edge(rng: np.random.Generator, canvas: np.ndarray) -> None:
    """A monitor or laptop screen fills one side: a dark bezel, a lit screen with text."""
    width, height = FRAME_SIZE
    side = int(rng.integers(0, 4))
    depth = rng.uniform(0.25, 0.55)
    x0, y0, x1, y1 = [
        (0, 0, depth * width, height),
        (width * (1 - depth), 0, width, height),
        (0, 0, width, depth * height),
        (0, height * (1 - depth), width, height),
    ][side]
    bezel = int(rng.integers(8, 30))
    cv2.rectangle(
        canvas,
        (int(x0), int(y0)),
        (int(x1), int(y1)),
        surfaces.pick(rng, ((25, 25, 25), (60, 60, 62), (180, 180, 185))),
        -1,
    )
    inner = (int(x0) + bezel, int(y0) + bezel, int(x1) - bezel, int(y1) - bezel)
    if inner[2] <= inner[0] or inner[3] <= inner[1]:
        return
    lit = rng.random() < 0.7
    screen = (
        surfaces.pick(rng, ((245, 245, 245), (90, 50, 30), (230, 200, 160), (30, 30, 30)))
        if lit
        else (20.0, 20.0, 22.0)
    )
    cv2.rectangle(canvas, inner[:2], inner[2:], screen, -1)
    if lit:
        ink = (30.0, 30.0, 30.0) if np.mean(screen) > 128 else (220.0, 220.0, 220.0)
        for y in range(inner[1] + 18, inner[3] - 6, int(rng.integers(14, 24))):
            print_text(canvas, words(rng, 6), (inner[0] + 10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.4, ink)


def door_edge(rng: np.random.Generator, canvas: np.ndarray) -> None:
    """A door (or a cupboard) beside the wall: a long near-vertical edge with its casing."""
    width, height = FRAME_SIZE
    x = rng.uniform(0.1, 0.9) * width
    angle = 90 + rng.uniform(-6, 6)
    door = half_plane(FRAME_SIZE, (x, height / 2), angle)
    if rng.random() < 0.5:
        door = 1 - door
    panel = (
        surfaces.planks(rng, FRAME_SIZE, vertical=True)
        if rng.random() < 0.5
        else flat_colour(FRAME_SIZE, surfaces.pick(rng, surfaces.WALL_PAINTS))
    )
    replace_where(canvas, door, panel)
    casing = int(rng.integers(10, 26))
    for offset in (0, casing):
        cv2.line(
            canvas,
            (int(x + offset), 0),
            (int(x + offset + np.tan(np.deg2rad(angle - 90)) * height), height),
            (40.0, 40.0, 45.0),
            2,
            cv2.LINE_AA,
        )


def window_frame(rng: np.random.Generator, canvas: np.ndarray) -> None:
    """A window: bright panes of sky and the bars between them."""
    width, height = FRAME_SIZE
    x0, y0 = int(rng.uniform(-0.2, 0.5) * width), int(rng.uniform(-0.3, 0.3) * height)
    x1, y1 = int(x0 + rng.uniform(0.5, 1.0) * width), int(y0 + rng.uniform(0.6, 1.2) * height)
    sky = (float(rng.uniform(225, 250)), float(rng.uniform(215, 245)), float(rng.uniform(190, 235)))
    cv2.rectangle(canvas, (x0, y0), (x1, y1), sky, -1)
    glow = np.clip(texture_noise(rng, FRAME_SIZE, 120.0), -1, 1) * np.float32(10)
    canvas[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] += grey3(
        np.ascontiguousarray(glow[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)])
    )
    bar = int(rng.integers(6, 22))
    colour = surfaces.pick(rng, ((240, 240, 240), (40, 40, 40), (60, 100, 140)))
    cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, bar)
    for k in range(1, int(rng.integers(2, 4))):
        x = x0 + (x1 - x0) * k // 3
        cv2.line(canvas, (x, y0), (x, y1), colour, bar)
    cv2.line(canvas, (x0, (y0 + y1) // 2), (x1, (y0 + y1) // 2), colour, bar)


EDGE_DRAWERS = {
    "table_edge": table_edge,
    "screen_edge": screen_edge,
    "door_edge": door_edge,
    "window_frame": window_frame,
}


def dark_square_under(
    rng: np.random.Generator, canvas: np.ndarray, sheet: Sheet, homography: np.ndarray
) -> None:
    """A black book or mouse pad half under the sheet: its edges run out from under it."""
    corners = transform(
        np.array(
            [[0, 0], [sheet.size[0], 0], [sheet.size[0], sheet.size[1]], [0, sheet.size[1]]], np.float32
        ),
        homography,
    )
    corner = corners[int(rng.integers(0, 4))]
    side = rng.uniform(0.4, 0.8) * max(sheet.size)
    dark = surfaces.pick(rng, ((25, 25, 28), (40, 30, 30), (20, 40, 60), (45, 45, 45)))
    height = int(side * rng.uniform(0.7, 1.3))
    flat = cv2.cvtColor(flat_colour((int(side), height), dark), cv2.COLOR_BGR2BGRA)
    put(canvas, flat, (float(corner[0]), float(corner[1])), (rng.uniform(-30, 30), 0.0, 0.0), shadow=0.4)


# --- on the sheet ----------------------------------------------------------------------------------


def draw_on_sheet(rng: np.random.Generator, sheet: Sheet, drawing: str) -> None:
    """Lines drawn with a pen on the sheet: under its digits, a box round them, or strokes."""
    width, height = sheet.size
    mask = np.zeros((height, width), np.uint8)
    points = np.concatenate([points for _, points in sheet.written]) if sheet.written else None
    if points is not None:
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
    else:
        x0, y0 = rng.uniform(0.2, 0.5) * width, rng.uniform(0.2, 0.5) * height
        x1, y1 = x0 + rng.uniform(0.1, 0.4) * width, y0 + rng.uniform(0.1, 0.3) * height
    digit_h = max(10.0, float(y1 - y0))
    ink, stroke = pick_ink(rng, str(rng.choice(["ballpoint", "felt", "marker"])), digit_h)
    thickness = max(1, int(round(min(stroke, 0.12 * digit_h))))
    gap = digit_h * rng.uniform(0.15, 0.35)
    if drawing == "underline":
        y = int(y1 + gap)
        cv2.line(
            mask,
            (int(x0 - gap), y),
            (int(x1 + gap), y + int(rng.uniform(-0.1, 0.1) * digit_h)),
            255,
            thickness,
            cv2.LINE_AA,
        )
    elif drawing == "box":
        cv2.rectangle(
            mask, (int(x0 - gap), int(y0 - gap)), (int(x1 + gap), int(y1 + gap)), 255, thickness, cv2.LINE_AA
        )
    else:
        for _ in range(int(rng.integers(2, 5))):
            row = float(rng.uniform(0, height))
            if y0 - gap < row < y1 + gap:  # keep the strokes off the digits
                continue
            cv2.line(
                mask,
                (int(rng.uniform(0, 0.3) * width), int(row)),
                (int(rng.uniform(0.6, 1.0) * width), int(row + rng.uniform(-0.05, 0.05) * height)),
                255,
                thickness,
                cv2.LINE_AA,
            )
        if rng.random() < 0.5:  # and a few printed-looking words above
            print_text(
                sheet.picture[:, :, :3],
                words(rng, 3),
                (int(0.1 * width), int(max(20, y0 - 2 * gap))),
                cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
                max(0.4, digit_h / 80),
                ink.colour,
                max(1, thickness),
            )
    apply_ink(rng, sheet.picture[:, :, :3], mask.astype(np.float32) / 255, 0, 0, ink)
