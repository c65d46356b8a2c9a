"""exercise.training.scenes: every family's frames, their truth, and their reproducibility."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from exercise.training import scenes
from exercise.training.scenes import FAMILIES, FRAME_SIZE, HELD_OUT, TUNING_FAMILIES, DigitSet, SceneFrame

#: Frames per family: with the default empty fraction of 1/4, frames 3 and 7 are empty.
COUNT = 8
#: A few hundred MNIST digits are plenty to write with and load in no time.
DIGITS = 300


@pytest.fixture(scope="module")
def digits(mnist_dir: Path) -> DigitSet:
    images, labels = scenes.load_mnist("test", mnist_dir)
    return images[:DIGITS], labels[:DIGITS]


@pytest.fixture(scope="module")
def frames(digits: DigitSet) -> Dict[str, List[SceneFrame]]:
    return {family: list(scenes.generate(family, COUNT, seed=3, digits=digits)) for family in FAMILIES}


def test_the_held_out_family_is_a_family_but_not_a_tuning_one() -> None:
    assert HELD_OUT == "room"
    assert HELD_OUT in FAMILIES
    assert HELD_OUT not in TUNING_FAMILIES
    assert set(TUNING_FAMILIES) | {HELD_OUT} == set(FAMILIES)
    assert {"desk", "wall", "clutter", "lines", "camera"} <= set(TUNING_FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_yields_webcam_frames(frames: Dict[str, List[SceneFrame]], family: str) -> None:
    width, height = FRAME_SIZE
    conditions = scenes.conditions(family)
    assert len(frames[family]) == COUNT
    for frame in frames[family]:
        assert frame.image.shape == (height, width, 3)
        assert frame.image.dtype == np.uint8
        assert frame.family == family
        assert frame.condition in conditions["empty" if frame.empty else "digits"]
    assert [frame.empty for frame in frames[family]] == [False, False, False, True] * 2


@pytest.mark.parametrize("family", FAMILIES)
def test_truth_boxes_lie_in_the_frame_one_per_label_left_to_right(
    frames: Dict[str, List[SceneFrame]], family: str
) -> None:
    width, height = FRAME_SIZE
    for frame in frames[family]:
        assert len(frame.labels) == len(frame.boxes)
        assert all(w > 0 and h > 0 for _, _, w, h in frame.boxes + frame.partial)
        for x, y, w, h in frame.boxes:
            assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
            # A target is tall enough to read; and there is ink in its box.
            assert h >= 0.04 * height
            grey = frame.image[y : y + h, x : x + w].mean(axis=2)
            assert np.percentile(grey, 95) - grey.min() > 20
        centres = [x + w / 2 for x, _, w, _ in frame.boxes]
        assert centres == sorted(centres)
        assert all(isinstance(label, int) and 0 <= label <= 9 for label in frame.labels)


@pytest.mark.parametrize("family", FAMILIES)
def test_empty_frames_have_no_digit_written_anywhere(
    frames: Dict[str, List[SceneFrame]], family: str
) -> None:
    empty = [frame for frame in frames[family] if frame.empty]
    assert empty
    for frame in empty:
        assert frame.labels == [] and frame.boxes == [] and frame.partial == []


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "desk"])
def test_frames_meant_to_have_digits_have_a_readable_one(
    frames: Dict[str, List[SceneFrame]], family: str
) -> None:
    assert all(frame.labels for frame in frames[family] if not frame.empty)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_frame_depends_only_on_family_seed_and_index(digits: DigitSet, family: str) -> None:
    first = list(scenes.generate(family, 3, seed=5, digits=digits))
    again = list(scenes.generate(family, 2, seed=5, digits=digits))
    for a, b in zip(first, again):
        assert np.array_equal(a.image, b.image)
        assert (a.labels, a.boxes, a.partial, a.condition) == (b.labels, b.boxes, b.partial, b.condition)
    other = next(scenes.generate(family, 1, seed=6, digits=digits))
    assert not np.array_equal(first[0].image, other.image)


@pytest.mark.parametrize("family", ["wall", "room"])
def test_the_digits_written_are_the_ones_passed_in(digits: DigitSet, family: str) -> None:
    images, labels = digits
    sevens = (images[labels == 7], labels[labels == 7])
    written = [label for frame in scenes.generate(family, 6, seed=1, digits=sevens) for label in frame.labels]
    assert written and set(written) == {7}


def test_an_unknown_family_is_refused(digits: DigitSet) -> None:
    with pytest.raises(ValueError, match="desk"):
        next(scenes.generate("garden", 1, digits=digits))


def test_the_contact_sheet_is_written(tmp_path: Path, mnist_dir: Path) -> None:
    from exercise.training.scenes.__main__ import main

    out = tmp_path / "sheet.png"
    assert main(["--family", "lines", "--count", "2", "--out", str(out), "--data", str(mnist_dir)]) == 0
    assert out.stat().st_size > 0
