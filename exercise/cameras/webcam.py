"""``webcam``, ``webcam:N``, ``webcam:/dev/videoN`` and ``auto``: OpenCV capture devices.

A webcam that goes away (unplugged, taken by another program) is not an error for the
consumer: the source reports :attr:`CameraState.RECONNECTING` with a sentence saying what
happened and retries with growing pauses (:func:`backoff_delay`) until it comes back or
the source is stopped. Only a device that cannot be opened at all on :meth:`start` raises
:class:`CameraError`, naming the device and what to try.

On Linux devices are opened by path with the V4L2 backend (fast, no GStreamer detour);
elsewhere by index with OpenCV's default backend.
"""

from __future__ import annotations

import glob
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Union

import cv2
import numpy as np

from exercise.cameras.base import CameraSource, CameraState, ThreadedCamera
from exercise.cameras.files import as_bgr, plausible_fps
from exercise.exceptions import CameraError

Device = Union[int, str]

IS_LINUX = sys.platform.startswith("linux")
DEFAULT_BACKEND = cv2.CAP_V4L2 if IS_LINUX else cv2.CAP_ANY
DEFAULT_FPS = 30.0
SYSFS_VIDEO = Path("/sys/class/video4linux")


@dataclass(frozen=True)
class Backoff:
    """Pauses between reconnection attempts: ``initial``, then times ``factor``, at most ``maximum``."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 5.0


def backoff_delay(attempt: int, policy: Backoff = Backoff()) -> float:
    """Seconds to wait before reconnection attempt ``attempt`` (1, 2, 3...)."""
    if attempt < 1:
        raise ValueError(f"attempts count from 1, not {attempt}")
    # Capped before exponentiating so that attempt 10000 does not overflow.
    exponent = min(attempt - 1, 64)
    return min(policy.maximum, policy.initial * policy.factor**exponent)


def parse_device(spec: str, argument: str) -> Device:
    """``""`` -> 0, ``"2"`` -> 2, ``"/dev/video2"`` -> ``"/dev/video2"``.

    Raises:
        CameraError: neither a number nor a device path.
    """
    argument = argument.strip()
    if not argument:
        return 0
    if argument.isdigit():
        return int(argument)
    if argument.startswith("/"):
        return argument
    raise CameraError(spec, f"{argument!r} is not a device: use webcam, webcam:N or webcam:/dev/videoN")


def device_name(device: Device) -> str:
    """How messages name a device: ``/dev/video0`` on Linux, ``camera 0`` elsewhere."""
    if isinstance(device, int):
        return f"/dev/video{device}" if IS_LINUX else f"camera {device}"
    return device


def _capture_target(device: Device, backend: int) -> Device:
    """What to hand to cv2.VideoCapture: V4L2 takes paths, other backends indices."""
    if backend == cv2.CAP_V4L2 and isinstance(device, int):
        return f"/dev/video{device}"
    return device


@dataclass(frozen=True)
class WebcamInfo:
    """One capture device found on this machine, for the GUI's camera picker."""

    #: What to pass to open_camera, for example ``webcam:/dev/video0``.
    spec: str
    #: ``/dev/video0``
    path: str
    #: A label for people, for example ``HD Webcam (/dev/video0)``.
    label: str


def _video_number(path: str) -> int:
    match = re.search(r"(\d+)$", path)
    return int(match.group(1)) if match else 1 << 30


def list_webcams(dev_glob: str = "/dev/video*", sysfs: Path = SYSFS_VIDEO) -> List[WebcamInfo]:
    """Capture devices present now, in number order. Never opens them (a device in use
    must not be disturbed); on Linux, metadata nodes that share a camera are skipped."""
    found = []
    for path in sorted(glob.glob(dev_glob), key=_video_number):
        node = sysfs / os.path.basename(path)
        name = _read_text(node / "name") or "Webcam"
        if _read_text(node / "index") not in (None, "0"):
            continue  # the second node of a UVC camera carries metadata, not images
        found.append(WebcamInfo(spec=f"webcam:{path}", path=path, label=f"{name} ({path})"))
    return found


def _read_text(path: Path) -> Optional[str]:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def missing_reason(device: Device, backend: int = DEFAULT_BACKEND) -> str:
    """Why ``device`` cannot be opened, in words a student can act on."""
    name = device_name(device)
    target = _capture_target(device, backend)
    if isinstance(target, str) and target.startswith("/dev/") and not os.path.exists(target):
        others = [info.path for info in list_webcams()]
        if others:
            return f"no camera at {name}; this machine has {', '.join(others)}"
        return (
            f"no camera at {name}, and no /dev/video* device at all: plug a webcam in "
            "(in Docker, pass --device /dev/video0) or use the demo camera"
        )
    return (
        f"cannot open {name}: another program may be using it, or you lack permission "
        "(on Linux, join the 'video' group)"
    )


class WebcamCamera(ThreadedCamera):
    """One OpenCV capture device, reconnecting when it goes away.

    ``backend`` and ``backoff`` are there for other platforms and for tests; ``device`` may
    then be anything cv2.VideoCapture opens (a video file, for instance).
    """

    def __init__(
        self,
        spec: str,
        device: Device,
        *,
        width: Optional[int] = None,
        height: Optional[int] = None,
        fps: Optional[float] = None,
        backend: int = DEFAULT_BACKEND,
        backoff: Backoff = Backoff(),
    ) -> None:
        super().__init__(spec, fps or DEFAULT_FPS)
        self.device = device
        self.backend = backend
        self.backoff = backoff
        self._want_w, self._want_h, self._want_fps = width, height, fps
        #: Failed reconnection attempts since the device went away (0 while streaming).
        self.attempt = 0
        # Held while the camera thread uses the capture, so that close() never releases
        # it under a read that is still running.
        self._capture_lock = threading.Lock()
        self._capture: Optional[cv2.VideoCapture] = None

    @property
    def name(self) -> str:
        return device_name(self.device)

    # -- ThreadedCamera ------------------------------------------------------------------

    def open(self) -> None:
        capture = self._connect()
        if capture is None:
            raise CameraError(self.spec, missing_reason(self.device, self.backend))
        ok, _ = capture.read()
        if not ok:
            capture.release()
            raise CameraError(
                self.spec, f"{self.name} opens but gives no images (is it the camera's metadata node?)"
            )
        self._capture = capture
        self.attempt = 0

    def close(self) -> None:
        # If the thread is still stuck in a read, it releases the capture itself when the
        # read returns (it sees stopping set); releasing under it could crash OpenCV.
        if self._capture_lock.acquire(timeout=0.5):
            try:
                self._release()
            finally:
                self._capture_lock.release()

    def read(self) -> Optional[np.ndarray]:
        if self._capture is None:
            self._reconnect()
            return None
        with self._capture_lock:
            if self._capture is None:  # closed while we waited for the lock
                return None
            ok, image = self._capture.read()
            if self.stopping.is_set():
                self._release()
                return None
            if not ok or image is None:
                self._release()
                self._set_status(CameraState.RECONNECTING, f"lost {self.name}; reconnecting")
                return None
        self.attempt = 0
        return as_bgr(image)

    # -- internals -----------------------------------------------------------------------

    def _reconnect(self) -> None:
        """Wait the backoff delay, then try to open the device once."""
        self.attempt += 1
        delay = backoff_delay(self.attempt, self.backoff)
        self._set_status(
            CameraState.RECONNECTING,
            f"{self.name} is gone; reconnection attempt {self.attempt} in {delay:.1f} s",
        )
        if self.stopping.wait(delay):
            return
        capture = self._connect()
        if capture is None:
            return
        with self._capture_lock:
            if self.stopping.is_set():
                capture.release()
            else:
                self._capture = capture

    def _connect(self) -> Optional[cv2.VideoCapture]:
        """Open and configure the device; None if it cannot be opened now."""
        target = _capture_target(self.device, self.backend)
        if isinstance(target, str) and target.startswith("/dev/") and not os.path.exists(target):
            return None  # V4L2 would say the same after a syscall and a warning on stderr
        capture = cv2.VideoCapture(target, self.backend)
        if not capture.isOpened():
            capture.release()
            return None
        self._configure(capture)
        return capture

    def _configure(self, capture: cv2.VideoCapture) -> None:
        width, height = self._want_w, self._want_h
        if width and height and width * height > 640 * 480:
            # Most USB cameras deliver large frames at 30 fps only as MJPG.
            capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        if width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if self._want_fps:
            capture.set(cv2.CAP_PROP_FPS, self._want_fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # a deep driver queue means stale frames
        self.fps = plausible_fps(capture.get(cv2.CAP_PROP_FPS)) or self._want_fps or DEFAULT_FPS

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


def _options(options: Dict[str, Optional[float]]) -> Dict[str, Optional[float]]:
    width, height, fps = options.get("width"), options.get("height"), options.get("fps")
    return {
        "width": int(width) if width else None,
        "height": int(height) if height else None,
        "fps": float(fps) if fps else None,
    }


def create(spec: str, argument: str, options: Dict[str, Optional[float]]) -> WebcamCamera:
    """The ``webcam`` factory; the device is opened (and checked) by start()."""
    return WebcamCamera(spec, parse_device(spec, argument), **_options(options))  # type: ignore[arg-type]


def probe(path: str, backend: int = DEFAULT_BACKEND) -> bool:
    """True if ``path`` opens and gives one image. Takes a fraction of a second."""
    capture = cv2.VideoCapture(path, backend)
    try:
        return bool(capture.isOpened() and capture.grab())
    finally:
        capture.release()


def create_auto(spec: str, argument: str, options: Dict[str, Optional[float]]) -> CameraSource:
    """The ``auto`` factory: the first webcam that gives an image, else the demo camera.

    The source returned carries the spec it resolved to (``webcam:/dev/video0`` or
    ``demo``), so the GUI shows which camera it got.
    """
    for info in list_webcams():
        if probe(info.path):
            return WebcamCamera(info.spec, info.path, **_options(options))  # type: ignore[arg-type]
    from exercise.cameras import demo  # the demo loads its digits: only when needed

    return demo.create("demo", "", options)
