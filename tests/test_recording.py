"""Tests for exercise.recording and ``digit-classifier record``: a reel recorded from a
real camera source reads back, and grades as a count frame by frame says."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import cv2
import numpy as np
import pytest

from exercise.cameras import open_camera
from exercise.exceptions import ReelError
from exercise.images import read_image
from exercise.model import load_default_model
from exercise.reading import read_digits
from exercise.recording import DiskFull, Recorder, ReelWriter, label_for_key
from exercise.reels import NO_DIGIT, open_reel
from tests.conftest import surface, write_mnist


def test_keys_set_labels() -> None:
    assert [label_for_key(k) for k in "07-x "] == [0, 7, NO_DIGIT, None, None]


def test_a_written_reel_reads_back(tmp_path: Path) -> None:
    image = surface(200, seed=1)
    with ReelWriter(tmp_path / "reel") as writer:
        names = [writer.add(image, label) for label in (3, 3, NO_DIGIT, 9)]
    reel = open_reel(tmp_path / "reel")
    assert [(f.name, f.label) for f in reel.frames] == list(zip(names, [3, 3, NO_DIGIT, 9]))
    assert reel.skipped == []
    assert writer.bytes_written == sum(
        p.stat().st_size for p in (tmp_path / "reel").rglob("*") if p.is_file()
    )


def test_a_folder_with_something_in_it_is_never_written_into(tmp_path: Path) -> None:
    (tmp_path / "reel").mkdir()
    (tmp_path / "reel" / "labels.csv").write_text("frame,label\nmine.jpg,4\n")
    with pytest.raises(ReelError, match="already exists and is not empty"):
        ReelWriter(tmp_path / "reel")
    assert (tmp_path / "reel" / "labels.csv").read_text() == "frame,label\nmine.jpg,4\n"


def test_the_disk_bound_stops_before_it_is_passed_and_leaves_a_whole_reel(tmp_path: Path) -> None:
    image = surface(200, seed=2)
    size = len(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1])
    with ReelWriter(tmp_path / "reel", max_bytes=int(2.5 * size)) as writer:
        writer.add(image, 1)
        writer.add(image, 2)
        with pytest.raises(DiskFull):
            writer.add(image, 3)
    assert writer.bytes_written <= 2.5 * size
    assert [f.label for f in open_reel(tmp_path / "reel").frames] == [1, 2]


def test_the_recorder_keeps_its_rate_and_the_label_in_force(tmp_path: Path) -> None:
    camera = open_camera("demo")
    camera.start()
    try:
        with ReelWriter(tmp_path / "reel") as writer:
            recorder = Recorder(camera, writer, fps=10.0, label=NO_DIGIT)
            threading.Timer(0.6, recorder.set_label, (5,)).start()
            recorder.run(seconds=1.2)
    finally:
        camera.stop()
    assert recorder.ended == "time"
    labels = [f.label for f in open_reel(tmp_path / "reel").frames]
    assert 9 <= len(labels) <= 13  # 10 a second for 1.2 s, give or take a frame at each end
    assert labels[0] == NO_DIGIT and labels[-1] == 5 and labels == sorted(labels, key=lambda v: v == 5)


def test_record_then_evaluate_round_trips(tmp_path: Path, mnist_test_digits: List[np.ndarray]) -> None:
    # A file camera playing one picture of a 7: record it labelled 7, then grade the reel.
    picture = surface(205, seed=3)
    write_mnist(picture, mnist_test_digits[7], 250, 150, 110)
    cv2.imwrite(str(tmp_path / "seven.png"), picture)
    command = [sys.executable, "-m", "exercise"]
    recorded = subprocess.run(
        [*command, "record", "--camera", f"file:{tmp_path / 'seven.png'}", "--out", tmp_path / "reel",
         "--seconds", "1.5", "--fps", "8", "--label", "7"],
        input="", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    assert "label [ 7 ]" in recorded.stderr and "evaluate --reel" in recorded.stderr
    graded = subprocess.run(
        [*command, "evaluate", "--reel", tmp_path / "reel", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert graded.returncode == 0, graded.stderr
    (figures,) = json.loads(graded.stdout)["models"]
    frames = open_reel(tmp_path / "reel").frames
    model = load_default_model()
    read_right = sum(getattr(read_digits(model, read_image(f.path)).main, "digit", None) == 7 for f in frames)
    assert 8 <= figures["frames"] == len(frames) <= 14
    assert figures["accuracy"] == read_right / len(frames) == 1.0
    assert figures["confusion"][7][7] == len(frames)


def test_record_takes_keys_from_a_pipe_and_stops_at_q(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "exercise", "record", "--camera", "demo", "--out", str(tmp_path / "reel"),
         "--fps", "10"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdin is not None
    time.sleep(2.0)  # the demo camera starts
    process.stdin.write("4\n")
    process.stdin.flush()
    time.sleep(1.0)
    process.stdin.write("q\n")
    process.stdin.flush()
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    labels = [f.label for f in open_reel(tmp_path / "reel").frames]
    assert 4 in labels and labels[-1] == 4 and "(stopped)" in err


def test_a_camera_that_cannot_open_leaves_no_folder_to_refuse_a_retry(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "exercise",
        "record",
        "--out",
        str(tmp_path / "reel"),
        "--seconds",
        "0.5",
    ]
    failed = subprocess.run([*command, "--camera", "file:/no/such/video.mp4"], capture_output=True, text=True)
    assert failed.returncode == 2 and "no such file" in failed.stderr
    assert not (tmp_path / "reel").exists()
    retried = subprocess.run(
        [*command, "--camera", "demo"], input="", capture_output=True, text=True, timeout=60
    )
    assert retried.returncode == 0, retried.stderr


@pytest.mark.parametrize(
    "option", [["--max-mb", "nan"], ["--seconds", "nan"], ["--fps", "inf"], ["--label", "x"]]
)
def test_record_refuses_numbers_that_are_not_numbers(tmp_path: Path, option: List[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exercise", "record", "--camera", "demo", "--out", str(tmp_path / "r"),
         *option],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
