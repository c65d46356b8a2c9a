"""The parent side of the brain: start, pace, pause and stop the student's code in a child.

:class:`BrainRunner` is what the hub, the CLI and the ROS node use. It owns:

* per Play, a :class:`~exercise.brain.process.ChildProcess` (spawn, commands, signals,
  exit status), a :class:`~exercise.brain.feed.FrameFeed` (the camera's frames into the
  shared frame slot) and a reading of its pipes (:mod:`exercise.brain.reader`) whose
  reports this module turns into state and :mod:`exercise.brain.events`;
* the state machine: STOPPED, RUNNING, PAUSING, PAUSED;
* :class:`_Emitter`, which hands every event to ``on_event`` one call at a time, in order
  (for example a run's last console lines always come before its ``STOPPED``).

Commands and reports are the typed values of :mod:`exercise.brain.messages`.

Isolation: the child gets stdin from /dev/null, its own session and process group (so Stop
kills whatever it forked, too), its own PID namespace where the kernel allows
(:mod:`exercise.brain.namespace`), an address-space cap (``RLIMIT_AS``) and a rate limit on its
output. Whatever the student's code does (crash, ``sys.exit``, eat memory, fork, print
without end) ends in an event and a runner ready for the next Play.

The child adopts its orphaned descendants (:mod:`exercise.brain.family`), so Stop finds and
kills everything the code started, even ``setsid -f``; a process born after Stop's last scan
of /proc, from a descendant it has not yet reached, is the one way out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Optional

from exercise.brain import codecheck
from exercise.brain.events import (
    BrainEvent,
    BrainFailed,
    BrainState,
    ConsoleLine,
    ConsoleStream,
    FrequencyMeasured,
    StateChanged,
)
from exercise.brain.feed import FrameFeed
from exercise.brain.frames import DEFAULT_CAPACITY, FrameSlot
from exercise.brain.messages import (
    Ending,
    Finished,
    FrameReady,
    Pause,
    Paused,
    Report,
    Resume,
    SetFrequency,
    SetGuiRate,
    Start,
    Started,
    SwapModel,
)
from exercise.brain.privileges import dropping, readable_copy
from exercise.brain.process import ChildProcess, describe_exit
from exercise.brain.reader import Reading, start_reading
from exercise.cameras.base import CameraSource
from exercise.exceptions import BrainError
from exercise.limits import check_frequency, check_gui_rate

log = logging.getLogger(__name__)

#: The template a student starts from; Reset puts it back.
DEFAULT_BRAIN_PATH = Path(__file__).resolve().parent.parent / "assets" / "default_brain.py"


def default_code() -> str:
    """The default brain template's source (exercise/assets/default_brain.py)."""
    return DEFAULT_BRAIN_PATH.read_text(encoding="utf-8")


class _Emitter:
    """Calls ``on_event`` for each event, one call at a time, in the order emitted.

    Called from the thread that has the events (a run's reading, or the thread of a command
    such as Stop): no thread of its own to wake for each event. The lock keeps the
    order across those threads, for example a run's last console lines before its STOPPED.
    """

    def __init__(self, callback: Callable[[BrainEvent], None]) -> None:
        self._callback = callback
        self._lock = threading.Lock()

    def emit(self, events: List[BrainEvent]) -> None:
        with self._lock:
            for event in events:
                try:
                    self._callback(event)
                except Exception:  # a listener's bug must not end the run's reader
                    log.exception("a brain event listener failed on %r", type(event).__name__)


@dataclass
class _Run:
    """One Play: its child, its frame feed, the reading of its pipes."""

    child: ChildProcess
    feed: FrameFeed
    started: float
    reader: Optional[Reading] = None
    #: The child's last word on how it ended, if it said one.
    ending: Optional[Ending] = None


class BrainRunner:
    """Runs a student's brain code in a child process. Thread-safe; see the module docstring.

    ``on_event`` receives every :data:`~exercise.brain.events.BrainEvent`, one call at a
    time and in order, from a thread of the runner (a run's reader, or the thread that
    called a command), or from the loop given to :meth:`read_on`. It must return quickly and
    must not call the runner's commands nor wait for what a command holds.

    ``memory_limit_mb`` is what the student's code may allocate: the child's address space
    is capped at what it maps after loading Python, numpy, OpenCV, onnxruntime and the
    model, plus this much. Going over it raises MemoryError in the code, reported as
    "memory limit of N MB hit".
    """

    def __init__(
        self,
        camera: CameraSource,
        model_path: Optional[Path],
        on_event: Callable[[BrainEvent], None],
        *,
        frequency_hz: float = 30.0,
        gui_fps: float = 30.0,
        memory_limit_mb: int = 1024,
        model_name: Optional[str] = None,
    ) -> None:
        self._camera = camera
        self._model_path = model_path
        #: What the student calls the model (an upload's file name), for HAL and the console.
        self._model_name = model_name
        self._target_hz = check_frequency(frequency_hz)
        self._gui_fps = check_gui_rate(gui_fps)
        if memory_limit_mb < 16:
            raise ValueError(f"memory limit must be at least 16 MB, got {memory_limit_mb}")
        self._memory_limit_mb = int(memory_limit_mb)
        self._events = _Emitter(on_event)
        # Commands (play, stop, ...) run one at a time; the state lock is only ever held
        # briefly, by commands and by the run's reading, never while waiting for anything.
        self._command_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._state = BrainState.STOPPED
        self._measured_hz = 0.0
        self._budget: Dict[str, float] = {}
        #: Pauses asked for so far; the child names the one it stopped for.
        self._pauses = 0
        self._run: Optional[_Run] = None
        self._slot: Optional[FrameSlot] = None
        # The last run's feed: a run that ended by itself detaches its feed from its reading's
        # thread, which may not have got there yet when the next Play starts; stopping it
        # again first keeps the slot at one writer.
        self._last_feed: Optional[FrameFeed] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._closed = False

    # -- what listeners may read ----------------------------------------------------------

    @property
    def state(self) -> BrainState:
        return self._state

    @property
    def target_hz(self) -> float:
        return self._target_hz

    @property
    def budget(self) -> Dict[str, float]:
        """Where the last second's loops went (LoopTimes as a dict); {} unless running."""
        return dict(self._budget) if self._state is BrainState.RUNNING else {}

    @property
    def measured_hz(self) -> float:
        """The loop's measured frequency over the last second; 0 unless running."""
        return self._measured_hz

    @property
    def pid(self) -> Optional[int]:
        """The running child's process id (for benchmarks and diagnostics), or None."""
        run = self._run
        return None if run is None else run.child.pid

    # -- commands -------------------------------------------------------------------------

    def check(self, code: str) -> None:
        """Raise BrainSyntaxError (with the student's line) or BrainError if ``code`` cannot run."""
        codecheck.check(code)

    def read_on(self, loop: Optional[asyncio.AbstractEventLoop]) -> None:
        """From the next Play on, read the child's pipes on ``loop`` (a server's), not in a thread."""
        self._loop = loop

    def play(self, code: str) -> None:
        """Check ``code`` and run it; a running or paused brain is stopped first.

        Raises:
            BrainSyntaxError: nothing was started (and nothing running was stopped).
            BrainError: the code is too large, or the child process could not start.
        """
        codecheck.check(code)
        with self._command_lock:
            self._ensure_open()
            self._stop_locked("restarted with new code")
            if self._last_feed is not None:
                self._last_feed.stop()
            if self._slot is None:
                self._slot = FrameSlot.create(DEFAULT_CAPACITY)
            self._slot.clear()
            start = Start(
                code=code,
                filename=codecheck.BRAIN_FILENAME,
                hz=self._target_hz,
                gui_fps=self._gui_fps,
                model=None if self._model_path is None else str(readable_copy(self._model_path)),
                model_name=self._model_name,
                memory_limit_mb=self._memory_limit_mb,
                frames_fd=self._slot.fd,
                capacity=self._slot.capacity,
                as_nobody=dropping(),
            )
            child = ChildProcess(start)
            feed = FrameFeed(self._slot, self._camera, lambda: child.send(FrameReady()))
            run = _Run(child, feed, time.monotonic())
            self._last_feed = feed
            with self._state_lock:
                self._run = run
                self._state = BrainState.RUNNING
                self._measured_hz = 0.0
            self._emit(StateChanged(BrainState.RUNNING))
            self._emit(ConsoleLine(ConsoleStream.SYSTEM, f"started at {self._target_hz:g} Hz"))
            run.reader = start_reading(
                child, partial(self._deliver, run), partial(self._finish, run), self._loop
            )
            feed.start()

    def stop(self) -> None:
        """Stop the brain; returns once the child and whatever it forked are gone."""
        with self._command_lock:
            self._stop_locked("")

    def pause(self) -> None:
        """Pause between ticks: PAUSING until the tick in progress returns, then PAUSED."""
        with self._command_lock:
            run = self._run
            if run is None or self._state is not BrainState.RUNNING:
                return
            self._pauses += 1
            run.child.send(Pause(self._pauses))
            run.feed.pause()
            with self._state_lock:
                self._state = BrainState.PAUSING
                self._measured_hz = 0.0
            self._emit(StateChanged(BrainState.PAUSING))

    def resume(self) -> None:
        """Resume a paused brain; its schedule restarts now. No-op unless paused."""
        with self._command_lock:
            run = self._run
            if run is None or self._state not in (BrainState.PAUSING, BrainState.PAUSED):
                return
            run.feed.resume()
            run.child.send(Resume())
            with self._state_lock:
                self._state = BrainState.RUNNING
            self._emit(StateChanged(BrainState.RUNNING))

    def set_frequency(self, hz: float) -> None:
        """New target frequency (1 to 1000 Hz, else ValueError); applies at once while running."""
        value = check_frequency(hz)
        with self._command_lock:
            self._target_hz = value
            if self._run is not None:
                self._run.child.send(SetFrequency(value))

    def set_gui_rate(self, fps: float) -> None:
        """Cap on GUI results (images, inputs, digits) per second, each kind (1 to 60, else ValueError)."""
        value = check_gui_rate(fps)
        with self._command_lock:
            self._gui_fps = value
            if self._run is not None:
                self._run.child.send(SetGuiRate(value))

    def set_camera(self, camera: CameraSource) -> None:
        """Take frames from ``camera`` from now on (the caller starts and stops cameras)."""
        with self._command_lock:
            self._camera = camera
            if self._run is not None:
                self._run.feed.set_camera(camera)

    def set_model(self, model_path: Path, name: Optional[str] = None) -> None:
        """Use ``model_path`` (already checked by the caller), called ``name`` (default: its
        file name); the next HAL.predict uses it."""
        with self._command_lock:
            self._model_path, self._model_name = Path(model_path), name
            if self._run is not None:
                shared = readable_copy(Path(model_path))  # the child may run as another user
                self._run.child.send(SwapModel(str(shared), name))

    def close(self) -> None:
        """Stop and release the shared memory. Idempotent."""
        with self._command_lock:
            if self._closed:
                return
            self._stop_locked("")
            if self._last_feed is not None:
                self._last_feed.stop()
            self._closed = True
            if self._slot is not None:
                self._slot.close()
                self._slot = None

    # -- inside ---------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise BrainError("the brain runner was closed; create a new one")

    def _emit(self, event: BrainEvent) -> None:
        self._events.emit([event])

    def _stop_locked(self, reason: str) -> None:
        with self._state_lock:
            run = self._run
            if run is None:
                return
            self._run = None
            self._state = BrainState.STOPPED
            self._measured_hz = 0.0
        run.feed.stop()
        run.child.terminate()
        if run.reader is None:
            run.child.close_reading()
        else:
            # A reader stuck in a listener past the timeout still closes its own pipes later.
            run.reader.join(timeout=2.0)
        run.child.close()
        elapsed = time.monotonic() - run.started
        self._emit(ConsoleLine(ConsoleStream.SYSTEM, f"stopped after {elapsed:.1f} s"))
        self._emit(StateChanged(BrainState.STOPPED, reason))

    def _deliver(self, run: _Run, reports: List[Report]) -> None:
        """Apply what the child reported to the state, and emit the events it makes."""
        events: List[BrainEvent] = []
        for report in reports:
            if isinstance(report, (Finished, BrainFailed)):
                run.ending = report  # said once the pipes are drained, in _finish
            elif isinstance(report, FrequencyMeasured):
                with self._state_lock:
                    if self._run is not run or self._state is not BrainState.RUNNING:
                        continue
                    self._measured_hz = report.measured_hz
                    self._budget = report.budget
                events.append(report)
            elif isinstance(report, Paused):
                with self._state_lock:
                    # Only the child's answer to the latest pause: an older one may arrive late.
                    if (
                        self._run is not run
                        or self._state is not BrainState.PAUSING
                        or report.number != self._pauses
                    ):
                        continue
                    self._state = BrainState.PAUSED
                events.append(StateChanged(BrainState.PAUSED))
            elif not isinstance(report, Started):
                events.append(report)
        self._events.emit(events)

    def _finish(self, run: _Run) -> None:
        """After the child's pipes ended: if nobody stopped it, say why it ended."""
        with self._state_lock:
            mine = self._run is run
            if mine:
                self._run = None
                self._state = BrainState.STOPPED
                self._measured_hz = 0.0
        if not mine:
            return  # Stop (or Play) took it away and reports the stop itself
        run.feed.stop()
        returncode = run.child.terminate(grace=0.0)  # what it forked; and reap it
        run.child.close()
        elapsed = time.monotonic() - run.started
        ending = run.ending
        if isinstance(ending, Finished):
            self._emit(ConsoleLine(ConsoleStream.SYSTEM, f"{ending.reason} after {elapsed:.1f} s"))
            self._emit(StateChanged(BrainState.STOPPED, ending.reason))
            return
        failure = ending or BrainFailed(f"the brain process {describe_exit(returncode)}", None, "")
        self._emit(failure)
        self._emit(StateChanged(BrainState.STOPPED, failure.message))
