"""The messages between the runner and its child, as values.

Commands go down (runner to child): :class:`Start` once, then any of the others. Reports
come up (child to runner): the listeners' own events (:mod:`exercise.brain.events`) where
the child already knows them whole, plus three only the runner sees (:class:`Started`,
:class:`Paused`, :class:`Finished`). :mod:`exercise.brain.wire` turns each type into bytes
and back, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from exercise.brain.events import (
    BrainFailed,
    ConsoleLine,
    DigitShown,
    FrequencyMeasured,
    ImageShown,
    InputShown,
)

# --- commands, runner to child ----------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """The run's whole configuration: the first line the child reads."""

    code: str
    filename: str  # the name tracebacks give the student's code
    hz: float
    gui_fps: float
    model: Optional[str]  # path of the model file; None: the bundled one
    model_name: Optional[str]  # what the student calls it (an upload's file name)
    memory_limit_mb: int
    frames_fd: int
    capacity: int  # of the frame slot, in bytes
    as_nobody: bool  # switch to the unprivileged user before the code runs


@dataclass(frozen=True)
class Pause:
    """Stop between two ticks; the child answers :class:`Paused` with the same number."""

    number: int


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class SetFrequency:
    hz: float


@dataclass(frozen=True)
class SetGuiRate:
    fps: float


@dataclass(frozen=True)
class FrameReady:
    """The frame slot holds a first frame: ``HAL.getImage()`` need not wait any more."""


@dataclass(frozen=True)
class SwapModel:
    path: str
    name: Optional[str]


Command = Union[Start, Pause, Resume, SetFrequency, SetGuiRate, FrameReady, SwapModel]

# --- reports only the runner sees, child to runner ---------------------------------------------


@dataclass(frozen=True)
class Started:
    """The student's first line is about to run."""


@dataclass(frozen=True)
class Paused:
    """The loop stopped for the pause of this number."""

    number: int


@dataclass(frozen=True)
class Finished:
    """The code ended by itself, without an error."""

    reason: str


#: What GUI.showDigit, GUI.showInput and GUI.showImage make.
GuiResult = Union[DigitShown, InputShown, ImageShown]

Report = Union[
    ConsoleLine, DigitShown, InputShown, ImageShown, FrequencyMeasured, BrainFailed, Started, Paused, Finished
]
#: How a run ended, as the child said it: normally, or with the student's error.
Ending = Union[Finished, BrainFailed]
