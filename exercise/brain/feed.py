"""The frame feed: the camera's new frames into the brain's frame slot while it runs."""

from __future__ import annotations

import threading
from typing import Callable, Optional

from exercise.brain.frames import FrameSlot
from exercise.cameras.base import CameraSource, Frame


class FrameFeed:
    """Writes the camera's new frames into the slot while the brain runs (a camera sink).

    No thread of its own: the camera's thread writes each frame as it publishes it. The
    slot has one writer at a time (the lock), and none once :meth:`stop` has returned, so
    the next run may clear and reuse the slot at once.
    """

    def __init__(self, slot: FrameSlot, camera: CameraSource, on_first_frame: Callable[[], None]) -> None:
        self._slot = slot
        self._camera = camera
        self._on_first_frame = on_first_frame
        self._lock = threading.Lock()
        #: Set while attached to the camera: running, not paused, not stopped.
        self._detach: Optional[Callable[[], None]] = None
        self._stopped = False
        self._told = False
        #: The camera and seq of the newest frame written, so a frame is never written over
        #: a newer one of the same camera.
        self._written = (camera, 0)

    def start(self) -> None:
        self._attach(writing=True)

    def set_camera(self, camera: CameraSource) -> None:
        with self._lock:
            attached = self._detach is not None
            self._camera = camera
        self._attach(attached)

    def pause(self) -> None:
        # Detached, not just ignoring frames: an on-demand camera then stops rendering.
        self._attach(writing=False)

    def resume(self) -> None:
        self._attach(writing=True)

    def stop(self) -> None:
        """Detach for good; once this returns, no frame is being written or will be."""
        self._attach(writing=False, stop=True)

    def _attach(self, writing: bool, stop: bool = False) -> None:
        with self._lock:
            self._stopped = self._stopped or stop
            if self._detach is not None:
                self._detach()
                self._detach = None
            if not writing or self._stopped:
                return
            camera = self._camera
            self._detach = camera.add_sink(lambda frame: self._write(camera, frame))
        # The frame the camera already has: a pushed source (a browser tab, a ROS topic)
        # may not send another for a while.
        latest = camera.latest()
        if latest is not None:
            self._write(camera, latest)

    def _write(self, camera: CameraSource, frame: Frame) -> None:
        with self._lock:
            # A camera that was just detached or replaced may have been handing over a frame.
            if self._detach is None or camera is not self._camera:
                return
            last_camera, last_seq = self._written
            if camera is last_camera and frame.seq <= last_seq:
                return
            self._slot.write(frame.image, frame.seq, frame.timestamp)
            self._written = (camera, frame.seq)
            first, self._told = not self._told, True
        if first:
            self._on_first_frame()
