"""``file:PATH``: a video file, one image, or a folder of images, played in a loop.

Frames come at the video's own frame rate (30 per second for images, or the ``fps``
option), so the brain sees a file as it would see a camera; :attr:`FileCamera.is_live`
is False so that the GUI reports the real-time factor instead of pretending to be live.

A folder plays its images in name order, one per frame. An image larger than
``MAX_SIDE`` pixels (a phone photo) is scaled down unless width/height are given: a
12-megapixel frame at 30 fps would swamp the JPEG stream for nothing.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from exercise.cameras.base import CameraState, ThreadedCamera
from exercise.cameras.pacing import FrameClock
from exercise.exceptions import CameraError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pbm")
DEFAULT_FPS = 30.0
MAX_SIDE = 1280
#: A folder of at most this many images is kept decoded after the first round; a longer
#: one (a test reel of minutes) is decoded frame by frame instead of filling the memory.
MAX_KEPT_IMAGES = 64
#: Frame rates a video may claim; outside this range its header is not trusted.
PLAUSIBLE_FPS = (1.0, 240.0)


def list_images(folder: Path) -> List[Path]:
    """Image files directly in ``folder``, sorted by name (hidden files skipped)."""
    return sorted(
        entry
        for entry in folder.iterdir()
        if entry.is_file() and entry.suffix.lower() in IMAGE_SUFFIXES and not entry.name.startswith(".")
    )


def fit_size(
    width: int, height: int, want_w: Optional[int], want_h: Optional[int]
) -> Optional[Tuple[int, int]]:
    """The (width, height) to resize a ``width`` x ``height`` image to, or None to keep it.

    Both wanted sides given: exactly that. One given: the other follows the aspect ratio.
    None given: only images larger than ``MAX_SIDE`` shrink, keeping their aspect ratio.
    """
    if want_w and want_h:
        size = (int(want_w), int(want_h))
    elif want_w:
        size = (int(want_w), max(1, round(height * want_w / width)))
    elif want_h:
        size = (max(1, round(width * want_h / height)), int(want_h))
    elif max(width, height) > MAX_SIDE:
        factor = MAX_SIDE / max(width, height)
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
    else:
        return None
    return None if size == (width, height) else size


def as_bgr(image: np.ndarray) -> np.ndarray:
    """Any decoded image (grey, BGRA, 16-bit) as BGR uint8."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype.kind == "f":  # HDR/EXR-like images hold 0..1
        image = np.clip(image * 255.0, 0, 255).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def read_image(spec: str, path: Path) -> np.ndarray:
    """Decode one image file as BGR uint8.

    Raises:
        CameraError: the file cannot be read or is not an image OpenCV can decode.
    """
    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # not cv2.imread: it fails silently on odd paths
    except OSError as exc:
        raise CameraError(spec, f"cannot read {path}: {exc.strerror or exc}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise CameraError(spec, f"{path} is not an image OpenCV can decode")
    return as_bgr(image)


def plausible_fps(reported: float) -> Optional[float]:
    """A video header's frame rate if believable (some containers say 0, NaN or 1000)."""
    if reported and not math.isnan(reported) and PLAUSIBLE_FPS[0] <= reported <= PLAUSIBLE_FPS[1]:
        return float(reported)
    return None


class FileCamera(ThreadedCamera):
    """Plays images (a list of paths) or one video file in a loop at ``fps``.

    Images are decoded on first show and, up to MAX_KEPT_IMAGES of them, kept read-only: a
    frame's pixels are shared by every frame that shows the same image.
    """

    def __init__(
        self,
        spec: str,
        path: Path,
        *,
        fps: Optional[float] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
    ) -> None:
        self.path = path
        self._want = (width, height)
        self._images: List[Path] = []
        self._decoded: Dict[int, np.ndarray] = {}
        self._index = 0
        self._video: Optional[cv2.VideoCapture] = None
        self._clock: Optional[FrameClock] = None
        self._requested_fps = fps
        super().__init__(spec, fps or DEFAULT_FPS)

    @property
    def is_live(self) -> bool:
        return False

    # -- ThreadedCamera ------------------------------------------------------------------

    def open(self) -> None:
        """Find what the path holds; decode the first frame so a bad file fails here."""
        self._images = self.find_images()
        if not self._images:
            self._open_video()
        if self._images:
            self._index = 0
            self._image(0)
        self._clock = FrameClock(self.fps, self.stopping)

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None

    def read(self) -> Optional[np.ndarray]:
        assert self._clock is not None, "read() before open()"
        # Decode before waiting: the frame is then ready when its time comes.
        image = self._next_image() if self._images else self._next_video_frame()
        if image is None:
            self._set_status(CameraState.ENDED, f"{self.path} has no frames left to play")
            self.stopping.wait()  # nothing more will come; sleep until stop()
            return None
        if not self._clock.wait():
            return None
        return image

    def find_images(self) -> List[Path]:
        """The images to play in turn, or [] when the path is a video.

        Raises:
            CameraError: no such path, or a folder without images.
        """
        path = self.path
        if path.is_dir():
            images = list_images(path)
            if not images:
                raise CameraError(self.spec, f"folder {path} has no images ({', '.join(IMAGE_SUFFIXES)})")
            return images
        if path.is_file():
            return [path] if path.suffix.lower() in IMAGE_SUFFIXES else []
        raise CameraError(self.spec, f"no such file or folder: {path}")

    # -- internals -----------------------------------------------------------------------

    def _open_video(self) -> None:
        video = cv2.VideoCapture(str(self.path))
        if not video.isOpened():
            video.release()
            raise CameraError(self.spec, f"{self.path} is neither an image nor a video OpenCV can open")
        ok, _ = video.read()
        if not ok:
            video.release()
            raise CameraError(self.spec, f"{self.path} opens as a video but has no frames")
        video.set(cv2.CAP_PROP_POS_FRAMES, 0)
        self._video = video
        if self._requested_fps is None:
            self.fps = plausible_fps(video.get(cv2.CAP_PROP_FPS)) or DEFAULT_FPS

    def _image(self, index: int) -> np.ndarray:
        image = self._decoded.get(index)
        if image is None:
            image = self._resize(read_image(self.spec, self._images[index]))
            image.flags.writeable = False
            if len(self._images) <= MAX_KEPT_IMAGES:
                self._decoded[index] = image
        return image

    def _next_image(self) -> np.ndarray:
        image = self._image(self._index)
        self._index = (self._index + 1) % len(self._images)
        return image

    def _next_video_frame(self) -> Optional[np.ndarray]:
        """The next frame, rewinding at the end; None if even a rewound video yields nothing."""
        assert self._video is not None
        ok, image = self._video.read()
        if not ok:
            # Seeking back is unreliable in some containers; reopening always works.
            self._video.release()
            self._video = cv2.VideoCapture(str(self.path))
            ok, image = self._video.read()
            if not ok:
                return None
        return self._resize(as_bgr(image))

    def _resize(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        size = fit_size(width, height, *self._want)
        return image if size is None else cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def create(spec: str, argument: str, options: Dict[str, Optional[float]]) -> FileCamera:
    """The ``file:PATH`` factory. ``~`` in PATH is expanded; the path is checked on start().

    Raises:
        CameraError: no PATH given.
    """
    if not argument.strip():
        raise CameraError(spec, "give a path: file:PATH to a video, an image or a folder of images")
    path = Path(os.path.expanduser(argument.strip()))
    width, height, fps = options.get("width"), options.get("height"), options.get("fps")
    return FileCamera(
        spec,
        path,
        fps=float(fps) if fps else None,
        width=int(width) if width else None,
        height=int(height) if height else None,
    )
