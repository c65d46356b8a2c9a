"""A second model read beside the model in use, live, on the same frames.

While a second model is loaded, a thread of its own takes the camera's newest frame up to
READS_PER_SECOND times a second, finds the largest digit once with the live pipeline
(:func:`exercise.preprocess.preprocess`) and has both models read the same 28x28 image, as
``evaluate --reel`` does. Each reading carries the frame's label when the camera is a test
reel, so the page can keep each model's running accuracy. It reads the camera as one more
reader of its latest-frame buffer: the brain's loop never waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from exercise.cameras import CameraSource
from exercise.model import DigitModel
from exercise.preprocess import largest, preprocess

#: Frames compared a second: enough to follow a digit held up, a fraction of the brain's cost.
READS_PER_SECOND = 5.0
#: After a frame that could not be compared (logged), wait this long before the next.
PAUSE_AFTER_FAILURE_S = 1.0

log = logging.getLogger(__name__)


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
    main = largest(preprocess(image))
    if main is None:
        return [ModelReading(model.spec.name, None, None) for model in models]
    readings = []
    for model in models:
        row = model.predict_image28(main.image28)
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
        #: The running thread and the event that stops it: one event per thread, so a
        #: thread being stopped never runs on beside its successor.
        self._running: Optional[Tuple[threading.Thread, threading.Event]] = None

    @property
    def second(self) -> Optional[DigitModel]:
        with self._lock:
            return self._second

    def set_second(self, model: Optional[DigitModel]) -> None:
        """Compare with ``model`` from now on; None ends the comparison."""
        if model is None:
            self.close()
            return
        with self._lock:
            self._second = model
            if self._running is None:
                stop = threading.Event()
                thread = threading.Thread(target=self._run, args=(stop,), name="comparison", daemon=True)
                self._running = (thread, stop)
                thread.start()

    def close(self) -> None:
        """Put the second model away and end the thread."""
        with self._lock:
            self._second = None
            running, self._running = self._running, None
        if running is not None:
            thread, stop = running
            stop.set()
            if thread is not threading.current_thread():
                thread.join(5.0)

    def _run(self, stop: threading.Event) -> None:
        period = 1.0 / READS_PER_SECOND
        camera: Optional[CameraSource] = None
        seq = 0
        while not stop.is_set():
            started = time.monotonic()
            second = self.second
            if second is None:
                return
            if self._camera() is not camera:
                camera, seq = self._camera(), 0  # a new camera counts its frames from 1
            assert camera is not None
            frame = camera.wait_newer(seq, timeout=0.5)
            if frame is None:
                continue
            seq = frame.seq
            try:
                readings = read_both(frame.image, [self._model_in_use(), second])
            except Exception:  # a model failing on one frame must not end the comparison unseen
                log.exception("comparing the two models failed on frame %d", frame.seq)
                stop.wait(PAUSE_AFTER_FAILURE_S)
                continue
            self._on_compared(Compared(frame.seq, camera.label_of(frame.seq), tuple(readings)))
            stop.wait(max(0.0, period - (time.monotonic() - started)))
