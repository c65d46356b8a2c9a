"""When the next tick of the brain's loop is due, and how fast the loop really ran.

Pure pieces, no clock of their own: the caller passes ``now`` (``time.monotonic()``), so the
tests drive them with made-up times.

:class:`Pacer` schedules on absolute deadlines (tick ``k`` is due at ``anchor + k * period``)
so sleep overshoot never accumulates into drift. A tick that starts a little late (less
than :data:`CATCH_UP_WINDOW`, or one period at low rates) keeps the schedule, so at 500 Hz
a few milliseconds of scheduler delay on a loaded machine are made up by the next ticks
instead of being lost. When a body overruns by more, the next tick runs at once and the
schedule is re-anchored there: a slow tick costs one late tick, never a long burst of
catch-up ticks.

:class:`FrequencyMeter` counts ticks and, about once a second, gives the rate measured over
the intervals between tick starts.
"""

from __future__ import annotations

from typing import Optional

from exercise.limits import check_frequency

#: How late a tick may start and still keep the schedule (see the module docstring).
CATCH_UP_WINDOW = 0.02


class Pacer:
    """Deadlines for a loop that should start a tick every ``1 / hz`` seconds."""

    def __init__(self, hz: float, now: float) -> None:
        self._period = 1.0 / check_frequency(hz)
        self._anchor = now
        self._index = 0

    @property
    def period(self) -> float:
        return self._period

    def set_frequency(self, hz: float, now: float) -> None:
        """New rate from ``now`` on; the next tick is due one new period after the last one."""
        self._period = 1.0 / check_frequency(hz)
        self.reanchor(now)

    def reanchor(self, now: float) -> None:
        """Restart the schedule: the next tick is due at ``now`` (after pause or overrun)."""
        self._anchor = now
        self._index = 0

    def next_deadline(self) -> float:
        """When the next tick should start (may be in the past: then start it now)."""
        return self._anchor + self._index * self._period

    def tick_started(self, now: float) -> None:
        """Record that a tick starts at ``now``; re-anchor if it starts too late to catch up."""
        if now - self.next_deadline() >= max(self._period, CATCH_UP_WINDOW):
            self.reanchor(now)
        self._index += 1


class FrequencyMeter:
    """Ticks per second, measured between tick starts and reported about once a second."""

    def __init__(self, window: float = 1.0) -> None:
        self._window = window
        self._start: Optional[float] = None
        self._intervals = 0

    def restart(self) -> None:
        """Forget the current window (after a pause, so paused time does not count)."""
        self._start = None
        self._intervals = 0

    def tick(self, now: float) -> Optional[float]:
        """Record a tick start; return the measured Hz when a window just closed, else None."""
        if self._start is None:
            self._start = now
            return None
        self._intervals += 1
        elapsed = now - self._start
        if elapsed < self._window:
            return None
        measured = self._intervals / elapsed
        self._start = now
        self._intervals = 0
        return measured
