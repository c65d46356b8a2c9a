"""``demo``: a synthetic webcam looking at a sheet of paper with one handwritten digit.

The default camera when there is no webcam. Every few seconds the sheet shows another
MNIST digit (sometimes none); the hand holding it sways a little, the light is uneven and
the sensor is noisy, so the student's preprocessing meets the problems of a real webcam.

It must cost next to nothing per frame (the whole exercise runs in a fraction of a core),
so each sheet is rendered once when its digit changes, into a scene a few pixels larger
than the frame, and then with a few different crops of a pre-drawn sensor-noise tile
added. A frame is a shifted crop of one of those noisy scenes, never the same one twice in
a row: a view into an array, no pixel work at all per frame.

The digit the camera shows is public (:attr:`DemoCamera.current_digit`,
:meth:`DemoCamera.digit_of`) so that tests can check what the whole pipeline reads.

Spec options, all optional: ``demo:interval=2,seed=7,empty=0.2`` (seconds per sheet,
random seed, probability of an empty sheet).
"""

from __future__ import annotations

import collections
import math
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from exercise.cameras import demo_assets
from exercise.cameras.base import Frame, ThreadedCamera
from exercise.cameras.pacing import FrameClock
from exercise.exceptions import CameraError, DatasetError

#: Pixels of scene around the frame on each side: room for the hand's sway.
MARGIN = 10
#: Mean of the noise tile; the scene is rendered that much darker so noise is zero-mean.
NOISE_MEAN = 8
NOISE_SIGMA = 3.0
#: Noisy versions of each scene (each with its own crop of the noise tile) that frames
#: take turns from: sensor noise that changes every frame, for a few adds per sheet.
NOISE_VARIANTS = 4
#: Steps between variants drawn in advance; a cycle of 997 frames (a prime: no beat with
#: the sheet interval) is half a minute at 30 fps, too long for an eye to notice a repeat.
VARIANT_STEPS = 997
#: How many recent frames :meth:`DemoCamera.digit_of` remembers.
TRUTH_HISTORY = 256

#: BGR ink colours: black marker, blue ballpoint, dark grey felt pen.
INKS = ((38, 36, 40), (125, 58, 32), (60, 57, 55))


@dataclass(frozen=True)
class DemoOptions:
    """How the demo camera behaves; every field has a sensible default."""

    width: int = 640
    height: int = 480
    fps: float = 30.0
    #: Seconds each sheet is shown before the next digit.
    interval: float = 3.0
    #: Probability that a new sheet is empty (never twice in a row).
    empty_probability: float = 0.15
    #: Seed of the digits, the layouts and the noise; None: different every run.
    seed: Optional[int] = None


def hand_offset(t: float, phases: Tuple[float, float, float, float]) -> Tuple[int, int]:
    """Integer pixel shift of the sheet at time ``t``: two slow sways per axis, at most
    ``MARGIN - 1`` pixels, like a hand that holds still but not quite."""
    dx = 5.0 * math.sin(2 * math.pi * 0.21 * t + phases[0]) + 2.0 * math.sin(
        2 * math.pi * 0.67 * t + phases[1]
    )
    dy = 3.5 * math.sin(2 * math.pi * 0.17 * t + phases[2]) + 1.5 * math.sin(
        2 * math.pi * 0.53 * t + phases[3]
    )
    limit = MARGIN - 1
    return int(max(-limit, min(limit, round(dx)))), int(max(-limit, min(limit, round(dy))))


def noise_tile(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Sensor noise, uint8 around ``NOISE_MEAN``, per channel, a margin larger than a frame
    so that a random crop of it differs from frame to frame."""
    noise = rng.normal(NOISE_MEAN, NOISE_SIGMA, size=(height + 2 * MARGIN, width + 2 * MARGIN, 3))
    return np.clip(noise, 0, 2 * NOISE_MEAN).astype(np.uint8)


def _smooth_field(rng: np.random.Generator, height: int, width: int, cells: Tuple[int, int]) -> np.ndarray:
    """Low-frequency random values in [-1, 1], float32 (height, width): paper texture, light."""
    coarse = rng.uniform(-1.0, 1.0, size=cells).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


def render_ink(digit28: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage in [0, 1], float32 (size, size), of an MNIST digit written with a pen.

    The upscaled digit is thresholded into a crisp stroke (MNIST's soft grey edges would
    look like a blurred photo, not ink) and thickened a little, then tilted slightly.
    """
    up = cv2.resize(digit28, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255.0
    ink = np.clip((up - 0.3) / 0.25, 0.0, 1.0)
    pen = max(3, size // 60) | 1
    ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen)))
    tilt = cv2.getRotationMatrix2D((size / 2, size / 2), float(rng.uniform(-8, 8)), 1.0)
    return cv2.warpAffine(ink, tilt, (size, size), flags=cv2.INTER_LINEAR)


def render_sheet(
    digit28: Optional[np.ndarray], sheet_w: int, sheet_h: int, digit_h: int, rng: np.random.Generator
) -> np.ndarray:
    """The flat sheet, uint8 BGR (sheet_h, sheet_w, 3): paper with one digit (or none)
    written near its centre, at most as wide as the sheet."""
    paper = np.array(rng.uniform([222, 228, 230], [236, 240, 244]), dtype=np.float32)
    # The paper's texture varies slowly: made on a grid a quarter the size and scaled up,
    # in uint8 (a sheet is redrawn every few seconds, and it must cost next to nothing).
    small_w, small_h = max(2, sheet_w // 4), max(2, sheet_h // 4)
    texture = 3.0 * _smooth_field(rng, small_h, small_w, (6, 5))
    small = np.clip(paper[None, None, :] + texture[:, :, None], 0, 255).astype(np.uint8)
    sheet = cv2.resize(small, (sheet_w, sheet_h), interpolation=cv2.INTER_LINEAR)
    if digit28 is None:
        return sheet
    # MNIST draws a digit in the middle 20 of its 28 pixels: scale so the digit is digit_h tall.
    box = min(int(round(digit_h * 28 / 20)), sheet_w, sheet_h)
    ink = render_ink(digit28, box, rng)
    cx = sheet_w / 2 + rng.uniform(-0.06, 0.06) * sheet_w
    cy = sheet_h / 2 + rng.uniform(-0.05, 0.05) * sheet_h
    x0 = int(np.clip(cx - box / 2, 0, sheet_w - box))
    y0 = int(np.clip(cy - box / 2, 0, sheet_h - box))
    colour = np.array(INKS[int(rng.integers(len(INKS)))], dtype=np.float32)
    # Blend only where there is ink: a digit's strokes cover a fraction of its box.
    bx, by, bw, bh = cv2.boundingRect((ink > 0).astype(np.uint8))
    alpha = 0.92 * ink[by : by + bh, bx : bx + bw, None]
    y0, x0 = y0 + by, x0 + bx
    region = sheet[y0 : y0 + bh, x0 : x0 + bw].astype(np.float32)
    region -= alpha * (region - colour)
    sheet[y0 : y0 + bh, x0 : x0 + bw] = region
    return sheet


#: What render_scene subtracts from every channel (a scalar: 6x cheaper than a cv2.LUT).
_DARKEN = (float(NOISE_MEAN),) * 3 + (0.0,)
#: The light field is kept as uint8 ``light * LIGHT_SCALE`` (light is about 0.5 to 1.15):
#: steps of half a percent, under one grey level on the paper, hidden by the noise.
LIGHT_SCALE = 200.0


def render_scene(
    digit28: Optional[np.ndarray], width: int, height: int, rng: np.random.Generator
) -> np.ndarray:
    """One pre-rendered view, uint8 BGR (height + 2*MARGIN, width + 2*MARGIN): a wall, a
    sheet held slightly tilted in front of it, uneven light, a soft lens. Darkened by
    ``NOISE_MEAN`` so that adding the noise tile keeps the mean brightness.

    Everything full-size is uint8 (a few ms per scene); what varies slowly (the wall's
    gradient, the light) is computed small and scaled or broadcast up.
    """
    full_w, full_h = width + 2 * MARGIN, height + 2 * MARGIN
    ys = np.linspace(0.0, 1.0, full_h, dtype=np.float32)[:, None]
    wall_top = np.array(rng.uniform([120, 128, 135], [150, 158, 170]), dtype=np.float32)
    wall = (wall_top[None, :] * (1.05 - 0.2 * ys)).astype(np.uint8)  # darker near the floor
    scene = cv2.resize(wall[:, None, :], (full_w, full_h), interpolation=cv2.INTER_NEAREST)

    sheet_h = int(height * rng.uniform(0.72, 0.86))
    sheet_w = int(sheet_h * rng.uniform(0.78, 1.0))
    digit_h = int(height * rng.uniform(0.27, 0.40))
    sheet = render_sheet(digit28, sheet_w, sheet_h, digit_h, rng)

    # Where the sheet's corners land: rotated, off-centre, a little in perspective.
    angle = math.radians(rng.uniform(-6, 6))
    centre = np.array([full_w / 2 + rng.uniform(-35, 35), full_h / 2 + rng.uniform(-20, 20)])
    half = np.array([[-sheet_w, -sheet_h], [sheet_w, -sheet_h], [sheet_w, sheet_h], [-sheet_w, sheet_h]]) / 2
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    corners = half @ rotation.T + centre + rng.uniform(-0.025, 0.025, size=(4, 2)) * sheet_h
    source = np.array([[0, 0], [sheet_w, 0], [sheet_w, sheet_h], [0, sheet_h]], dtype=np.float32)
    # Drawn straight onto the wall, into the rectangle the sheet covers only; the lens
    # blur below softens its edges.
    x, y, w, h = cv2.boundingRect(corners.astype(np.float32))
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(full_w, x + w + 1), min(full_h, y + h + 1)
    warp = cv2.getPerspectiveTransform(source, (corners - [x0, y0]).astype(np.float32))
    cv2.warpPerspective(
        sheet,
        warp,
        (x1 - x0, y1 - y0),
        dst=scene[y0:y1, x0:x1],
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )

    # A lamp somewhere above: brighter on one side, a soft vignette, some blotchiness.
    # Light varies slowly, so it is computed on a coarse grid and scaled up.
    small_w, small_h = full_w // 8, full_h // 8
    xs = np.linspace(-1.0, 1.0, small_w, dtype=np.float32)[None, :]
    yc = np.linspace(-1.0, 1.0, small_h, dtype=np.float32)[:, None]
    lamp_x, lamp_y = rng.uniform(-1.0, 1.0), rng.uniform(-1.2, -0.2)
    light = 0.78 + 0.3 * np.exp(-((xs - lamp_x) ** 2 + (yc - lamp_y) ** 2) / 1.2)
    light = light - 0.1 * (xs**2 + yc**2) + 0.04 * _smooth_field(rng, small_h, small_w, (4, 5))
    light8 = np.clip(light * LIGHT_SCALE, 0, 255).astype(np.uint8)
    light3 = cv2.resize(np.repeat(light8[:, :, None], 3, axis=2), (full_w, full_h))
    cv2.multiply(scene, light3, dst=scene, scale=1.0 / LIGHT_SCALE)
    cv2.subtract(scene, _DARKEN, dst=scene)  # type: ignore[call-overload]  # a scalar
    return cv2.GaussianBlur(scene, (3, 3), 0.7)


class DemoCamera(ThreadedCamera):
    """The synthetic webcam. Thread-safe for consumers; the scene is touched only by the
    camera thread (and by :meth:`open`, before that thread starts)."""

    #: Renders only frames someone waits for (see ThreadedCamera): idle costs next to nothing.
    on_demand = True

    def __init__(self, spec: str = "demo", options: Optional[DemoOptions] = None) -> None:
        self.options = options or DemoOptions()
        if self.options.fps <= 0 or self.options.interval <= 0:
            raise CameraError(spec, "fps and interval must be positive")
        if self.options.width < 64 or self.options.height < 64:
            raise CameraError(spec, "width and height must be at least 64 pixels")
        super().__init__(spec, self.options.fps)
        try:
            self._digits, self._labels = demo_assets.load()
        except DatasetError as exc:
            raise CameraError(spec, str(exc)) from exc
        self._rng = np.random.default_rng(self.options.seed)
        # A margin larger than a scene, so that each noisy scene has a crop of its own.
        self._noise = noise_tile(self._rng, self.options.height + 2 * MARGIN, self.options.width + 2 * MARGIN)
        p0, p1, p2, p3 = (float(p) for p in self._rng.uniform(0, 2 * math.pi, size=4))
        self._phases = (p0, p1, p2, p3)
        self._noisy: List[np.ndarray] = []
        # Which noisy scene the next frame takes: a step of 1..NOISE_VARIANTS-1 from the
        # last one, drawn in advance (a numpy draw per frame would cost more than the
        # rest of the frame).
        steps = self._rng.integers(1, NOISE_VARIANTS, size=VARIANT_STEPS)
        self._variant_steps = [int(step) for step in steps]
        self._variant = 0
        self._frames_composed = 0
        self._scene_digit: Optional[int] = None
        self._sheet_index = -1
        self._clock: Optional[FrameClock] = None
        self._t0 = 0.0
        # Truth per published frame, for consumers on other threads.
        self._truth_lock = threading.Lock()
        self._truth: collections.OrderedDict[int, Optional[int]] = collections.OrderedDict()

    # -- what the camera shows -----------------------------------------------------------

    @property
    def current_digit(self) -> Optional[int]:
        """The digit on the sheet in the newest frame; None for an empty sheet or no frame yet."""
        frame = self.latest()
        if frame is None:
            return None
        with self._truth_lock:
            return self._truth.get(frame.seq)

    def digit_of(self, seq: int) -> Optional[int]:
        """The digit shown in frame ``seq`` (None: empty sheet).

        Raises:
            KeyError: that frame is not among the last ``TRUTH_HISTORY`` published.
        """
        with self._truth_lock:
            return self._truth[seq]

    def publish(
        self, image: np.ndarray, timestamp: Optional[float] = None, seq: Optional[int] = None
    ) -> Frame:
        if seq is None and self._clock is not None:
            # Numbered by its frame slot: the slots nobody asked for still count as
            # frames that went by, so a consumer sees the gaps a real camera would give.
            seq = self._clock.slot + 1
        # The truth is recorded before the frame is published, so that a consumer woken by
        # it can ask digit_of(seq) at once; and outside the lock the frame goes to the sinks
        # (a megabyte copied into the brain's slot), which may ask it too.
        with self._truth_lock:
            seq = self._next_seq(seq)  # the camera thread is the only publisher
            self._truth[seq] = self._scene_digit
            while len(self._truth) > TRUTH_HISTORY:
                self._truth.popitem(last=False)
        return super().publish(image, timestamp, seq)

    # -- ThreadedCamera ------------------------------------------------------------------

    def open(self) -> None:
        self._clock = FrameClock(self.options.fps, self.stopping)
        self._t0 = time.monotonic()
        self._sheet_index = -1
        self._next_sheet(0)

    def pace(self) -> bool:
        assert self._clock is not None, "pace() before open()"
        return self._clock.wait()

    def read(self) -> Optional[np.ndarray]:
        """The frame for the time :meth:`pace` waited for (on demand, so no waiting here)."""
        elapsed = time.monotonic() - self._t0
        sheet = int(elapsed / self.options.interval)
        if sheet != self._sheet_index:
            self._next_sheet(sheet)
        return self._compose(elapsed)

    # -- internals -----------------------------------------------------------------------

    def _next_sheet(self, index: int) -> None:
        """Pick the next digit (another one, or an empty sheet) and render its scene."""
        self._sheet_index = index
        rng = self._rng
        previous = self._scene_digit
        empty = previous is not None and index > 0 and rng.random() < self.options.empty_probability
        if empty:
            digit28: Optional[np.ndarray] = None
            self._scene_digit = None
        else:
            while True:
                pick = int(rng.integers(len(self._labels)))
                if int(self._labels[pick]) != previous:
                    break
            digit28 = self._digits[pick]
            self._scene_digit = int(self._labels[pick])
        scene = render_scene(digit28, self.options.width, self.options.height, rng)
        full_h, full_w = scene.shape[:2]
        crops = rng.integers(0, 2 * MARGIN + 1, size=(NOISE_VARIANTS, 2))
        self._noisy = [
            cv2.add(scene, self._noise[int(y) : int(y) + full_h, int(x) : int(x) + full_w])
            for x, y in crops
        ]

    def _compose(self, elapsed: float) -> np.ndarray:
        """A new frame: a noisy scene shifted by the hand (a view: frames are read-only)."""
        width, height = self.options.width, self.options.height
        dx, dy = hand_offset(elapsed, self._phases)
        step = self._variant_steps[self._frames_composed % VARIANT_STEPS]
        self._frames_composed += 1
        self._variant = (self._variant + step) % len(self._noisy)
        scene = self._noisy[self._variant]
        return scene[MARGIN + dy : MARGIN + dy + height, MARGIN + dx : MARGIN + dx + width]


def parse_argument(spec: str, argument: str) -> Dict[str, float]:
    """``"interval=2,seed=7"`` -> ``{"interval": 2.0, "seed": 7.0}``.

    Raises:
        CameraError: an unknown key or a value that is not a number.
    """
    known = {"interval", "seed", "empty"}
    values: Dict[str, float] = {}
    for item in filter(None, (part.strip() for part in argument.split(","))):
        key, _, value = item.partition("=")
        key = key.strip().lower()
        if key not in known:
            raise CameraError(spec, f"unknown demo option {key!r}; use {', '.join(sorted(known))}")
        try:
            values[key] = float(value)
        except ValueError:
            raise CameraError(spec, f"demo option {key} needs a number, not {value!r}") from None
    return values


def create(spec: str, argument: str, options: Dict[str, Optional[float]]) -> DemoCamera:
    """The ``demo`` factory: a 640x480 camera at 30 fps unless the options say otherwise."""
    extra = parse_argument(spec, argument)
    defaults = DemoOptions()
    width, height, fps = options.get("width"), options.get("height"), options.get("fps")
    seed = extra.get("seed")
    return DemoCamera(
        spec,
        DemoOptions(
            width=int(width) if width else defaults.width,
            height=int(height) if height else defaults.height,
            fps=float(fps) if fps else defaults.fps,
            interval=extra.get("interval", defaults.interval),
            empty_probability=extra.get("empty", defaults.empty_probability),
            seed=None if seed is None else int(seed),
        ),
    )
