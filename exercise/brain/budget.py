"""The timing budget: where each loop's time goes, and why the rate falls short.

In the brain's child, :class:`BudgetMeter` adds up, for every loop, how old the frame was
when ``HAL.getImage()`` returned it and how long ``HAL.getImage``, ``HAL.preprocess``,
``HAL.predict``, the ``GUI`` calls and the rest of the loop body took. Once a second, with
the measured frequency, :meth:`BudgetMeter.take` turns the sums into the mean per loop
(:class:`LoopTimes`), which travels with ``FrequencyMeasured``; :func:`explain` words it
for the page and the terminal when the measured rate is below the target. A few
``perf_counter`` calls a loop: far under 1% of any loop.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields
from typing import Dict, Optional

#: The parts a loop's time is split into, as the page shows them.
PARTS = ("get_image", "preprocess", "predict", "gui")
#: Below this share of the target, the rate "falls short" and gets an explanation.
SHORT_OF_TARGET = 0.95
#: The parts of a loop body (LoopTimes fields) as a sentence says them.
_SPOKEN = {
    "get_image_ms": "HAL.getImage (waiting for a frame)",
    "preprocess_ms": "HAL.preprocess",
    "predict_ms": "HAL.predict",
    "gui_ms": "the GUI calls",
    "other_ms": "the rest of your loop",
}


@dataclass(frozen=True)
class LoopTimes:
    """Where the loops of one second went: each figure the mean per loop, in milliseconds."""

    #: Time from one loop's start to the next (1000 / the measured frequency).
    period_ms: float
    #: How old the camera frame was when HAL.getImage() returned it.
    frame_age_ms: float
    get_image_ms: float
    preprocess_ms: float
    predict_ms: float
    gui_ms: float
    #: The rest of the loop body: the student's own code.
    other_ms: float
    #: Waiting for the next loop's time (the period not spent in the body).
    idle_ms: float

    @property
    def loop_ms(self) -> float:
        """The loop body: every part but the wait."""
        return self.get_image_ms + self.preprocess_ms + self.predict_ms + self.gui_ms + self.other_ms

    def to_dict(self) -> Dict[str, float]:
        return {name: round(value, 3) for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: Dict[str, float]) -> LoopTimes:
        """Raises KeyError or ValueError for a dict that is not one of ours."""
        return cls(**{field.name: float(values[field.name]) for field in fields(cls)})


def explain(budget: Dict[str, float], measured_hz: float, target_hz: float) -> str:
    """One sentence on why the rate is below the target, or "" when it is not.

    ``budget`` is a FrequencyMeasured's (LoopTimes as a dict; {} when no loop ran).
    """
    if not budget or target_hz <= 0 or measured_hz >= SHORT_OF_TARGET * target_hz:
        return ""
    times = LoopTimes.from_dict(budget)
    allowed_ms = 1000.0 / target_hz
    parts = {name: getattr(times, name) for name in _SPOKEN}
    largest = max(parts, key=lambda name: parts[name])
    if times.loop_ms > allowed_ms:
        return (
            f"each loop takes {times.loop_ms:.0f} ms, over the {allowed_ms:.0f} ms a loop may take at "
            f"{target_hz:g} Hz; {_SPOKEN[largest]} takes {parts[largest]:.0f} ms of it"
        )
    return (
        f"each loop takes {times.loop_ms:.0f} ms of the {allowed_ms:.0f} ms it may take at {target_hz:g} Hz, "
        f"but loops start {times.period_ms:.0f} ms apart: the machine is busy, or the code sleeps"
    )


class BudgetMeter:
    """Sums the parts of every loop in the brain's child; one per running program."""

    def __init__(self) -> None:
        self._sums: Dict[str, float] = {}
        self._loops = 0
        self.restart()

    def restart(self) -> None:
        """Forget the current window (after a pause or a change of frequency)."""
        self._sums = {name: 0.0 for name in (*PARTS, "frame_age", "loop")}
        self._loops = 0

    def add(self, part: str, seconds: float) -> None:
        """Time spent in one of PARTS (or "frame_age": how old a frame was)."""
        self._sums[part] += seconds

    def loop_done(self, seconds: float) -> None:
        """One loop body ran for ``seconds``."""
        self._sums["loop"] += seconds
        self._loops += 1

    def take(self, measured_hz: float) -> Optional[LoopTimes]:
        """The mean per loop since the last take, and start again; None if no loop ran."""
        loops, sums = self._loops, self._sums
        self.restart()
        if loops == 0 or measured_hz <= 0:
            return None
        mean = {name: 1000.0 * total / loops for name, total in sums.items()}
        period_ms = 1000.0 / measured_hz
        parts_ms = sum(mean[name] for name in PARTS)
        return LoopTimes(
            period_ms=period_ms,
            frame_age_ms=mean["frame_age"],
            get_image_ms=mean["get_image"],
            preprocess_ms=mean["preprocess"],
            predict_ms=mean["predict"],
            gui_ms=mean["gui"],
            other_ms=max(0.0, mean["loop"] - parts_ms),
            idle_ms=max(0.0, period_ms - mean["loop"]),
        )


def timed(meter: Optional[BudgetMeter], part: str, started: float) -> None:
    """Add the time since ``started`` (a perf_counter reading) to ``part``, if metering."""
    if meter is not None:
        meter.add(part, time.perf_counter() - started)
