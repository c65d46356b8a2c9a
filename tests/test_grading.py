"""Tests for exercise.grading: models graded on a reel through the live pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import List

import cv2
import numpy as np
import pytest

from exercise.grading import NONE_COLUMN, grade, look
from exercise.images import read_image
from exercise.model import DigitModel, load_default_model
from exercise.reading import read_digits
from exercise.reels import NO_DIGIT, open_reel
from tests.conftest import write_reel


@pytest.fixture
def reel_dir(tmp_path: Path, mnist_test_digits: List[np.ndarray]) -> Path:
    folder = tmp_path / "reel"
    write_reel(folder, mnist_test_digits)
    return folder


def test_the_figures_are_those_of_reading_each_frame_on_its_own(reel_dir: Path) -> None:
    # One frame deliberately mislabelled: a 3 labelled 8.
    labels = (reel_dir / "labels.csv").read_text().replace("000-03.jpg,3,", "000-03.jpg,8,")
    (reel_dir / "labels.csv").write_text(labels)
    reel = open_reel(reel_dir)
    model = load_default_model()
    sights, skipped = look(reel.frames, workers=1)
    result = grade(model, sights)
    assert skipped == []

    # The count by hand: predict's own path (read_digits, its largest digit), frame by frame.
    expected = np.zeros((10, 11), np.int64)
    false_digits = 0
    for frame in reel.frames:
        main = read_digits(model, read_image(frame.path)).main
        read = NONE_COLUMN if main is None else main.digit
        if frame.label == NO_DIGIT:
            false_digits += main is not None
        else:
            expected[frame.label, read] += 1
    assert result.confusion.tolist() == expected.tolist()
    assert expected[8].sum() == 2 and expected[3].sum() == 0
    assert result.with_digit == 10 and result.without_digit == 3
    assert result.accuracy == pytest.approx(np.trace(expected[:, :10]) / 10)
    assert result.false_digit_rate == pytest.approx(false_digits / 3)
    # The default model reads these clear digits; the mislabelled frame is the miss.
    assert result.accuracy == pytest.approx(0.9)
    assert result.per_class[8] == pytest.approx(0.5) and result.per_class[3] is None
    data = result.to_dict()
    assert set(data) >= {"model", "frames", "accuracy", "false_digit_rate", "per_class", "confusion"}
    assert data["frames"] == 13 and len(data["confusion"]) == 10 and len(data["confusion"][0]) == 11
    assert 0 < data["latency_ms"]["median"] <= data["latency_ms"]["p95"]


def test_two_models_read_the_same_28x28_images(reel_dir: Path, digit_model_path: Path) -> None:
    sights, _ = look(open_reel(reel_dir).frames, workers=1)
    ours = grade(load_default_model(), sights)
    theirs = grade(DigitModel.load(digit_model_path), sights)
    assert ours.sights is not theirs.sights and [s.frame for s in ours.sights] == [
        s.frame for s in theirs.sights
    ]
    # Where no digit was found, neither model read one; elsewhere each gave 10 probabilities.
    for sight, a, b in zip(sights, ours.probabilities, theirs.probabilities):
        assert (sight.image28 is None) == (a is None) == (b is None)
        if a is not None and b is not None:
            assert len(a) == len(b) == 10 and abs(sum(a) - 1) < 1e-3 and abs(sum(b) - 1) < 1e-3


def test_workers_find_what_one_process_finds(tmp_path: Path, mnist_test_digits: List[np.ndarray]) -> None:
    write_reel(tmp_path / "reel", mnist_test_digits, repeat=4)  # 52 frames: enough for workers
    frames = open_reel(tmp_path / "reel").frames
    done: List[int] = []
    alone, _ = look(frames, workers=1)
    shared, _ = look(frames, workers=2, thumbnails=True, progress=lambda n, total: done.append(n))
    assert [s.frame.name for s in shared] == [s.frame.name for s in alone]
    assert [s.box for s in shared] == [s.box for s in alone]
    assert all(
        (a.image28 is None and b.image28 is None) or np.array_equal(a.image28, b.image28)
        for a, b in zip(alone, shared)
    )
    assert done[-1] == 52 and sorted(done) == done
    thumbnail = cv2.imdecode(np.frombuffer(shared[0].thumbnail or b"", np.uint8), cv2.IMREAD_COLOR)
    assert thumbnail is not None and thumbnail.shape[1] == 200


def test_an_unreadable_frame_is_skipped_and_the_rest_graded(reel_dir: Path) -> None:
    (reel_dir / "frames" / "000-04.jpg").write_bytes(b"\xff\xd8 half a JPEG")
    sights, skipped = look(open_reel(reel_dir).frames, workers=1)
    assert len(sights) == 12
    (entry,) = skipped
    assert entry.frame == "000-04.jpg" and entry.line == 6
    assert "line 6" in str(entry) and "unreadable image" in str(entry)
    assert grade(load_default_model(), sights).with_digit == 9


def test_the_report_keeps_names_that_look_like_markup_out_of_the_html_parser(reel_dir: Path) -> None:
    from exercise.reel_report import render

    odd = reel_dir / "frames" / "<!--<script>&.jpg"
    (reel_dir / "frames" / "000-00.jpg").rename(odd)
    labels = (reel_dir / "labels.csv").read_text().replace("000-00.jpg", odd.name)
    (reel_dir / "labels.csv").write_text(labels)
    sights, _ = look(open_reel(reel_dir).frames, workers=1, thumbnails=True)
    page = render("<b>reel</b>", [grade(load_default_model(), sights, name="</script><b>")], [])
    data = page.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data
    assert "<b>reel</b>" not in page and "&lt;b&gt;reel&lt;/b&gt;" in page
