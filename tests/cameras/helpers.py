"""Helpers shared by the camera tests: real videos written with OpenCV, and a status poll."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List

import cv2
import numpy as np

from exercise.cameras.base import CameraSource, CameraState


def write_video(path: Path, levels: List[int], fps: float = 50.0, size=(64, 48)) -> Path:
    """An MJPG .avi whose frame ``i`` is uniformly grey at ``levels[i]``."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
    assert writer.isOpened(), "OpenCV cannot write MJPG .avi here"
    for level in levels:
        writer.write(np.full((size[1], size[0], 3), level, np.uint8))
    writer.release()
    return path


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` every 10 ms (camera states change on the camera's own thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def wait_state(source: CameraSource, state: CameraState, timeout: float = 5.0) -> bool:
    return wait_until(lambda: source.status.state is state, timeout)
