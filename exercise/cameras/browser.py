"""``browser``: the page's own camera (getUserMedia), pushed as JPEG over the websocket.

The hub hands each received JPEG to :meth:`BrowserCamera.push_jpeg`, which only drops it
into a one-frame slot and returns: a decoder thread turns the newest JPEG into a BGR frame
and publishes it. A burst of frames therefore never queues, and a slow decode never stalls
the websocket.
"""

from __future__ import annotations

import threading
import time
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from exercise.cameras.base import CameraSource, CameraState

#: Browser capture times further than this from the server's clock are replaced by the
#: arrival time: the two clocks are the same machine's only when the page is local.
MAX_CLOCK_SKEW = 1.0


def decode_jpeg(data: bytes) -> Optional[np.ndarray]:
    """A BGR uint8 image from JPEG bytes, or None when they are not a decodable image."""
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.ndim != 3 or image.shape[2] != 3:
        return None
    return image


class BrowserCamera(CameraSource):
    """A pushed source fed by :meth:`push_jpeg`; WAITING until the first frame arrives."""

    def __init__(self, spec: str = "browser", fps: float = 30.0) -> None:
        super().__init__(spec, fps)
        self._slot_lock = threading.Condition()
        self._pending: Optional[Tuple[bytes, float]] = None
        self._running = False
        self._thread: Optional[threading.Thread] = None
        #: Frames pushed, and frames replaced in the slot before the decoder got to them.
        self.pushed = 0
        self.skipped = 0
        self.undecodable = 0

    def start(self) -> None:
        with self._slot_lock:
            if self._running:
                return
            self._running = True
        self._set_status(CameraState.WAITING, "waiting for the page to send its camera")
        self._thread = threading.Thread(target=self._decode_loop, name="camera browser", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._slot_lock:
            self._running = False
            self._pending = None
            self._slot_lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self._set_status(CameraState.STOPPED)

    def push_jpeg(self, data: bytes, captured: Optional[float] = None) -> None:
        """Offer the newest JPEG from the page; returns at once, never blocks on decoding.

        ``captured`` is the page's capture time (Unix seconds); when missing or implausible
        the arrival time is used instead.
        """
        now = time.time()
        timestamp = captured if captured and abs(captured - now) <= MAX_CLOCK_SKEW else now
        with self._slot_lock:
            if not self._running:
                return
            self.pushed += 1
            if self._pending is not None:
                self.skipped += 1
            self._pending = (data, timestamp)
            self._slot_lock.notify()

    def _decode_loop(self) -> None:
        while True:
            with self._slot_lock:
                self._slot_lock.wait_for(lambda: self._pending is not None or not self._running)
                if not self._running:
                    return
                assert self._pending is not None
                data, timestamp = self._pending
                self._pending = None
            image = decode_jpeg(data)
            if image is None:
                self.undecodable += 1
                self._set_status(self.status.state, "a frame from the page was not a decodable JPEG")
                continue
            if self.status.message:  # a good frame clears the note about a bad one
                self._set_status(CameraState.STREAMING)
            self.publish(image, timestamp)


def create(spec: str, argument: str, options: Dict[str, Optional[float]]) -> BrowserCamera:
    """Factory for ``browser`` (no argument): an unstarted :class:`BrowserCamera`."""
    fps = options.get("fps") or 30.0
    return BrowserCamera(spec or "browser", fps=float(fps))
