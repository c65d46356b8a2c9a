"""What the brain child sends to the runner, and when: console lines and GUI results.

:class:`Outbox` lets console lines through at a limited rate (:mod:`exercise.brain.output`)
and GUI results at the GUI rate, newest first (:class:`GuiRate`); :class:`Channel` writes
the reports (:mod:`exercise.brain.wire`) to the events pipe; :class:`LineWriter` stands in
for ``sys.stdout`` and ``sys.stderr``. The rate limits are applied here, in the child, once.
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
from typing import Dict, List, Optional, Sequence, Type

from exercise.brain.events import ConsoleLine, ConsoleStream, DigitShown
from exercise.brain.messages import GuiResult, Report
from exercise.brain.output import Line, OutputLimiter, split_lines
from exercise.brain.wire import encode_report, write_all


class Channel:
    """Messages to the runner over EVENTS_FD; safe to call from any thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()

    def send(self, *reports: Report) -> None:
        """Write ``reports`` in one go (a batch of console lines arrives together)."""
        data = b"".join(encode_report(report) for report in reports)
        # OSError: the runner is gone; the control thread's EOF ends us.
        with self._lock, contextlib.suppress(OSError):
            write_all(self._fd, data)


#: GUI results up to this size (a digit, a 28x28 input) are written by the thread that
#: made them; a larger one (a GUI.showImage frame) is left to the outbox thread, so the
#: student's loop never waits for the runner to read a megabyte off the pipe.
INLINE_MAX_BYTES = 16 * 1024


class GuiRate:
    """When GUI results of one kind may go: at most ``fps`` a second in the long run.

    A token bucket (``fps`` tokens a second, up to :data:`BURST`) plus a smallest gap of
    half an interval. The bucket is what lets a brain at the GUI rate have every result
    sent at once: its ticks end a few ms early or late (each tick's work differs), and a
    plain "one interval since the last one" rule would hold every early one back for the
    outbox thread. Pure: the caller passes ``now`` and serialises calls.
    """

    BURST = 2.0
    MIN_GAP = 0.5  # of an interval

    def __init__(self, fps: float) -> None:
        self.interval = 1.0 / fps
        self._tokens = self.BURST
        self._refilled: Optional[float] = None
        self._last = float("-inf")

    def due(self, now: float) -> float:
        """The earliest time (at or after ``now``) a result may go."""
        tokens = self._tokens_at(now)
        return max(self._last + self.MIN_GAP * self.interval, now + max(0.0, 1.0 - tokens) * self.interval)

    def take(self, now: float) -> None:
        """A result goes at ``now``."""
        self._tokens = self._tokens_at(now) - 1.0
        self._refilled = now
        self._last = now

    def _tokens_at(self, now: float) -> float:
        if self._refilled is None:
            return self._tokens
        return min(self.BURST, self._tokens + (now - self._refilled) / self.interval)


class Outbox:
    """Sends console lines (rate-limited) and GUI results (newest wins, at the GUI rate).

    A small GUI result whose slot has come is written at once by the thread that made it;
    only one that has to wait for its slot (or a large image) is left to the outbox
    thread, so a brain that runs no faster than the GUI rate never wakes that thread.
    """

    def __init__(self, channel: Channel, gui_fps: float) -> None:
        self._channel = channel
        self._condition = threading.Condition()
        self._limiter = OutputLimiter(time.monotonic())
        self._gui_fps = gui_fps
        #: Per kind of result, the newest one waiting for its slot.
        self._gui_pending: Dict[Type[GuiResult], GuiResult] = {}
        self._gui_rates: Dict[Type[GuiResult], GuiRate] = {}
        self._closed = False
        #: Line writers whose unfinished last line close() sends first.
        self.writers: List[LineWriter] = []
        self._thread = threading.Thread(target=self._run, name="brain outbox", daemon=True)
        self._thread.start()

    def console(self, stream: ConsoleStream, text: str) -> None:
        with self._condition:
            if self._limiter.add(stream, text, time.monotonic()):
                self._condition.notify()

    def gui(self, result: GuiResult) -> None:
        kind = type(result)
        with self._condition:
            now = time.monotonic()
            small = isinstance(result, DigitShown) or result.image.nbytes <= INLINE_MAX_BYTES
            send_now = small and kind not in self._gui_pending and self._gui_due(kind, now)
            if send_now:
                self._gui_taken(kind, now)
            else:
                fresh = kind not in self._gui_pending
                self._gui_pending[kind] = result
                if fresh:
                    self._condition.notify()
        if send_now:  # outside the lock: the outbox thread may be writing too
            self._channel.send(result)

    def set_gui_rate(self, fps: float) -> None:
        with self._condition:
            self._gui_fps = fps
            self._gui_rates.clear()
            self._condition.notify()

    def close(self) -> None:
        """Stop the thread and send everything still queued, limits or not. Idempotent."""
        for writer in self.writers:
            writer.flush_partial()
        with self._condition:
            self._closed = True
            self._condition.notify()
        self._thread.join(timeout=2.0)
        with self._condition:
            lines = self._limiter.take_all()
            gui = list(self._gui_pending.values())
            self._gui_pending.clear()
        self._send(lines, gui)

    def _run(self) -> None:
        with self._condition:
            while not self._closed:
                now = time.monotonic()
                lines = self._limiter.take(now)
                gui = self._due_gui(now)
                if lines or gui:
                    self._condition.release()
                    try:
                        self._send(lines, gui)
                    finally:
                        self._condition.acquire()
                    continue
                due = self._next_due(now)
                self._condition.wait(None if due is None else max(0.0, due - now))

    def _gui_rate(self, kind: Type[GuiResult]) -> GuiRate:
        rate = self._gui_rates.get(kind)
        if rate is None:
            rate = self._gui_rates[kind] = GuiRate(self._gui_fps)
        return rate

    def _gui_due(self, kind: Type[GuiResult], now: float) -> bool:
        """Whether a result of ``kind`` may go now. Call with the condition held."""
        return self._gui_rate(kind).due(now) <= now

    def _gui_taken(self, kind: Type[GuiResult], now: float) -> None:
        self._gui_rate(kind).take(now)

    def _due_gui(self, now: float) -> List[GuiResult]:
        due = []
        for kind in list(self._gui_pending):
            if self._gui_due(kind, now):
                due.append(self._gui_pending.pop(kind))
                self._gui_taken(kind, now)
        return due

    def _next_due(self, now: float) -> Optional[float]:
        dues = [self._gui_rate(kind).due(now) for kind in self._gui_pending]
        console_due = self._limiter.next_due(now)
        if console_due is not None:
            dues.append(console_due)
        return min(dues) if dues else None

    def _send(self, lines: Sequence[Line], gui: Sequence[GuiResult]) -> None:
        if lines:
            self._channel.send(*(ConsoleLine(stream, text) for stream, text in lines))
        for result in gui:
            self._channel.send(result)


class LineWriter(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` replacement: whole lines to the outbox."""

    def __init__(self, outbox: Outbox, stream: ConsoleStream) -> None:
        super().__init__()
        self._outbox = outbox
        self._stream = stream
        self._partial = ""
        self._lock = threading.Lock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            lines, self._partial = split_lines(self._partial, text)
        for line in lines:
            self._outbox.console(self._stream, line)
        return len(text)

    def flush_partial(self) -> None:
        with self._lock:
            partial, self._partial = self._partial, ""
        if partial:
            self._outbox.console(self._stream, partial)
