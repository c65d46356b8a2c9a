"""A drift-free frame schedule for synthetic and played-back sources.

Frame ``k`` is due at ``start + k / fps``: the time spent producing a frame does not push
the following ones later (sleep-after-work would run at ``1 / (period + work)``). A source
that falls behind by more than a frame skips the missed slots instead of bursting.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Tuple


def next_slot(start: float, period: float, slot: int, now: float) -> Tuple[int, float]:
    """The slot to produce next and when it is due, after ``slot`` was produced.

    Normally ``slot + 1``. When the source is late by more than one slot, the result is
    the most recent slot whose time has come (due at or before ``now``): the missed ones
    are skipped, so a late source catches up with one frame, not a burst.
    """
    following = slot + 1
    behind = int((now - start) / period)  # slots whose time has already come
    if behind > following:
        following = behind
    return following, start + following * period


class FrameClock:
    """Waits until the next frame is due; :meth:`wait` returns False once ``stopping`` is set."""

    def __init__(
        self, fps: float, stopping: threading.Event, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, not {fps}")
        self.period = 1.0 / fps
        self._stopping = stopping
        self._clock = clock
        self._start = clock()
        self._slot = -1

    @property
    def slot(self) -> int:
        """The slot the last :meth:`wait` waited for (frame ``slot + 1``); -1 before."""
        return self._slot

    def wait(self) -> bool:
        """Sleep until the next slot (the first call returns at once). False: stop asked."""
        slot, due = next_slot(self._start, self.period, self._slot, self._clock())
        self._slot = slot
        delay = due - self._clock()
        if delay > 0:
            return not self._stopping.wait(delay)
        return not self._stopping.is_set()
