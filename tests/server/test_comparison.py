"""exercise.server.comparison on real cameras and models: the comparing thread follows a
change of camera at once, and ends when the second model is put away."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import List

import cv2
import numpy as np

from exercise.cameras.files import FileCamera
from exercise.model import DigitModel, load_default_model
from exercise.server.comparison import Compared, Comparison
from tests.conftest import build_digit_model, surface, write_mnist


def picture(tmp_path: Path, digit28: np.ndarray, name: str) -> Path:
    image = surface(205, seed=7)
    write_mnist(image, digit28, 250, 150, 110)
    path = tmp_path / name
    cv2.imwrite(str(path), image)
    return path


def test_a_new_camera_is_compared_at_once_though_it_counts_from_one(
    tmp_path: Path, mnist_test_digits: List[np.ndarray]
) -> None:
    fast = FileCamera("file:fast", picture(tmp_path, mnist_test_digits[3], "three.png"), fps=300)
    slow = FileCamera("file:slow", picture(tmp_path, mnist_test_digits[5], "five.png"), fps=20)
    fast.start()
    slow.start()
    cameras = [fast]
    seen: List[Compared] = []
    arrived = threading.Event()

    def compared(result: Compared) -> None:
        seen.append(result)
        arrived.set()

    comparison = Comparison(lambda: cameras[0], load_default_model, compared)
    try:
        comparison.set_second(DigitModel.load(build_digit_model(), name="template.onnx"))
        time.sleep(1.0)  # the fast camera's frame numbers run far ahead of the slow one's
        assert seen and seen[-1].readings[0].digit == 3
        cameras[0] = slow
        arrived.clear()
        seen.clear()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not any(r.readings[0].digit == 5 for r in seen):
            arrived.wait(0.2)
        assert any(r.readings[0].digit == 5 for r in seen), "no comparison on the new camera"
        assert [r.model for r in seen[-1].readings] == ["default_model.onnx", "template.onnx"]
    finally:
        comparison.set_second(None)
        fast.stop()
        slow.stop()
    assert comparison.second is None and comparison._running is None
