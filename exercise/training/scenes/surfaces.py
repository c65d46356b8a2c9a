"""Backgrounds: walls to hold a sheet up against and tables to lay it on (float32 BGR).

Each is drawn at the frame's size in a few whole-picture operations; the patterns (stripes,
tiles, bricks, wallpaper, planks, checks, cutting-mat grids) are what makes a finder see
edges, corners and blobs where no digit is.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import cv2
import numpy as np

from exercise.training.scenes.paint import (
    FONTS,
    Colour,
    flat_colour,
    grey3,
    pick_colour,
    print_text,
    profile_length,
    profile_picture,
    texture_noise,
    tinted,
)

WALL_KINDS = ("paint", "stripes", "tiles", "brick", "wallpaper", "wood", "plaster")
TABLE_KINDS = ("wood", "laminate", "cloth", "dark", "cork", "cutting_mat")

#: BGR wall paints: whites, greys, pastels and a few strong colours.
WALL_PAINTS: Tuple[Colour, ...] = (
    (235, 238, 240),
    (205, 215, 222),
    (180, 200, 215),
    (150, 160, 165),
    (200, 225, 235),
    (215, 200, 170),
    (170, 205, 170),
    (120, 170, 225),
    (90, 110, 170),
    (110, 80, 50),
    (60, 60, 130),
    (80, 120, 80),
    (150, 190, 240),
    (210, 180, 200),
    (70, 75, 80),
)
BRICK_COLOURS: Tuple[Colour, ...] = (
    (55, 75, 150),
    (60, 90, 140),
    (45, 60, 120),
    (80, 110, 160),
    (70, 80, 110),
)
WOOD_COLOURS: Tuple[Colour, ...] = (
    (60, 100, 150),
    (40, 70, 110),
    (90, 140, 190),
    (30, 50, 80),
    (70, 120, 170),
)


def pick(rng: np.random.Generator, colours: Sequence[Colour], spread: float = 12.0) -> Colour:
    """One of ``colours``, shifted a little per channel (a little more than a hand's colour)."""
    return pick_colour(rng, colours, spread)


def two_tone(field: np.ndarray, first: Colour, second: Colour) -> np.ndarray:
    """``first`` where ``field`` is 0, ``second`` where it is 1, blended between."""
    return tinted(1 - field, first) + tinted(field, second)


def roughness(rng: np.random.Generator, size: Tuple[int, int], fine: float, blotches: float) -> np.ndarray:
    """A multiplicative shade around 1: fine grain and large blotches."""
    shade = np.float32(fine) * texture_noise(rng, size, 3.0) + np.float32(1)
    shade += np.float32(blotches) * texture_noise(rng, size, 120.0)
    return shade


def soft_step(values: np.ndarray, edge: float, width: float) -> np.ndarray:
    return np.clip((values - edge) / width + 0.5, 0, 1).astype(np.float32)


def blend_profile(field: np.ndarray, first: Colour, second: Colour) -> np.ndarray:
    """(L, 3) colours: ``first`` where the 1-D ``field`` is 0, ``second`` where it is 1."""
    first_colour, second_colour = np.array(first, np.float32), np.array(second, np.float32)
    return ((1 - field)[:, None] * first_colour + field[:, None] * second_colour).astype(np.float32)


def wall(rng: np.random.Generator, kind: str, size: Tuple[int, int]) -> np.ndarray:
    """A wall of ``kind`` (one of WALL_KINDS) filling a picture of ``size``."""
    if kind == "paint":
        picture = flat_colour(size, pick(rng, WALL_PAINTS))
        picture *= grey3(roughness(rng, size, 0.015, 0.03))
    elif kind == "plaster":
        picture = flat_colour(size, pick(rng, WALL_PAINTS[:7]))
        picture *= grey3(roughness(rng, size, 0.05, 0.06))
    elif kind == "stripes":
        picture = stripes(rng, size)
    elif kind == "tiles":
        picture = tiles(rng, size)
    elif kind == "brick":
        picture = bricks(rng, size)
    elif kind == "wallpaper":
        picture = wallpaper(rng, size)
    elif kind == "wood":
        picture = planks(rng, size, vertical=True)
    else:
        raise ValueError(f"unknown wall {kind!r}")
    return picture


def stripes(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    angle = float(rng.choice([0.0, 0.0, 0.0, 90.0, 45.0, 135.0])) + rng.uniform(-3, 3)
    period = rng.uniform(14, 90)
    duty = rng.uniform(0.25, 0.75)
    across = np.arange(profile_length(size, angle), dtype=np.float32) + np.float32(rng.uniform(0, period))
    phase = np.mod(across, np.float32(period)) / np.float32(period)
    band = soft_step(phase, duty, 1.5 / period) * soft_step(1 - phase, 0.0, 1.5 / period)
    profile = blend_profile(band, pick(rng, WALL_PAINTS), pick(rng, WALL_PAINTS))
    if rng.random() < 0.4:  # a thin pinstripe in the middle of the first band
        pin = soft_step(-np.abs(phase - duty / 2), -0.8 / period, 0.8 / period)
        profile = profile * (1 - pin)[:, None] + pin[:, None] * np.array(pick(rng, WALL_PAINTS), np.float32)
    picture = profile_picture(profile.astype(np.float32), size, angle)
    picture *= grey3(roughness(rng, size, 0.01, 0.02))
    return picture


def tiles(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    width, height = size
    tile_h = int(rng.uniform(25, 80))
    tile_w = tile_h * int(rng.choice([1, 1, 2]))
    grout = int(rng.integers(2, 5))
    base = pick(rng, WALL_PAINTS)
    rows, cols = height // tile_h + 2, width // tile_w + 2
    tone = (1 + rng.uniform(-0.05, 0.05, (rows, cols))).astype(np.float32)
    shade = cv2.resize(tone, (cols * tile_w, rows * tile_h), interpolation=cv2.INTER_NEAREST)
    offset_x, offset_y = int(rng.integers(0, tile_w)), int(rng.integers(0, tile_h))
    shade = np.ascontiguousarray(shade[offset_y : offset_y + height, offset_x : offset_x + width])
    joints = np.zeros((height, width), np.uint8)
    stagger = rng.random() < 0.3
    for row, y in enumerate(range(-offset_y, height, tile_h)):
        cv2.line(joints, (0, y), (width, y), 255, grout)
        shift = (tile_w // 2) * (row % 2) if stagger else 0
        for x in range(-offset_x - shift, width + tile_w, tile_w):
            cv2.line(joints, (x, max(0, y)), (x, y + tile_h), 255, grout)
    grout_colour = pick(rng, ((200, 200, 200), (90, 90, 90), (235, 235, 235), (60, 60, 60)))
    mortar = cv2.GaussianBlur(joints, (3, 3), 0).astype(np.float32) / 255
    picture = tinted(shade * (1 - mortar) * roughness(rng, size, 0.01, 0.03), base) + tinted(
        mortar, grout_colour
    )
    return picture


def bricks(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    width, height = size
    course = int(rng.uniform(16, 40))
    length = int(course * rng.uniform(2.0, 2.6))
    gap = max(2, int(course * rng.uniform(0.08, 0.15)))
    painted = rng.random() < 0.3
    base = pick(rng, WALL_PAINTS[:6]) if painted else pick(rng, BRICK_COLOURS)
    rows, cols = height // course + 2, width // length + 3
    spread = 0.04 if painted else 0.15
    tone = (1 + rng.uniform(-spread, spread, (rows, cols))).astype(np.float32)
    warmth = rng.uniform(-1, 1, (rows, cols)).astype(np.float32) * np.float32(0 if painted else 1)
    tone_big = cv2.resize(tone, (cols * length, rows * course), interpolation=cv2.INTER_NEAREST)
    warmth_big = cv2.resize(warmth, (cols * length, rows * course), interpolation=cv2.INTER_NEAREST)
    for row in range(1, rows, 2):  # every other course is laid half a brick along
        band = slice(row * course, (row + 1) * course)
        tone_big[band] = np.roll(tone_big[band], length // 2, axis=1)
        warmth_big[band] = np.roll(warmth_big[band], length // 2, axis=1)
    offset_x, offset_y = int(rng.integers(0, length)), int(rng.integers(0, course))
    crop = (slice(offset_y, offset_y + height), slice(offset_x, offset_x + width))
    joints = np.zeros((rows * course, cols * length), np.uint8)
    for row in range(rows):
        y = row * course
        cv2.line(joints, (0, y), (cols * length, y), 255, gap)
        shift = length // 2 if row % 2 else 0
        for x in range(shift, cols * length, length):
            cv2.line(joints, (x, y), (x, y + course), 255, gap)
    mortar = cv2.GaussianBlur(joints[crop], (3, 3), 0).astype(np.float32) / 255
    shade = np.ascontiguousarray(tone_big[crop]) * roughness(rng, size, 0.06 if not painted else 0.025, 0.04)
    picture = tinted(shade * (1 - mortar), base) + tinted(
        np.ascontiguousarray(warmth_big[crop]) * (1 - mortar), (-6, 0, 10)
    )
    mortar_colour = pick(rng, ((170, 180, 185), (130, 140, 145), (200, 205, 210)))
    picture += tinted(mortar * roughness(rng, size, 0.08, 0.0), mortar_colour)
    return picture


def wallpaper(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A repeating motif: one tile drawn, then repeated over the wall."""
    width, height = size
    ground, motif = pick(rng, WALL_PAINTS), pick(rng, WALL_PAINTS)
    step = int(rng.uniform(22, 60))
    pattern = str(rng.choice(["dots", "diamonds", "flowers", "waves"]))
    tile = flat_colour((step, 2 * step), ground)
    # Motifs on a staggered lattice: the tile's corners and the middle of its lower half,
    # drawn also one tile over so that the repeats join.
    centres = [(x, y) for x in (0, step) for y in (0, 2 * step)] + [
        (step // 2, step),
        (step // 2 - step, step),
    ]
    if pattern == "dots":
        radius = max(2, int(step * rng.uniform(0.1, 0.3)))
        for centre in centres:
            cv2.circle(tile, centre, radius, motif, -1, cv2.LINE_AA)
    elif pattern == "diamonds":
        thickness = int(rng.integers(1, 4))
        for dx in (-step, 0, step):
            cv2.line(tile, (dx, 0), (dx + step, 2 * step), motif, thickness, cv2.LINE_AA)
            cv2.line(tile, (dx + step, 0), (dx, 2 * step), motif, thickness, cv2.LINE_AA)
    elif pattern == "flowers":
        petal = max(2, int(step * 0.15))
        heart = pick(rng, WALL_PAINTS)
        for cx, cy in centres:
            for k in range(5):
                angle = 2 * np.pi * k / 5
                petal_centre = (int(cx + np.cos(angle) * petal * 1.3), int(cy + np.sin(angle) * petal * 1.3))
                cv2.circle(tile, petal_centre, petal, motif, -1, cv2.LINE_AA)
            cv2.circle(tile, (cx, cy), max(1, petal // 2), heart, -1, cv2.LINE_AA)
    else:
        tile = flat_colour((3 * step, step), ground)
        xs = np.arange(3 * step, dtype=np.float32)
        ys = np.arange(step, dtype=np.float32)
        wave = np.sin(
            ys[:, None] * np.float32(2 * np.pi / step)
            + 3 * np.sin(xs[None, :] * np.float32(2 * np.pi / (3 * step)))
        )
        tile = two_tone(soft_step(wave.astype(np.float32), 0.5, 0.15), ground, motif)
    tile_h, tile_w = tile.shape[:2]
    repeated = cv2.repeat(tile, height // tile_h + 2, width // tile_w + 2)
    offset_x, offset_y = int(rng.integers(0, tile_w)), int(rng.integers(0, tile_h))
    picture = np.ascontiguousarray(repeated[offset_y : offset_y + height, offset_x : offset_x + width])
    picture *= grey3(roughness(rng, size, 0.01, 0.025))
    return picture


def planks(rng: np.random.Generator, size: Tuple[int, int], vertical: bool) -> np.ndarray:
    """Wooden boards with grain and seams, running up (a panelled wall) or across (a table)."""
    width, height = size
    along, across = (height, width) if vertical else (width, height)
    board = int(rng.uniform(60, 160))
    tone = (1 + rng.uniform(-0.12, 0.12, across // board + 2)).astype(np.float32)
    profile = np.repeat(tone, board)[:across]
    offset = int(rng.integers(0, board))
    seams = (np.arange(across) + offset) % board < 2
    profile = np.where(seams, profile * np.float32(0.55), profile).astype(np.float32)
    # Grain: noise stretched along the boards.
    grain = rng.standard_normal((max(2, across // 3), max(2, along // 60)), np.float32)
    grain = np.asarray(cv2.resize(grain, (along, across), interpolation=cv2.INTER_CUBIC))
    shade = profile[:, None] * (np.float32(1) + np.float32(0.08) * grain)
    if vertical:
        shade = np.ascontiguousarray(shade.T)
    return tinted(shade.astype(np.float32), pick(rng, WOOD_COLOURS))


def table(rng: np.random.Generator, kind: str, size: Tuple[int, int]) -> np.ndarray:
    """A table top of ``kind`` (one of TABLE_KINDS) filling a picture of ``size``."""
    width, height = size
    if kind == "wood":
        picture = planks(rng, size, vertical=bool(rng.random() < 0.3))
    elif kind == "laminate":
        picture = flat_colour(
            size, pick(rng, ((225, 228, 230), (200, 205, 210), (170, 190, 205), (150, 150, 150)))
        )
        picture *= grey3(roughness(rng, size, 0.02, 0.03))
    elif kind == "cloth":
        first, second = pick(rng, WALL_PAINTS), pick(rng, WALL_PAINTS)
        period = rng.uniform(20, 70)
        xs = np.mod(np.arange(width, dtype=np.float32), np.float32(period)) < period / 2
        ys = np.mod(np.arange(height, dtype=np.float32), np.float32(period)) < period / 2
        checks = (xs[None, :].astype(np.float32) + ys[:, None].astype(np.float32)) / 2
        picture = two_tone(cv2.GaussianBlur(checks, (0, 0), 1.0), first, second)
        picture *= grey3(roughness(rng, size, 0.05, 0.02))
    elif kind == "dark":
        picture = flat_colour(size, pick(rng, ((35, 35, 38), (50, 45, 40), (25, 25, 25), (60, 60, 62))))
        picture *= grey3(roughness(rng, size, 0.04, 0.05))
    elif kind == "cork":
        picture = flat_colour(size, pick(rng, ((90, 140, 185), (80, 125, 170))))
        picture *= grey3(np.float32(0.35) * texture_noise(rng, size, 1.5) + np.float32(1))
    elif kind == "cutting_mat":
        picture = cutting_mat(rng, size)
    else:
        raise ValueError(f"unknown table {kind!r}")
    return picture


def cutting_mat(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A green or grey cutting mat: a fine grid, heavier lines every fifth, ruler numbers."""
    width, height = size
    ground = pick(rng, ((70, 110, 40), (60, 60, 60), (110, 80, 40)))
    picture = flat_colour(size, ground)
    step = int(rng.uniform(14, 26))
    line = (min(255.0, ground[0] + 90), min(255.0, ground[1] + 90), min(255.0, ground[2] + 90))
    for index, x in enumerate(range(int(rng.integers(0, step)), width, step)):
        cv2.line(picture, (x, 0), (x, height), line, 2 if index % 5 == 0 else 1, cv2.LINE_AA)
    for index, y in enumerate(range(int(rng.integers(0, step)), height, step)):
        cv2.line(picture, (0, y), (width, y), line, 2 if index % 5 == 0 else 1, cv2.LINE_AA)
    font = FONTS[int(rng.integers(0, 3))]
    for number, x in enumerate(range(step, width - step, step * 5)):
        print_text(picture, str(number * 5), (x + 2, step - 3), font, 0.35, line)
    picture *= grey3(roughness(rng, size, 0.02, 0.03))
    return picture
