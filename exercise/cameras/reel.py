"""``reel:DIR``: a test reel (docs/reels.md) played as a camera, with its labels.

The labelled frames play in name order, in a loop, at 30 frames per second (or the
``fps`` option), like ``file:DIR``; :meth:`ReelCamera.label_of` gives the label of any of
the last LABELS_KEPT frames it published, so a reading can be marked right or wrong as it
is shown. A frame that cannot be decoded is passed over (and named in the camera's
status), as ``evaluate --reel`` passes it over; the reel plays on.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from exercise.cameras.base import CameraState, Frame
from exercise.cameras.files import FileCamera
from exercise.exceptions import CameraError, ReelError
from exercise.reels import open_reel

#: Labels of this many of the newest frames are kept for :meth:`ReelCamera.label_of`.
LABELS_KEPT = 4096


class ReelCamera(FileCamera):
    """Plays a reel's labelled frames in turn, passing over any it cannot decode."""

    def __init__(self, spec: str, folder: Path, *, fps: Optional[float] = None) -> None:
        super().__init__(spec, folder, fps=fps)
        self._labels: List[int] = []
        #: The label of the frame read() returned last, for publish() to file under its seq.
        self._next_label: Optional[int] = None
        self._by_seq: OrderedDict[int, int] = OrderedDict()
        self._seq_lock = threading.Lock()

    def find_images(self) -> List[Path]:
        try:
            reel = open_reel(self.path)
        except ReelError as exc:
            raise CameraError(self.spec, exc.reason) from None
        if not reel.frames:
            raise CameraError(self.spec, f"{self.path} labels no frame that can be played")
        self._labels = [frame.label for frame in reel.frames]
        return [frame.path for frame in reel.frames]

    def label_of(self, seq: int) -> Optional[int]:
        """The label (0-9, or -1 for no digit) of the frame published as ``seq``; None for
        seq 0 (no frame) or a frame older than the last LABELS_KEPT."""
        with self._seq_lock:
            return self._by_seq.get(seq)

    def _next_image(self) -> np.ndarray:
        for _ in range(len(self._images)):
            index = self._index
            self._index = (index + 1) % len(self._images)
            try:
                image = self._image(index)
            except CameraError as exc:
                self._set_status(CameraState.STREAMING, f"passing over a frame: {exc.reason}")
                continue
            self._next_label = self._labels[index]
            return image
        raise CameraError(self.spec, "not one frame of the reel can be decoded")

    def publish(
        self, image: np.ndarray, timestamp: Optional[float] = None, seq: Optional[int] = None
    ) -> Frame:
        frame = super().publish(image, timestamp, seq)
        if self._next_label is not None:
            with self._seq_lock:
                self._by_seq[frame.seq] = self._next_label
                while len(self._by_seq) > LABELS_KEPT:
                    self._by_seq.popitem(last=False)
        return frame


def create(spec: str, argument: str, options: Dict[str, Optional[float]]) -> ReelCamera:
    """The ``reel:DIR`` factory; the reel is read on start().

    Raises:
        CameraError: no DIR given.
    """
    if not argument.strip():
        raise CameraError(spec, "give the reel's folder: reel:DIR (frames/ and labels.csv, docs/reels.md)")
    fps = options.get("fps")
    return ReelCamera(spec, Path(os.path.expanduser(argument.strip())), fps=float(fps) if fps else None)
