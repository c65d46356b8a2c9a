"""Recording a test reel (docs/reels.md) from any camera, labelled live.

:class:`ReelWriter` writes a reel as it goes: each frame is a JPEG in ``frames/`` and a row
of ``labels.csv`` written and flushed at once, so a recording cut short (Ctrl-C, a full
disk, a camera unplugged) is a reel of the frames so far. It never writes into a folder
that already holds something: nothing a student recorded is overwritten. Disk use is
bounded by ``max_bytes``; the writer says when the next frame would not fit.

:class:`Recorder` keeps the frames of a camera at a chosen rate, each with the label in
force when it was captured (:meth:`Recorder.set_label`, from any thread: a key press).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Optional, TextIO, Union

import cv2
import numpy as np

from exercise.cameras.base import CameraSource
from exercise.exceptions import ReelError
from exercise.reels import COLUMNS, FRAMES_DIR, LABELS_FILE, NO_DIGIT

#: JPEG quality of recorded frames: what a webcam's own compression leaves, about 40 kB
#: for a 640x480 frame.
JPEG_QUALITY = 90
#: Default bound on a recording's size on disk.
DEFAULT_MAX_BYTES = 500 * 1000 * 1000
#: Frames kept per second unless told otherwise.
DEFAULT_FPS = 10.0


def label_for_key(key: str) -> Optional[int]:
    """The label a key sets: "0"-"9" a digit, "-" no digit; None for any other key."""
    if len(key) == 1 and key.isdigit():
        return int(key)
    if key == "-":
        return NO_DIGIT
    return None


def label_name(label: int) -> str:
    return "none" if label == NO_DIGIT else str(label)


class DiskFull(Exception):
    """The next frame would take the recording over its size bound."""


class ReelWriter:
    """Writes one reel into a new (or empty) folder; use as a context manager."""

    def __init__(self, folder: Union[str, Path], max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        #: Bytes written so far (frames and labels).
        self.bytes_written = 0
        #: Frames written so far.
        self.frames = 0
        if self.folder.exists() and (not self.folder.is_dir() or any(self.folder.iterdir())):
            raise ReelError(str(self.folder), "already exists and is not empty; record into a new folder")
        try:
            (self.folder / FRAMES_DIR).mkdir(parents=True, exist_ok=True)
            self._labels: TextIO = (self.folder / LABELS_FILE).open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise ReelError(str(self.folder), f"cannot write there: {exc.strerror or exc}") from exc
        try:
            self._write_row(",".join(COLUMNS))
        except ReelError:
            self._labels.close()
            raise

    def add(self, image: np.ndarray, label: int) -> str:
        """Write ``image`` (BGR uint8) as the next frame with ``label``; its file name.

        Raises:
            DiskFull: the frame would take the reel over ``max_bytes``; nothing was written.
            ReelError: the disk refused the frame.
        """
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise ReelError(str(self.folder), "OpenCV could not encode a frame as JPEG")
        name = f"{self.frames + 1:06d}.jpg"
        row = f"{name},{label}"
        if self.bytes_written + len(data) + len(row) + 1 > self.max_bytes:
            raise DiskFull(f"{self.max_bytes / 1e6:.0f} MB reached")
        try:
            (self.folder / FRAMES_DIR / name).write_bytes(data.tobytes())
        except OSError as exc:
            raise ReelError(str(self.folder), f"cannot write {name}: {exc.strerror or exc}") from exc
        self.bytes_written += len(data)
        self._write_row(row)
        self.frames += 1
        return name

    def close(self) -> None:
        self._labels.close()

    def _write_row(self, row: str) -> None:
        try:
            self._labels.write(row + "\n")
            self._labels.flush()
        except OSError as exc:
            raise ReelError(str(self.folder / LABELS_FILE), f"cannot write: {exc.strerror or exc}") from exc
        self.bytes_written += len(row) + 1

    def __enter__(self) -> ReelWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Recorder:
    """Keeps a camera's frames at ``fps`` in a :class:`ReelWriter`, labelled live.

    It reads the camera as one more reader of its latest-frame buffer, in the thread that
    calls :meth:`run`: a brain reading the same camera is never held up by it.
    """

    def __init__(self, camera: CameraSource, writer: ReelWriter, fps: float, label: int = NO_DIGIT) -> None:
        self.camera = camera
        self.writer = writer
        self.period = 1.0 / fps
        self._label = label
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stop_reason = "stopped"
        #: Why the recording ended: "time", "disk full: ...", the reason given to
        #: :meth:`stop` ("stopped" unless told), or "" while running.
        self.ended = ""

    @property
    def label(self) -> int:
        with self._lock:
            return self._label

    def set_label(self, label: int) -> None:
        with self._lock:
            self._label = label

    def stop(self, reason: str = "stopped") -> None:
        self._stop_reason = reason
        self._stop.set()

    def run(
        self, seconds: Optional[float] = None, status: Optional[Callable[[Recorder, float], None]] = None
    ) -> None:
        """Record until ``seconds`` have passed, :meth:`stop` is called or the disk bound
        is reached; ``status(recorder, elapsed)`` after every frame kept."""
        started = time.monotonic()
        next_due = started
        seq = 0
        while not self._stop.is_set():
            elapsed = time.monotonic() - started
            if seconds is not None and elapsed >= seconds:
                self.ended = "time"
                return
            frame = self.camera.wait_newer(seq, timeout=0.2)
            if frame is None:
                continue
            seq = frame.seq
            now = time.monotonic()
            if now < next_due:
                continue
            # Catch up after a stall without a burst: the next frame is due one period on.
            next_due = max(next_due + self.period, now)
            try:
                self.writer.add(frame.image, self.label)
            except DiskFull as full:
                self.ended = f"disk full: {full}"
                return
            if status is not None:
                status(self, now - started)
        self.ended = self._stop_reason
