"""Decode image files and uploads into the BGR frames the rest of the exercise works on.

Whatever comes in (PNG with transparency, 16-bit, grey, JPEG...) the caller gets a
``(H, W, 3)`` uint8 BGR array, or an :class:`~exercise.exceptions.ImageError` saying why not.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import numpy as np

from exercise.exceptions import ImageError, ImageTooLargeError
from exercise.limits import MAX_IMAGE_PIXELS

# OpenCV's own limit, for the formats whose header :func:`declared_size` does not read.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))

import cv2  # noqa: E402  (after the limit above: OpenCV reads it once, at first use)

#: File name suffixes ``predict`` picks up when given a directory (OpenCV reads them all).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm")

_JPEG_MAGIC = b"\xff\xd8"


def decode_image(data: bytes, source: str = "image") -> np.ndarray:
    """The BGR uint8 frame encoded in ``data`` (any format OpenCV reads).

    Transparent pixels become white paper, so a dark digit drawn on a transparent
    background stays a dark digit on light paper. JPEGs are turned upright as their EXIF
    orientation says (phone photos are stored sideways).

    Raises:
        ImageTooLargeError: the header declares more than ``MAX_IMAGE_PIXELS`` pixels.
        ImageError: empty, or not an image format OpenCV can decode.
    """
    if not data:
        raise ImageError(source, "empty file, expected an image (PNG, JPEG, ...)")
    size = declared_size(data)
    if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
        width, height = size
        raise ImageTooLargeError(
            source,
            f"{width} x {height} pixels ({width * height / 1e6:.0f} Mpx) is over the "
            f"{MAX_IMAGE_PIXELS / 1e6:.0f} Mpx limit; scale it down first",
        )
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


def declared_size(data: bytes) -> Optional[Tuple[int, int]]:
    """(width, height) as the header of a PNG, JPEG, GIF, BMP, WebP or TIFF says, without
    decoding any pixel; None for other formats and for headers too short to say."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">II", data[16:24])
        if data[:2] == _JPEG_MAGIC:
            return _jpeg_size(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:2] == b"BM":
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_size(data)
        if data[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff_size(data)
    except struct.error:  # a header cut short: let the decoder say what is wrong
        return None
    return None


def _jpeg_size(data: bytes) -> Optional[Tuple[int, int]]:
    """The frame size from the first start-of-frame marker (SOF0-SOF15 but DHT, JPG, DAC)."""
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return None


def _webp_size(data: bytes) -> Optional[Tuple[int, int]]:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _tiff_size(data: bytes) -> Optional[Tuple[int, int]]:
    """ImageWidth (256) and ImageLength (257) of the first image directory."""
    order = "<" if data[:2] == b"II" else ">"
    (directory,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[directory : directory + 2])
    found: Dict[int, int] = {}
    for entry in range(count):
        at = directory + 2 + 12 * entry
        tag, kind = struct.unpack(order + "HH", data[at : at + 4])
        if tag in (256, 257):
            field, width = ("H", 2) if kind == 3 else ("I", 4)  # SHORT or LONG
            (found[tag],) = struct.unpack(order + field, data[at + 8 : at + 8 + width])
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


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
