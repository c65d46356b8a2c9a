"""GUI argument checks and conversions (what a student's wrong call is told)."""

from __future__ import annotations

import numpy as np
import pytest

from exercise.brain.gui import (
    check_box,
    check_digit,
    check_probabilities,
    to_display_image,
    to_input_image,
)
from exercise.limits import MAX_SHOWN_SIDE


def test_digit_checks() -> None:
    assert check_digit(None) is None and check_digit(np.int64(7)) == 7
    for bad in (10, -1, 2.5):
        with pytest.raises(ValueError, match="0 to 9"):
            check_digit(bad)
    with pytest.raises(TypeError):
        check_digit("seven")


def test_probabilities_and_box_checks() -> None:
    assert check_probabilities(np.full((1, 10), 0.1, np.float32)) == [0.1] * 10
    with pytest.raises(ValueError, match="10 numbers"):
        check_probabilities([0.5, 0.5])
    with pytest.raises(ValueError, match="NaN"):
        check_probabilities([float("nan")] * 10)
    assert check_box((1.4, 2, 3, 4)) == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="x, y, width, height"):
        check_box((1, 2, 3))


def test_input_images_from_any_scaling() -> None:
    tensor = ((np.arange(784, dtype=np.float32) / 783 - 0.1307) / 0.3081).reshape(1, 1, 28, 28)
    image = to_input_image(tensor)
    assert image.dtype == np.uint8 and image[0, 0] == 0 and image[27, 27] == 255
    assert to_input_image(np.zeros((28, 28), np.uint8)).shape == (28, 28)
    with pytest.raises(ValueError, match="28x28"):
        to_input_image(np.zeros((3, 3)))


def test_display_images() -> None:
    assert to_display_image(np.ones((4, 4), np.float64)).max() == 255
    assert to_display_image(np.zeros((4, 4, 4), np.uint8)).shape == (4, 4, 3)
    with pytest.raises(ValueError, match="got None"):
        to_display_image(None)
    with pytest.raises(ValueError, match="HxW"):
        to_display_image(np.zeros((4,), np.uint8))


def test_display_images_over_the_limit_are_refused_before_any_conversion() -> None:
    side = MAX_SHOWN_SIDE + 1
    with pytest.raises(ValueError, match=rf"a {side}x{side} image is over .* scale it down"):
        to_display_image(np.broadcast_to(np.float64(0.5), (side, side, 3)))  # 400 MB if copied
    assert to_display_image(np.zeros((MAX_SHOWN_SIDE, 2, 3), np.uint8)).shape == (MAX_SHOWN_SIDE, 2, 3)
