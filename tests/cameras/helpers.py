"""Helpers shared by the camera tests (and the brain tests that need a camera): real videos
written with OpenCV, a status poll, and small pulled sources whose frames count up."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List, Optional

import cv2
import numpy as np

from exercise.cameras.base import CameraSource, CameraState, ThreadedCamera


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


def image(level: int) -> np.ndarray:
    """A tiny BGR frame of one grey level."""
    return np.full((4, 6, 3), level, np.uint8)


class CountingCamera(ThreadedCamera):
    """A pulled source whose frames are numbered by their grey level."""

    def __init__(self, period: float = 0.01) -> None:
        super().__init__("counting", 1 / period)
        self.period = period
        self.level = 0

    def read(self) -> Optional[np.ndarray]:
        if self.stopping.wait(self.period):
            return None
        self.level = (self.level + 1) % 256
        return image(self.level)


class OnDemandCamera(CountingCamera):
    """A counting source that renders a frame only while a reader or a sink wants one."""

    on_demand = True
