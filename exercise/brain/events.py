"""What the brain reports to its listeners (the hub, the CLI, the ROS node).

The runner turns messages from its child into these values and hands each one to the
``on_event`` callback it was given, one call at a time, from the runner's threads: a
listener that lives in an event loop must hop over with ``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import numpy as np


class BrainState(str, enum.Enum):
    STOPPED = "stopped"  # ready for Play
    RUNNING = "running"
    PAUSING = "pausing"  # asked to pause; the tick in progress has not returned yet
    PAUSED = "paused"


class ConsoleStream(str, enum.Enum):
    STDOUT = "stdout"
    STDERR = "stderr"  # tracebacks and warnings
    SYSTEM = "system"  # the runner's own notes: "started", "stopped after 3.2 s", "output rate-limited"


@dataclass(frozen=True)
class ConsoleLine:
    stream: ConsoleStream
    text: str


@dataclass(frozen=True)
class DigitShown:
    """``GUI.showDigit``: ``digit`` is None for "no digit"."""

    digit: Optional[int]
    probabilities: Optional[List[float]]  # 10 values summing to 1, or None
    box: Optional[Tuple[int, int, int, int]]  # x, y, w, h in the camera frame
    #: seq of the camera frame the brain had read last (HAL.getImage) when it showed
    #: this digit, 0 if none; lets a client match the digit to the view it belongs to.
    frame_seq: int = 0


@dataclass(frozen=True)
class InputShown:
    """``GUI.showInput``: the 28x28 the model saw, as uint8 white-on-black."""

    image: np.ndarray


@dataclass(frozen=True)
class ImageShown:
    """``GUI.showImage``: a BGR uint8 image to show instead of the live camera view."""

    image: np.ndarray
    frame_seq: int  # seq of the newest camera frame the brain had read, 0 if none
    timestamp: float  # capture time of that frame


@dataclass(frozen=True)
class FrequencyMeasured:
    """Sent once a second while running."""

    measured_hz: float
    target_hz: float
    #: Where the loops' time went (:class:`exercise.brain.budget.LoopTimes` as a dict);
    #: empty when no loop ran in the window.
    budget: Dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StateChanged:
    state: BrainState
    #: Why, when it was not the user's command: "exited with status 1", "memory cap hit".
    reason: str = ""


@dataclass(frozen=True)
class BrainFailed:
    """The student's code raised or the child died. The runner is back to STOPPED."""

    message: str  # one line: "ZeroDivisionError: division by zero"
    line: Optional[int]  # 1-based line in the student's code, when known
    traceback: str  # the traceback with the student's file name and lines only


BrainEvent = Union[
    ConsoleLine, DigitShown, InputShown, ImageShown, FrequencyMeasured, StateChanged, BrainFailed
]
