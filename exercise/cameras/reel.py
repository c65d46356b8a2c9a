"""``reel:DIR``: a test reel (docs/reels.md) played as a camera, with its labels.

The labelled frames play in name order, in a loop, at 30 frames per second (or the
``fps`` option), like ``file:DIR``; :meth:`ReelCamera.label_of` gives the label of any frame
it published, so a reading can be marked right or wrong as it is shown.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional

from exercise.cameras.files import FileCamera
from exercise.exceptions import CameraError, ReelError
from exercise.reels import open_reel


class ReelCamera(FileCamera):
    """Plays a reel's labelled frames; frame ``seq`` shows frame ``(seq - 1) % count``."""

    def __init__(self, spec: str, folder: Path, *, fps: Optional[float] = None) -> None:
        super().__init__(spec, folder, fps=fps)
        self._labels: List[int] = []

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
        """The label (0-9, or -1 for no digit) of the frame published as ``seq``; None
        before the reel is open or for seq 0 (no frame)."""
        if seq < 1 or not self._labels:
            return None
        return self._labels[(seq - 1) % len(self._labels)]


def create(spec: str, argument: str, options: Dict[str, Optional[float]]) -> ReelCamera:
    """The ``reel:DIR`` factory; the reel is read on start().

    Raises:
        CameraError: no DIR given.
    """
    if not argument.strip():
        raise CameraError(spec, "give the reel's folder: reel:DIR (frames/ and labels.csv, docs/reels.md)")
    fps = options.get("fps")
    return ReelCamera(spec, Path(os.path.expanduser(argument.strip())), fps=float(fps) if fps else None)
