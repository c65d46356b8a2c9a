"""exercise.reading: the one reading path of ``predict`` and ``POST /api/digit``, with real
onnxruntime models and pictures drawn for the test."""

from __future__ import annotations

import numpy as np
import pytest

from exercise.exceptions import ImageError
from exercise.model import DigitModel
from exercise.preprocess import Scaling, preprocess
from exercise.reading import Reading, read_digits
from tests.conftest import build_digit_model, build_onnx_model, digit_templates, draw_digit


@pytest.fixture(scope="module")
def model() -> DigitModel:
    """The template model that reads :func:`draw_digit`'s digits (symbolic batch)."""
    return DigitModel.load(build_digit_model(), name="digits.onnx")


def test_reads_every_digit_left_to_right(model: DigitModel) -> None:
    frame = np.hstack([draw_digit(2), draw_digit(7)])
    reading = read_digits(model, frame)
    assert [d.digit for d in reading.digits] == [2, 7]
    assert reading.digits[0].box[0] + reading.digits[0].box[2] <= reading.digits[1].box[0]
    for found in reading.digits:
        assert len(found.probabilities) == 10
        assert sum(found.probabilities) == pytest.approx(1.0, abs=1e-6)
        assert found.confidence == max(found.probabilities) == found.probabilities[found.digit]
        x, y, w, h = found.box
        assert 0 <= x < x + w <= frame.shape[1] and 0 <= y < y + h <= frame.shape[0]


def test_the_main_digit_is_the_largest(model: DigitModel) -> None:
    frame = np.full((240, 480, 3), 255, np.uint8)
    frame[60:180, 0:160] = draw_digit(5, (120, 160))  # small, and on the left
    frame[:, 160:] = draw_digit(3)
    reading = read_digits(model, frame)
    assert len(reading.digits) == 2
    assert reading.main is reading.digits[1]
    assert reading.main.digit == 3


def test_a_blank_image_has_no_digits(model: DigitModel) -> None:
    reading = read_digits(model, np.full((240, 320, 3), 255, np.uint8))
    assert reading == Reading([])
    assert reading.main is None


def test_the_digit_finder_and_the_model_in_the_models_own_scaling() -> None:
    scaled = DigitModel.load(build_digit_model(metadata={"normalization": "mnist"}), name="mnist.onnx")
    frame = np.hstack([draw_digit(4), draw_digit(8)])
    reading = read_digits(scaled, frame)
    candidates = preprocess(frame, Scaling.MNIST)
    assert [d.box for d in reading.digits] == [c.box for c in candidates]
    for found, candidate in zip(reading.digits, candidates):
        assert found.probabilities == pytest.approx(list(scaled.predict(candidate.tensor)), abs=1e-6)


def test_a_model_that_takes_one_image_at_a_time_reads_the_same(model: DigitModel) -> None:
    single = DigitModel.load(
        build_onnx_model(weights=digit_templates().T * 20.0, bias=np.zeros(10), input_shape=(1, 1, 28, 28)),
        name="single.onnx",
    )
    frame = np.hstack([draw_digit(1), draw_digit(6), draw_digit(9)])
    batched, one_by_one = read_digits(model, frame), read_digits(single, frame)
    assert [d.digit for d in one_by_one.digits] == [d.digit for d in batched.digits] == [1, 6, 9]
    for a, b in zip(one_by_one.digits, batched.digits):
        assert a.probabilities == pytest.approx(b.probabilities, abs=1e-5)


def test_a_grey_image_reads_like_its_colour_one(model: DigitModel) -> None:
    frame = draw_digit(7)
    assert read_digits(model, frame[:, :, 0]) == read_digits(model, frame)


def test_white_strokes_on_black_read_like_dark_on_white(model: DigitModel) -> None:
    # The drawing pad or a blackboard: light strokes on a dark ground.
    for digit in (2, 5, 7):
        reading = read_digits(model, 255 - draw_digit(digit))
        assert [d.digit for d in reading.digits] == [digit]


def test_a_digit_drawn_edge_to_edge_is_read(model: DigitModel) -> None:
    # A student fills a small pad: the strokes touch all four edges of the image.
    for digit in (2, 5, 7):
        canvas = draw_digit(digit)
        rows, cols = (canvas.min(axis=2) < 128).nonzero()
        tight = canvas[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        reading = read_digits(model, tight)
        assert [d.digit for d in reading.digits] == [digit], f"{digit} drawn edge to edge"
        x, y, w, h = reading.digits[0].box
        assert w >= 0.8 * tight.shape[1] and h >= 0.8 * tight.shape[0]


def test_not_an_image_is_an_image_error(model: DigitModel) -> None:
    with pytest.raises(ImageError):
        read_digits(model, np.zeros((240, 320, 3), np.float64))
