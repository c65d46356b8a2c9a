"""Tests for exercise.annotate: boxes and readings drawn on a copy of the frame."""

from __future__ import annotations

import numpy as np
import pytest

from exercise.annotate import (
    CONFIDENT_COLOUR,
    DOUBTFUL_COLOUR,
    UNREAD_COLOUR,
    annotate,
    box_colour,
    label_text,
)


def grey_frame(height: int = 240, width: int = 320) -> np.ndarray:
    return np.full((height, width, 3), 128, np.uint8)


def test_the_input_frame_is_left_untouched() -> None:
    frame = grey_frame()
    before = frame.copy()
    shown = annotate(frame, [(50, 60, 40, 80)], [7], [0.99])
    assert np.array_equal(frame, before)
    assert shown is not frame and shown.shape == frame.shape and shown.dtype == np.uint8


def test_the_box_outline_is_drawn_in_the_confident_colour() -> None:
    shown = annotate(grey_frame(), [(50, 60, 40, 80)], [7], [0.99])
    assert tuple(shown[100, 50]) == CONFIDENT_COLOUR  # left edge
    assert tuple(shown[100, 89]) == CONFIDENT_COLOUR  # right edge
    assert tuple(shown[100, 70]) == (128, 128, 128)  # inside stays the picture


def test_the_label_sits_above_the_box() -> None:
    shown = annotate(grey_frame(), [(50, 60, 40, 80)], [7], [0.99])
    above = shown[30:59, 45:120]
    assert (above != 128).any(), "a label tab above the box"
    below = shown[150:, :]
    assert (below == 128).all()


def test_a_box_at_the_top_gets_its_label_inside_the_frame() -> None:
    shown = annotate(grey_frame(), [(50, 0, 40, 80)], [3], [0.9])
    assert (shown[2:20, 52:80] != 128).any()


def test_no_boxes_returns_a_plain_copy() -> None:
    frame = grey_frame()
    assert np.array_equal(annotate(frame, []), frame)


def test_grey_frames_come_back_as_bgr() -> None:
    grey = np.full((100, 100), 200, np.uint8)
    shown = annotate(grey, [(10, 10, 30, 30)])
    assert shown.shape == (100, 100, 3)
    assert tuple(shown[20, 10]) == UNREAD_COLOUR


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        annotate(grey_frame(), [(1, 1, 5, 5)], [1, 2])
    with pytest.raises(ValueError):
        annotate(grey_frame(), [(1, 1, 5, 5)], [1], [0.5, 0.5])


def test_labels_and_colours_follow_the_reading() -> None:
    assert label_text(7, 0.984) == "7 98%"
    assert label_text(7, None) == "7"
    assert label_text(None, 0.5) == ""
    assert box_colour(7, 0.95) == CONFIDENT_COLOUR
    assert box_colour(7, 0.4) == DOUBTFUL_COLOUR
    assert box_colour(None, None) == UNREAD_COLOUR


def test_a_phone_photo_gets_thicker_lines() -> None:
    big = np.full((3024, 4032, 3), 128, np.uint8)
    shown = annotate(big, [(1000, 1000, 800, 1200)], [4], [0.99])
    left_edge = shown[1500, 995:1030]
    assert (left_edge == np.array(CONFIDENT_COLOUR, np.uint8)).all(axis=1).sum() >= 10
