"""Decode image files and uploads into the BGR frames the rest of the exercise works on.

Whatever comes in (PNG with transparency, 16-bit, grey, JPEG...) the caller gets a
``(H, W, 3)`` uint8 BGR array, or an :class:`~exercise.exceptions.ImageError` saying why not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

import cv2
import numpy as np

from exercise.exceptions import ImageError

#: File name suffixes ``predict`` picks up when given a directory (OpenCV reads them all).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm")

_JPEG_MAGIC = b"\xff\xd8"


def decode_image(data: bytes, source: str = "image") -> np.ndarray:
    """The BGR uint8 frame encoded in ``data`` (any format OpenCV reads).

    Transparent pixels become white paper, so a dark digit drawn on a transparent
    background stays a dark digit on light paper. JPEGs are turned upright as their EXIF
    orientation says (phone photos are stored sideways).

    Raises:
        ImageError: empty, or not an image format OpenCV can decode.
    """
    if not data:
        raise ImageError(source, "empty file, expected an image (PNG, JPEG, ...)")
    buffer = np.frombuffer(data, dtype=np.uint8)
    # IMREAD_COLOR applies EXIF orientation but drops alpha; JPEG has no alpha, so only
    # other formats are read unchanged (to composite transparency over white).
    flags = cv2.IMREAD_COLOR if data[:2] == _JPEG_MAGIC else cv2.IMREAD_UNCHANGED
    try:
        image = cv2.imdecode(buffer, flags)
    except cv2.error as exc:  # OpenCV raises instead of returning None for some inputs
        raise ImageError(source, f"cannot decode the image: {getattr(exc, 'err', None) or exc}") from exc
    if image is None or image.size == 0:
        raise ImageError(source, "not an image OpenCV can decode (expected PNG, JPEG, BMP, TIFF or WebP)")
    return _to_bgr8(image)


def read_image(path: Union[str, Path]) -> np.ndarray:
    """The BGR uint8 frame stored in the file at ``path``.

    Raises:
        ImageError: the file cannot be read or decoded; the message names the file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    return decode_image(data, str(path))


def _to_bgr8(image: np.ndarray) -> np.ndarray:
    """Any depth (8/16-bit, float) and any channel count (1, 3, 4) -> 8-bit BGR."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype.kind == "f":
        image = (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    elif image.dtype != np.uint8:  # rare integer depths: stretch the used range to 0..255
        low, high = float(image.min()), float(image.max())
        image = ((image.astype(np.float64) - low) * (255.0 / max(high - low, 1.0))).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if channels == 4:
        return _over_white(image)
    return np.ascontiguousarray(image[:, :, :3])


def _over_white(bgra: np.ndarray) -> np.ndarray:
    alpha = bgra[:, :, 3:4].astype(np.float32) / 255.0
    colour = bgra[:, :, :3].astype(np.float32)
    return (colour * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
