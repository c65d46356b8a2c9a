"""A second model read beside the model in use, live, on the same frames.

While a second model is loaded, a thread of its own takes the camera's newest frame up to
READS_PER_SECOND times a second, finds the largest digit once with the live pipeline
(:func:`exercise.preprocess.preprocess`) and has both models read the same 28x28 image, as
``evaluate --reel`` does. Each reading carries the frame's label when the camera is a test
reel, so the page can keep each model's running accuracy. It reads the camera as one more
reader of its latest-frame buffer: the brain's loop never waits for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from exercise.cameras import CameraSource
from exercise.model import DigitModel
from exercise.preprocess import preprocess, scale

#: Frames compared a second: enough to follow a digit held up, a fraction of the brain's cost.
READS_PER_SECOND = 5.0


@dataclass(frozen=True)
class ModelReading:
    model: str
    #: 0-9, or None when no digit was found.
    digit: Optional[int]
    probabilities: Optional[List[float]]

    def to_dict(self) -> Dict[str, Any]:
        return {"model": self.model, "digit": self.digit, "probabilities": self.probabilities}


@dataclass(frozen=True)
class Compared:
    """Both models' readings of one frame."""

    seq: int
    #: The frame's label when the camera is a test reel (-1: no digit), else None.
    label: Optional[int]
    readings: Tuple[ModelReading, ...]


def read_both(image: np.ndarray, models: List[DigitModel]) -> List[ModelReading]:
    """Each model's reading of the largest digit in ``image``, found once for all."""
    candidates = preprocess(image)
    if not candidates:
        return [ModelReading(model.spec.name, None, None) for model in models]
    largest = max(candidates, key=lambda c: c.box[2] * c.box[3])
    readings = []
    for model in models:
        row = np.asarray(model.predict(scale(largest.image28, model.spec.normalization)), np.float64).reshape(
            -1
        )
        readings.append(ModelReading(model.spec.name, int(row.argmax()), [round(float(p), 4) for p in row]))
    return readings


class Comparison:
    """Holds the second model and runs the comparing thread while there is one."""

    def __init__(
        self,
        camera: Callable[[], CameraSource],
        model_in_use: Callable[[], DigitModel],
        on_compared: Callable[[Compared], None],
    ) -> None:
        self._camera = camera
        self._model_in_use = model_in_use
        self._on_compared = on_compared
        self._lock = threading.Lock()
        self._second: Optional[DigitModel] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def second(self) -> Optional[DigitModel]:
        with self._lock:
            return self._second

    def set_second(self, model: Optional[DigitModel]) -> None:
        """Compare with ``model`` from now on; None ends the comparison."""
        with self._lock:
            self._second = model
            running = self._thread is not None and self._thread.is_alive()
            if model is not None and not running:
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="comparison", daemon=True)
                self._thread.start()
        if model is None:
            self.close()

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)
        self._thread = None

    def _run(self) -> None:
        seq = 0
        period = 1.0 / READS_PER_SECOND
        while not self._stop.is_set():
            started = time.monotonic()
            second = self.second
            if second is None:
                return
            camera = self._camera()
            frame = camera.wait_newer(seq, timeout=0.5)
            if frame is None:
                continue
            seq = frame.seq
            readings = read_both(frame.image, [self._model_in_use(), second])
            self._on_compared(Compared(frame.seq, camera.label_of(frame.seq), tuple(readings)))
            self._stop.wait(max(0.0, period - (time.monotonic() - started)))
