"""``GUI``: what the student's code imports to show results in the browser.

Inside the brain's child process ``import GUI`` gives a module whose functions are the
methods of one :class:`Gui`::

    GUI.showDigit(digit, probabilities, box=None)  # the answer, drawn over the live camera
    GUI.showInput(tensor_or_28x28)                  # the 28x28 image the model saw
    GUI.showImage(image)                            # your own image instead of the camera view

Each call checks its arguments (a wrong one raises at the student's line) and hands the
result to the outbox, which sends at most ``gui_fps`` of each kind per second, newest
first: calling them every tick at 1000 Hz is fine, and the last call always arrives.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from exercise.brain.budget import BudgetMeter, timed
from exercise.brain.events import DigitShown, ImageShown, InputShown
from exercise.brain.messages import GuiResult
from exercise.limits import MAX_SHOWN_SIDE

#: Newest-wins delivery to the runner (:class:`exercise.brain.outbox.Outbox`).
Send = Callable[[GuiResult], None]

GUI_FUNCTIONS = ["showImage", "showDigit", "showInput"]
MAX_SHOWN_PIXELS = MAX_SHOWN_SIDE * MAX_SHOWN_SIDE


class Gui:
    """Turns GUI calls into messages for the runner."""

    def __init__(
        self, send: Send, last_frame: Callable[[], Tuple[int, float]], budget: Optional[BudgetMeter] = None
    ) -> None:
        self._post = send
        self._last_frame = last_frame
        self._budget = budget

    def _send(self, result: GuiResult) -> None:
        started = time.perf_counter()
        self._post(result)
        timed(self._budget, "gui", started)

    def showDigit(  # noqa: N802 - the exercises' API name
        self,
        digit: Optional[int],
        probabilities: Optional[Sequence[float]] = None,
        box: Optional[Sequence[int]] = None,
    ) -> None:
        """Show ``digit`` (0-9, or None for "no digit"), its 10 probabilities and its box (x, y, w, h)."""
        values = check_box(box)
        shown_box = None if values is None else (values[0], values[1], values[2], values[3])
        self._send(
            DigitShown(
                check_digit(digit), check_probabilities(probabilities), shown_box, self._last_frame()[0]
            )
        )

    def showInput(self, image: Any) -> None:  # noqa: N802
        """Show the model's input: a ``[1,1,28,28]`` tensor (any scaling) or a 28x28 image."""
        self._send(InputShown(to_input_image(image)))

    def showImage(self, image: Any) -> None:  # noqa: N802
        """Show ``image`` (BGR or grey uint8; float images are converted) instead of the camera."""
        seq, timestamp = self._last_frame()
        self._send(ImageShown(to_display_image(image), seq, timestamp))


def check_digit(digit: Any) -> Optional[int]:
    if digit is None:
        return None
    try:
        value = int(digit)
    except (TypeError, ValueError):
        raise TypeError(f"GUI.showDigit: digit must be 0 to 9 or None, got {digit!r}") from None
    if value != digit or not 0 <= value <= 9:
        raise ValueError(f"GUI.showDigit: digit must be 0 to 9 or None, got {digit!r}")
    return value


def check_probabilities(probabilities: Any) -> Optional[List[float]]:
    if probabilities is None:
        return None
    values = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if values.size != 10:
        raise ValueError(f"GUI.showDigit: probabilities must be 10 numbers, got {values.size}")
    numbers: List[float] = values.tolist()  # Python floats: rounded without numpy scalars
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError("GUI.showDigit: probabilities contain NaN or infinity")
    return [round(v, 6) for v in numbers]


def check_box(box: Any) -> Optional[List[int]]:
    if box is None:
        return None
    values = [int(round(float(v))) for v in box]
    if len(values) != 4 or values[2] < 0 or values[3] < 0:
        raise ValueError(f"GUI.showDigit: box must be (x, y, width, height), got {box!r}")
    return values


def to_input_image(image: Any) -> np.ndarray:
    """A 28x28 uint8 white-on-black image from a tensor of any scaling or a 28x28 image."""
    if hasattr(image, "image28"):  # a DigitCandidate: show what it holds
        image = image.image28
    array = np.asarray(image)
    if array.size != 28 * 28:
        raise ValueError(
            f"GUI.showInput: expected a [1,1,28,28] tensor or a 28x28 image, got shape {array.shape}"
        )
    array = array.reshape(28, 28)
    if array.dtype == np.uint8:
        return array
    floats = array.astype(np.float32, copy=False)
    # A NaN makes min and max NaN, an infinity is the min or the max: one check for all.
    low, high = float(floats.min()), float(floats.max())
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("GUI.showInput: the tensor contains NaN or infinity")
    if high - low < 1e-12:
        return np.zeros((28, 28), np.uint8)
    # Undo whatever scaling the tensor had: the lowest value is black, the highest white.
    scaled = floats - low
    scaled *= 255.0 / (high - low)
    np.rint(scaled, out=scaled)
    return scaled.astype(np.uint8)


def to_display_image(image: Any) -> np.ndarray:
    """A uint8 HxW or HxWx3 image ready to encode."""
    if image is None:
        raise ValueError("GUI.showImage got None; pass an image such as the one from HAL.getImage()")
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"GUI.showImage: expected an HxW or HxWx3 image, got shape {array.shape}")
    height, width = array.shape[:2]
    if height * width > MAX_SHOWN_PIXELS:
        raise ValueError(
            f"GUI.showImage: a {width}x{height} image is over the {MAX_SHOWN_PIXELS / 1e6:.1f} Mpx limit "
            f"({MAX_SHOWN_SIDE}x{MAX_SHOWN_SIDE}); scale it down first, e.g. cv2.resize(image, (640, 480))"
        )
    if array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]
    if array.dtype != np.uint8:
        floats = array.astype(np.float32)
        if floats.size and float(np.nanmax(floats)) <= 1.0:
            floats = floats * 255.0
        array = np.clip(np.nan_to_num(floats), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(array)
