"""exercise.images: decoding files and uploads into BGR frames with OpenCV."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from exercise.exceptions import ImageError, ImageTooLargeError
from exercise.images import declared_size, decode_image, read_image
from tests.conftest import png_bomb


def _encode(image: np.ndarray, ext: str = ".png") -> bytes:
    ok, buffer = cv2.imencode(ext, image)
    assert ok
    return buffer.tobytes()


def test_colour_png_round_trips():
    image = np.random.default_rng(0).integers(0, 256, (12, 17, 3), dtype=np.uint8)
    decoded = decode_image(_encode(image))
    np.testing.assert_array_equal(decoded, image)


def test_grey_becomes_bgr():
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8)
    decoded = decode_image(_encode(grey))
    assert decoded.shape == (8, 8, 3)
    np.testing.assert_array_equal(decoded[:, :, 1], grey)


def test_sixteen_bit_becomes_eight_bit():
    image = np.full((4, 4), 0xABCD, np.uint16)
    decoded = decode_image(_encode(image))
    assert decoded.dtype == np.uint8
    assert decoded[0, 0, 0] == 0xAB


def test_transparent_background_becomes_white_paper():
    bgra = np.zeros((6, 6, 4), np.uint8)  # transparent black everywhere
    bgra[2:4, 2:4] = (0, 0, 0, 255)  # an opaque black stroke
    decoded = decode_image(_encode(bgra))
    assert decoded.shape == (6, 6, 3)
    assert decoded[0, 0].tolist() == [255, 255, 255]
    assert decoded[2, 2].tolist() == [0, 0, 0]


def test_jpeg_decodes():
    image = np.full((16, 16, 3), 200, np.uint8)
    decoded = decode_image(_encode(image, ".jpg"))
    assert decoded.shape == (16, 16, 3)
    assert abs(int(decoded[8, 8, 0]) - 200) <= 3


@pytest.mark.parametrize(
    ("data", "message"), [(b"", "empty"), (b"not an image at all", "not an image OpenCV can decode")]
)
def test_undecodable_bytes_are_an_image_error(data, message):
    with pytest.raises(ImageError, match=message) as info:
        decode_image(data, "upload.png")
    assert str(info.value).startswith("upload.png: ")


def test_read_image_names_the_file(tmp_path):
    path = tmp_path / "digit.png"
    path.write_bytes(_encode(np.zeros((5, 5, 3), np.uint8)))
    assert read_image(path).shape == (5, 5, 3)
    with pytest.raises(ImageError, match="missing.png: cannot read"):
        read_image(tmp_path / "missing.png")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(path.read_bytes()[:20])
    with pytest.raises(ImageError, match="truncated.png"):
        read_image(truncated)


def _with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """The JPEG with an APP1 EXIF segment holding only the Orientation tag (0x0112)."""
    ifd = b"\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01" + orientation.to_bytes(2, "big") + b"\x00\x00"
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + ifd + b"\x00\x00\x00\x00"
    payload = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


def test_jpeg_exif_orientation_is_applied():
    wide = np.full((10, 20, 3), 255, np.uint8)
    rotated = decode_image(_with_exif_orientation(_encode(wide, ".jpg"), 6))
    assert rotated.shape == (20, 10, 3)
    assert decode_image(_with_exif_orientation(_encode(wide, ".jpg"), 1)).shape == (10, 20, 3)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".webp", ".tiff"])
def test_declared_size_is_read_from_the_header(ext):
    image = np.zeros((37, 53, 3), np.uint8)
    assert declared_size(_encode(image, ext)) == (53, 37)


def test_declared_size_of_unknown_or_cut_headers_is_none():
    assert declared_size(b"this is not an image") is None
    assert declared_size(_encode(np.zeros((9, 9), np.uint8))[:20]) is None


def test_a_decompression_bomb_is_refused_from_its_header():
    bomb = png_bomb(20000, 20000)
    assert len(bomb) < 1_000_000
    with pytest.raises(ImageTooLargeError, match="20000 x 20000 pixels .* over the 40 Mpx limit"):
        decode_image(bomb, "bomb.png")


def test_a_twelve_megapixel_photo_still_decodes():
    photo = decode_image(png_bomb(4000, 3000), "phone.png")
    assert photo.shape == (3000, 4000, 3)
