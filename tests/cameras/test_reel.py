"""reel:DIR sources: a test reel played as a camera, each frame's label known."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List

import cv2
import numpy as np
import pytest

from exercise.cameras import open_camera
from exercise.cameras.files import MAX_KEPT_IMAGES
from exercise.exceptions import CameraError
from tests.conftest import surface, write_mnist

from .test_files import collect


def test_a_reel_plays_its_labelled_frames_in_name_order_with_their_labels(tmp_path: Path) -> None:
    (tmp_path / "frames").mkdir()
    levels = {"c.png": (150, -1), "a.png": (50, 3), "b.png": (100, 7), "unlabelled.png": (250, 0)}
    for name, (level, _) in levels.items():
        cv2.imwrite(str(tmp_path / "frames" / name), np.full((16, 16, 3), level, np.uint8))
    (tmp_path / "labels.csv").write_text("frame,label\nc.png,-1\na.png,3\nb.png,7\ngone.png,1\n")
    with open_camera(f"reel:{tmp_path}", fps=100) as camera:
        frames = collect(camera, 9)
        assert camera.label_of(0) is None and not camera.is_live
        for frame in frames:
            level, label = [(50, 3), (100, 7), (150, -1)][(frame.seq - 1) % 3]
            assert int(frame.image[8, 8, 0]) == level
            assert camera.label_of(frame.seq) == label


def test_other_sources_know_no_labels() -> None:
    with open_camera("demo") as camera:
        frame = camera.wait_newer(0, 5.0)
        assert frame is not None and camera.label_of(frame.seq) is None


@pytest.mark.parametrize(("setup", "message"), [("missing", "no such folder"), ("no labels", "labels.csv")])
def test_a_reel_that_cannot_be_read_is_a_camera_error(tmp_path: Path, setup: str, message: str) -> None:
    if setup == "no labels":
        (tmp_path / "frames").mkdir()
    camera = open_camera(f"reel:{tmp_path / 'reel' if setup == 'missing' else tmp_path}")
    with pytest.raises(CameraError, match=message):
        camera.start()


def test_a_long_reel_is_not_kept_decoded(tmp_path: Path) -> None:
    (tmp_path / "frames").mkdir()
    rows = ["frame,label"]
    for index in range(MAX_KEPT_IMAGES + 6):
        cv2.imwrite(str(tmp_path / "frames" / f"{index:03d}.png"), np.full((8, 8, 3), index, np.uint8))
        rows.append(f"{index:03d}.png,-1")
    (tmp_path / "labels.csv").write_text("\n".join(rows))
    with open_camera(f"reel:{tmp_path}", fps=200) as camera:
        frames = collect(camera, MAX_KEPT_IMAGES + 10, timeout=10.0)
        assert camera._decoded == {}
    assert all(int(f.image[0, 0, 0]) == (f.seq - 1) % (MAX_KEPT_IMAGES + 6) for f in frames)


def test_run_marks_each_reading_against_the_label(
    tmp_path: Path, mnist_test_digits: List[np.ndarray]
) -> None:
    # Each picture held for a dozen frames, as a recording at 10 fps holds a digit.
    (tmp_path / "frames").mkdir()
    rows = ["frame,label"]
    for scene, label in enumerate([4, -1, 2]):
        picture = surface(205, seed=scene)
        if label >= 0:
            write_mnist(picture, mnist_test_digits[label], 250, 150, 110)
        for copy in range(12):
            name = f"{scene}-{copy:02d}.jpg"
            cv2.imwrite(str(tmp_path / "frames" / name), picture)
            rows.append(f"{name},{label}")
    (tmp_path / "labels.csv").write_text("\n".join(rows))
    result = subprocess.run(
        [sys.executable, "-m", "exercise", "run", "--camera", f"reel:{tmp_path}",
         "--duration", "2.5", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    digits = [r for r in records if r["type"] == "digit"]
    assert digits and all("label" in r for r in digits)
    assert {r["label"] for r in digits} >= {4, None, 2}
    # The default brain changes its answer once three frames agree, so for a couple of
    # frames after each change of scene it still shows the last one; held, it is right.
    for label in (4, None, 2):
        answers = [r["digit"] for r in digits if r["label"] == label]
        assert max(set(answers), key=answers.count) == label
    right = sum(r["digit"] == r["label"] for r in digits)
    assert right >= 0.7 * len(digits)


def test_a_frame_that_cannot_be_decoded_is_passed_over_and_the_labels_stay_right(tmp_path: Path) -> None:
    (tmp_path / "frames").mkdir()
    for name, level in (("a.png", 50), ("c.png", 150)):
        cv2.imwrite(str(tmp_path / "frames" / name), np.full((16, 16, 3), level, np.uint8))
    (tmp_path / "frames" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    (tmp_path / "labels.csv").write_text("frame,label\na.png,3\nb.png,7\nc.png,-1\n")
    with open_camera(f"reel:{tmp_path}", fps=100) as camera:
        frames = collect(camera, 8)
        labels = {int(frame.image[8, 8, 0]): camera.label_of(frame.seq) for frame in frames}
        assert labels == {50: 3, 150: -1}
        assert camera.status.state.value == "streaming" and "b.png" in camera.status.message
