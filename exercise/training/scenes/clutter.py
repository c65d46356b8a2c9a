"""Family "clutter": an untidy table seen from above, the written sheet somewhere among it all.

Coloured cards, sticky notes with words, tape, business cards, photos, a phone, a mug, pens,
coins and printed matter full of printed digits (calendar pages, a clock, a keyboard, book
pages, receipts) lie beside the sheet, under it and over its edges; sometimes several
sheets overlap, and sometimes the digits are on a sticky note or an index card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Tuple

import numpy as np

from exercise.training.scenes import objects, printed, surfaces
from exercise.training.scenes.compose import everyday_camera, lay_down, put, room_light, written_boxes
from exercise.training.scenes.frame import FRAME_SIZE, Box, DigitSet, SceneFrame, settle, transform
from exercise.training.scenes.hands import SKIN_TONES, SLEEVE_COLOURS, plan_grip
from exercise.training.scenes.optics import capture
from exercise.training.scenes.paint import cast_shadow, paste, pick_colour
from exercise.training.scenes.sheets import NOTE_COLOURS, make_sheet, pose, write_digits

FAMILY = "clutter"
DIGIT_CONDITIONS: Tuple[str, ...] = (
    "cards_beside",
    "notes_over_sheet",
    "calendar",
    "clock",
    "keyboard",
    "book_page",
    "receipt",
    "photos",
    "tape",
    "several_sheets",
    "sticky_note_digit",
    "index_card",
    "mug_and_phone",
    "crowded",
)
EMPTY_CONDITIONS: Tuple[str, ...] = (
    "cards_and_notes",
    "calendar",
    "clock",
    "keyboard",
    "book_page",
    "receipt",
    "several_sheets",
    "crowded",
)
DIGIT_COUNTS = (0.55, 0.3, 0.15)
#: Frame px per cm of the table: a webcam 40-80 cm above it.
TABLE_SCALE = (9.0, 17.0)
#: Digit height as a fraction of the frame height, before the sheet limits it.
DIGIT_HEIGHT = (0.08, 0.35)
DIGIT_SHARE_OF_SHEET = 0.55
#: Things laid over the sheet keep this far (px) from its digits.
CLEARANCE = 5
PLACE_TRIES = 5


@dataclass
class Setting:
    sheet: str = "plain"
    featured: List[str] = field(default_factory=list)
    extras: int = 3
    sheets: int = 0
    over_sheet: int = 1
    hand: bool = False


#: Which things each condition puts on the table for certain.
FEATURED = {
    "cards_beside": ["card", "card", "business_card"],
    "notes_over_sheet": ["note", "note", "note"],
    "calendar": ["calendar"],
    "clock": ["clock"],
    "keyboard": ["keyboard"],
    "book_page": ["book_page"],
    "receipt": ["receipt", "receipt"],
    "photos": ["photo", "photo"],
    "tape": ["tape", "tape", "tape"],
    "mug_and_phone": ["mug", "phone"],
    "cards_and_notes": ["card", "note", "note", "business_card"],
}
EXTRAS = (
    "card",
    "note",
    "note",
    "pen",
    "coin",
    "clip",
    "eraser",
    "photo",
    "receipt",
    "business_card",
    "tape",
    "mug",
    "phone",
    "pencil",
)


def setting_for(rng: np.random.Generator, condition: str) -> Setting:
    setting = Setting(sheet=str(rng.choice(["plain", "plain", "ruled", "squared", "index_card"])))
    setting.featured = list(FEATURED.get(condition, []))
    setting.extras = int(rng.integers(2, 6))
    setting.hand = bool(rng.random() < 0.15)
    if condition == "several_sheets":
        setting.sheets = int(rng.integers(1, 4))
    elif condition == "sticky_note_digit":
        setting.sheet = "sticky_note"
    elif condition == "index_card":
        setting.sheet = str(rng.choice(["index_card", "coloured_card"]))
    elif condition == "notes_over_sheet":
        setting.over_sheet = 3
    elif condition == "crowded":
        setting.extras, setting.sheets, setting.over_sheet = (
            int(rng.integers(7, 12)),
            int(rng.integers(0, 3)),
            3,
        )
        setting.featured = [str(rng.choice(["calendar", "keyboard", "book_page", "clock"]))]
    return setting


def make_frame(rng: np.random.Generator, condition: str, digits: DigitSet, empty: bool) -> SceneFrame:
    width, height = FRAME_SIZE
    setting = setting_for(rng, condition)
    canvas = surfaces.table(rng, str(rng.choice(surfaces.TABLE_KINDS)), FRAME_SIZE)
    scale = rng.uniform(*TABLE_SCALE)
    tilt = (rng.uniform(-15, 15), rng.uniform(-15, 15))
    things = setting.featured + [str(rng.choice(EXTRAS)) for _ in range(setting.extras)]
    rng.shuffle(things)
    # Big printed things and spare sheets go down first, so the sheet can lie over them.
    under = [t for t in things if t in ("calendar", "keyboard", "book_page", "photo")]
    over = [t for t in things if t not in under]
    for thing in under:
        put(canvas, draw(rng, thing, scale), spot(rng), (rng.uniform(-30, 30), *tilt))
    for _ in range(setting.sheets):
        spare = make_sheet(
            rng, str(rng.choice(["plain", "ruled", "squared"])), rng.uniform(0.6, 1.0) * 29.7 * scale
        )
        lay_down(rng, canvas, spare, pose(spare.size, spot(rng), 1.0, rng.uniform(-40, 40), *tilt))

    sheet_cm = (
        29.7
        if setting.sheet in ("plain", "ruled", "squared")
        else 12.7
        if setting.sheet != "sticky_note"
        else 7.6
    )
    sheet = make_sheet(
        rng,
        setting.sheet,
        sheet_cm * scale * rng.uniform(0.9, 1.6 if setting.sheet == "sticky_note" else 1.2),
    )
    if not empty:
        count = int(rng.choice([1, 2, 3], p=DIGIT_COUNTS))
        digit_height = min(rng.uniform(*DIGIT_HEIGHT) * height, DIGIT_SHARE_OF_SHEET * min(sheet.size))
        write_digits(rng, sheet, digits, count, digit_height, rng.uniform(-10, 10))
    centre = (rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height)
    homography = pose(sheet.size, centre, 1.0, rng.uniform(-25, 25), *tilt)
    written = lay_down(rng, canvas, sheet, homography)
    keep_clear = written_boxes(written)
    cover = np.zeros((height, width), np.uint8)
    corners = [(float(x), float(y)) for x, y in sheet_corners(sheet.size, homography)]
    for index, thing in enumerate(over):
        # The first few land on the sheet's edges and corners, the rest anywhere.
        for _attempt in range(PLACE_TRIES):
            where = corners[int(rng.integers(0, 4))] if index < setting.over_sheet else spot(rng)
            jitter = rng.uniform(-0.08, 0.08, 2) * height
            placed = put(
                canvas,
                draw(rng, thing, scale),
                (where[0] + jitter[0], where[1] + jitter[1]),
                (rng.uniform(0, 360), *tilt),
                keep_clear,
                CLEARANCE,
                cover,
            )
            if placed is not None:
                break
    if setting.hand:
        hold_down(rng, canvas, cover, sheet.size, homography, scale, keep_clear)
    room_light(rng, canvas, gradient=rng.uniform(0.05, 0.35), spot=rng.uniform(0.0, 0.25))
    labels, boxes, partial = settle(written, cover)
    return SceneFrame(
        capture(rng, canvas, everyday_camera(rng)), labels, boxes, FAMILY, condition, empty, partial
    )


def spot(rng: np.random.Generator) -> Tuple[float, float]:
    width, height = FRAME_SIZE
    return rng.uniform(-0.1, 1.1) * width, rng.uniform(-0.1, 1.1) * height


def sheet_corners(size: Tuple[int, int], homography: np.ndarray) -> np.ndarray:
    width, height = size
    return transform(np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32), homography)


def hold_down(
    rng: np.random.Generator,
    canvas: np.ndarray,
    cover: np.ndarray,
    sheet_size: Tuple[int, int],
    homography: np.ndarray,
    scale: float,
    keep_clear: List[Box],
) -> None:
    """A hand resting on the sheet's edge, holding it flat: all of it lies over the table."""
    width, height = sheet_size
    for _attempt in range(PLACE_TRIES):
        along = rng.uniform(0.2, 0.8)
        edge, inward = [
            ((0.0, along * height), (1, 0)),
            ((float(width), along * height), (-1, 0)),
            ((along * width, float(height)), (0, -1)),
        ][int(rng.integers(0, 3))]
        ends = transform(
            np.array([edge, (edge[0] + inward[0] * 10, edge[1] + inward[1] * 10)], np.float32), homography
        )
        plan = plan_grip(
            rng, (float(ends[0][0]), float(ends[0][1])), ends[1] - ends[0], scale, FRAME_SIZE, "thumb"
        )
        if not plan.front_hits(keep_clear, CLEARANCE):
            back, front = plan.layers(pick_colour(rng, SKIN_TONES), pick_colour(rng, SLEEVE_COLOURS))
            for layer in (back, front):
                cast_shadow(canvas, layer, (4.0, 6.0), 6.0, 0.3)
                paste(canvas, layer, cover)
            return


def draw(rng: np.random.Generator, thing: str, scale: float) -> np.ndarray:
    """The flat BGRA picture of ``thing`` at ``scale`` px per cm."""
    if thing in printed.PRINTED:
        cm_w, cm_h = printed.PRINTED_CM[thing]
        factor = rng.uniform(0.6, 1.0) if thing in ("calendar", "clock") else 1.0
        return printed.PRINTED[thing](
            rng, (max(16, int(cm_w * scale * factor)), max(16, int(cm_h * scale * factor)))
        )
    if thing == "card":
        return make_sheet(rng, "coloured_card", 14.8 * scale * rng.uniform(0.6, 1.0)).picture
    if thing == "note":
        side = int(7.6 * scale * rng.uniform(0.8, 1.1))
        colour = NOTE_COLOURS[int(rng.integers(0, len(NOTE_COLOURS)))]
        if rng.random() < 0.6:
            return printed.sticky_words(rng, (side, side), colour)
        return make_sheet(rng, "sticky_note", side).picture
    return SMALL_THINGS[thing](rng, scale)


SMALL_THINGS: Dict[str, Callable[[np.random.Generator, float], np.ndarray]] = {
    "pen": objects.pen,
    "pencil": objects.pencil,
    "coin": objects.coin,
    "clip": objects.paper_clip,
    "eraser": objects.eraser,
    "business_card": objects.business_card,
    "tape": objects.tape,
    "mug": objects.mug,
    "phone": objects.phone,
}
