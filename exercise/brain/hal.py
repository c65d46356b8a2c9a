"""``HAL``: what the student's code imports to read the camera and run the model.

Inside the brain's child process ``import HAL`` gives a module whose functions are the
methods of one :class:`Hal` (see :func:`as_module`)::

    HAL.getImage()          -> the newest camera frame, BGR uint8 (H, W, 3), yours to draw on
    HAL.preprocess(image)   -> digit candidates, left to right: .tensor [1,1,28,28], .box, .image28
    HAL.predict(tensor)     -> 10 probabilities (numpy float32) from the loaded model
    HAL.getModel()          -> the loaded model's spec (a dict) and its latency here

The model can be swapped while the code runs (:meth:`ModelHolder.swap`, from the child's
control thread); the next ``HAL.predict`` uses the new one.
"""

from __future__ import annotations

import threading
import time
import types
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from exercise.brain.budget import BudgetMeter, timed
from exercise.brain.frames import FrameSlot
from exercise.exceptions import ExerciseError

if TYPE_CHECKING:  # imported when first used: the child loads them before its memory cap
    from exercise.model import DigitModel
    from exercise.preprocess import DigitCandidate

#: After this long without a first frame, getImage says once that it is waiting.
_WAITING_NOTE_AFTER = 2.0


class ModelHolder:
    """The model HAL uses: loaded at start, swapped by the control thread, read by the loop."""

    def __init__(self, path: Optional[str], name: Optional[str] = None) -> None:
        self._lock = threading.Lock()
        self._model: Optional[DigitModel] = None
        self._error: Optional[str] = None
        self._path = path
        self._name = name

    def load_initial(self) -> None:
        """Load the model given at start; a failure is kept and raised by the first use."""
        try:
            model = _load(self._path, self._name)
        except ExerciseError as exc:
            with self._lock:
                self._error = str(exc)
            return
        with self._lock:
            self._model = model

    def swap(self, path: str, name: Optional[str] = None) -> str:
        """Load ``path`` and make it the model in use; the old one stays if loading fails.

        Returns a sentence for the console saying what happened.
        """
        try:
            model = _load(path, name)
        except ExerciseError as exc:
            return f"the new model could not be loaded, the old one stays in use: {exc}"
        with self._lock:
            self._model = model
            self._error = None
        return f"now using model {model.spec.name}"

    def get(self) -> DigitModel:
        """The DigitModel in use. Raises RuntimeError with the load error if there is none."""
        with self._lock:
            model, error = self._model, self._error
        if model is None:
            raise RuntimeError(f"no model is loaded ({error or 'none was given'}); upload one first")
        return model


def _load(path: Optional[str], name: Optional[str] = None) -> DigitModel:
    from exercise.model import DigitModel, load_default_model

    if path is None:
        return load_default_model()
    return DigitModel.load(path, name=name, threads=1)


class Hal:
    """The camera and the model, as the student's code sees them."""

    def __init__(
        self,
        slot: FrameSlot,
        first_frame: threading.Event,
        models: ModelHolder,
        note: Callable[[str], None],
        budget: Optional[BudgetMeter] = None,
    ) -> None:
        self._budget = budget
        self._slot = slot
        self._first_frame = first_frame
        self._models = models
        self._note = note
        self._latency_ms: Optional[float] = None
        #: (camera seq, capture time) of the last frame getImage returned; (0, 0.0) before.
        self.last_frame: Tuple[int, float] = (0, 0.0)

    def getImage(self) -> np.ndarray:  # noqa: N802 - the exercises' API name
        """The newest camera frame (BGR uint8, a copy you may draw on). Waits for the first one."""
        started = time.perf_counter()
        result = self._slot.read()
        if result is None:
            noted = False
            while result is None:
                if not self._first_frame.wait(_WAITING_NOTE_AFTER):
                    if not noted:
                        self._note("HAL.getImage() is waiting for the first camera frame")
                        noted = True
                    continue
                result = self._slot.read()
                if result is None:  # the writer lapped the reader several times: try again
                    time.sleep(0.001)
        image, seq, timestamp = result
        self.last_frame = (seq, timestamp)
        timed(self._budget, "get_image", started)
        if self._budget is not None:
            self._budget.add("frame_age", max(0.0, time.time() - timestamp))
        return image

    def preprocess(self, image: np.ndarray) -> List[DigitCandidate]:
        """Digit candidates in ``image``, scaled the way the loaded model wants its input."""
        from exercise.preprocess import Scaling, preprocess

        if image is None:
            raise ValueError("HAL.preprocess(image) got None; pass the image from HAL.getImage()")
        try:
            scaling = self._models.get().spec.normalization
        except RuntimeError:
            scaling = Scaling.UNIT
        started = time.perf_counter()
        candidates = preprocess(np.asarray(image), scaling)
        timed(self._budget, "preprocess", started)
        return candidates

    def predict(self, tensor: Any) -> np.ndarray:
        """10 probabilities (summing to 1) for a ``[1, 1, 28, 28]`` float32 tensor."""
        if hasattr(tensor, "tensor") and hasattr(tensor, "box"):
            raise TypeError("HAL.predict() takes a tensor: pass candidate.tensor, not the candidate")
        model = self._models.get()
        started = time.perf_counter()
        probabilities: np.ndarray = model.predict(np.asarray(tensor, dtype=np.float32))
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        timed(self._budget, "predict", started)
        # A smoothed figure: one slow call (a page fault, a context switch) should not jump.
        previous = self._latency_ms
        self._latency_ms = elapsed_ms if previous is None else 0.9 * previous + 0.1 * elapsed_ms
        return probabilities

    def getModel(self) -> Dict[str, Any]:  # noqa: N802
        """The loaded model's spec (name, shapes, normalization...) and ``predict_ms`` measured here."""
        spec: Dict[str, Any] = dict(self._models.get().spec.to_dict())
        spec["predict_ms"] = None if self._latency_ms is None else round(self._latency_ms, 3)
        return spec


def as_module(name: str, owner: object, functions: List[str], doc: str) -> types.ModuleType:
    """A module called ``name`` whose functions are ``owner``'s bound methods (for sys.modules)."""
    module = types.ModuleType(name, doc)
    for function in functions:
        setattr(module, function, getattr(owner, function))
    return module


HAL_FUNCTIONS = ["getImage", "preprocess", "predict", "getModel"]
