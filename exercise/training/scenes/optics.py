"""The camera: how a lit float32 scene becomes the uint8 BGR frame a cheap webcam delivers.

Lens (defocus, motion blur), sensor (light level, shot and read noise amplified by the
gain, flicker bands of mains-powered lights), processing (white balance, vignetting,
sharpening, JPEG). One :class:`Capture` holds the knobs; families set them per condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

from exercise.training.scenes.frame import FRAME_SIZE
from exercise.training.scenes.paint import Colour, gains, grey3, radial_spot

#: Sensor noise comes from one fixed bank of Gaussian samples, cut at a random offset per
#: frame: drawing 900k fresh samples per frame would cost more than the rest of the camera.
NOISE_BANK_SEED = 20261129
NOISE_BANK_SLACK = 96
#: Share of the noise variance at mid grey that is shot noise (grows with the signal);
#: the rest is read noise (the same everywhere).
SHOT_SHARE = 0.7
MID_GREY = 128.0
#: Motion blur and strong defocus are computed at half size: the result has no detail left
#: that half size would lose, and it costs a quarter.
CHEAP_BLUR_ABOVE = 2.5
#: Ink this much darker than the paper around it (grey levels) is still readable.
READABLE_CONTRAST = 45.0

_noise_bank: Optional[np.ndarray] = None


@dataclass
class Capture:
    """The camera's knobs for one frame."""

    defocus: float = 0.6  # Gaussian sigma, px
    motion: float = 0.0  # motion blur length, px
    motion_angle: float = 0.0  # degrees
    exposure: float = 1.0  # gain on the scene's light after auto exposure
    light: float = 1.0  # light reaching the sensor, 1 = a lit room; the gain makes up the rest
    noise: float = 2.5  # sensor noise sigma at mid grey in a lit room, grey levels
    cast: Colour = (1.0, 1.0, 1.0)  # white balance error, gains on B, G, R
    vignette: float = 0.0  # darkening in the corners, fraction
    bands: float = 0.0  # flicker bands of mains lights, fraction
    sharpen: float = 0.0  # the webcam's unsharp masking, amount
    jpeg: int = 85
    half_resolution: bool = False


def noise_bank() -> np.ndarray:
    global _noise_bank
    if _noise_bank is None:
        width, height = FRAME_SIZE
        bank_rng = np.random.default_rng(NOISE_BANK_SEED)
        shape = (height + NOISE_BANK_SLACK, width + NOISE_BANK_SLACK, 3)
        _noise_bank = bank_rng.standard_normal(shape, np.float32)
    return _noise_bank


def sensor_noise(rng: np.random.Generator, shape: Tuple[int, ...]) -> np.ndarray:
    """Unit Gaussian noise of ``shape`` (h, w, 3), a view into the bank: do not write to it."""
    bank = noise_bank()
    height, width = shape[:2]
    if height + NOISE_BANK_SLACK > bank.shape[0] or width + NOISE_BANK_SLACK > bank.shape[1]:
        return rng.standard_normal(tuple(shape), np.float32)
    y, x = int(rng.integers(0, NOISE_BANK_SLACK)), int(rng.integers(0, NOISE_BANK_SLACK))
    return bank[y : y + height, x : x + width]


def motion_kernel(length: float, angle: float) -> np.ndarray:
    side = int(np.ceil(length)) | 1
    kernel = np.zeros((side, side), np.float32)
    centre = side / 2 - 0.5
    dx, dy = np.cos(np.deg2rad(angle)) * length / 2, np.sin(np.deg2rad(angle)) * length / 2
    cv2.line(
        kernel,
        (int(round((centre - dx) * 16)), int(round((centre - dy) * 16))),
        (int(round((centre + dx) * 16)), int(round((centre + dy) * 16))),
        1.0,
        1,
        cv2.LINE_AA,
        4,
    )
    return kernel / max(float(kernel.sum()), 1e-6)


def blur(image: np.ndarray, defocus: float, motion: float, motion_angle: float) -> np.ndarray:
    """Lens blur of a float32 picture: defocus (Gaussian sigma) and motion (length, angle)."""
    if max(defocus, motion / 4) <= CHEAP_BLUR_ABOVE:
        if motion >= 1.5:
            image = cv2.filter2D(image, -1, motion_kernel(motion, motion_angle))
        if defocus > 0.2:
            image = cv2.GaussianBlur(image, (0, 0), defocus)
        return image
    height, width = image.shape[:2]
    small = cv2.resize(image, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    if motion >= 3:
        small = cv2.filter2D(small, -1, motion_kernel(motion / 2, motion_angle))
    if defocus > 0.4:
        small = cv2.GaussianBlur(small, (0, 0), defocus / 2)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def capture(rng: np.random.Generator, scene: np.ndarray, knobs: Capture) -> np.ndarray:
    """The frame a webcam makes of ``scene`` (float32 BGR, lit, 0..255 and above for glare)."""
    height, width = scene.shape[:2]
    image = blur(scene, knobs.defocus, knobs.motion, knobs.motion_angle)
    if knobs.half_resolution:
        image = cv2.resize(image, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    if image is scene:
        image = scene.copy()
    gains(image, [level * knobs.exposure for level in knobs.cast])
    if knobs.vignette:
        image *= grey3(1 - np.float32(knobs.vignette) * vignette_field((width, height)))
    if knobs.bands:
        period = rng.uniform(0.15, 0.45) * height
        rows = 1 + knobs.bands * np.sin(
            np.arange(height, dtype=np.float32) * (2 * np.pi / period) + rng.uniform(0, 6.3)
        )
        image *= rows.astype(np.float32)[:, None, None]
    # Fewer photons: relatively more shot noise, and the gain that restores the level also
    # amplifies the read noise. The noise level follows the grey level (a channel's own
    # level would differ by a few percent for three times the cost).
    light = max(knobs.light, 0.02)
    shot = SHOT_SHARE / MID_GREY / light
    read = (1 - SHOT_SHARE) / light**2
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    sigma = cv2.sqrt(
        np.maximum(grey, 0.0) * np.float32(shot * knobs.noise**2) + np.float32(read * knobs.noise**2)
    )
    image += sensor_noise(rng, image.shape) * grey3(sigma)
    frame = np.clip(image, 0, 255).astype(np.uint8)
    if knobs.sharpen:
        soft = cv2.GaussianBlur(frame, (0, 0), 1.2)
        frame = cv2.addWeighted(frame, 1 + knobs.sharpen, soft, -knobs.sharpen, 0)
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(knobs.jpeg)])
    assert ok
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR))


_vignette: Optional[np.ndarray] = None


def vignette_field(size: Tuple[int, int]) -> np.ndarray:
    """float32 (h, w): 0 in the middle, 1 in the corners."""
    global _vignette
    width, height = size
    if _vignette is None or _vignette.shape != (height, width):
        xs = (np.arange(width, dtype=np.float32) - width / 2) / (width / 2)
        ys = (np.arange(height, dtype=np.float32) - height / 2) / (width / 2)
        radius2 = ys[:, None] ** 2 + xs[None, :] ** 2
        _vignette = (radius2 / radius2.max()).astype(np.float32)
    return _vignette


def glare(
    canvas: np.ndarray, centre: Tuple[float, float], radii: Tuple[float, float], strength: float
) -> np.ndarray:
    """Add a specular hot spot (white light, ``strength`` grey levels at its centre) in place;
    returns the added field (h, w) so a family can tell which digits it washes out."""
    height, width = canvas.shape[:2]
    spot = radial_spot((width, height), centre, radii)
    # A glossy reflection has a bright core and a soft skirt.
    field = (strength * (0.6 * spot + 0.4 * spot**4)).astype(np.float32)
    canvas += grey3(field)
    return field


def readable_under(glare_level: float, ink_grey: float, paper_grey: float) -> bool:
    """Whether ink of ``ink_grey`` on paper of ``paper_grey`` still shows with ``glare_level``
    grey levels of reflection added to both (the sensor clips at 255)."""
    return min(255.0, paper_grey + glare_level) - min(255.0, ink_grey + glare_level) >= READABLE_CONTRAST
