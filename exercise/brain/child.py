"""The brain's child process: runs the student's code with HAL and GUI, paced by the runner.

Started by :class:`exercise.brain.process.ChildProcess` as::

    python -m exercise.brain.child CONTROL_FD EVENTS_FD FRAMES_FD

then sent :class:`~exercise.brain.messages.Start` (the code, frequency, GUI rate, model,
memory limit, frame slot) on CONTROL_FD. After that, CONTROL_FD carries the other commands
of :mod:`exercise.brain.messages` and EVENTS_FD carries reports back, both as
:mod:`exercise.brain.wire` encodes them. stdin is /dev/null; the raw stdout/stderr
descriptors go to the runner (C libraries, and faulthandler's report if the process
crashes), while Python's ``sys.stdout``/``sys.stderr`` are replaced by line writers that go
through the rate-limited outbox (:mod:`exercise.brain.outbox`).

Threads here: the main thread runs the student's code; the control thread blocks reading
commands (EOF means the runner is gone, and the child exits); the outbox thread sends
console lines and GUI results at their limited rates. None of them polls.
"""

from __future__ import annotations

import builtins
import faulthandler
import linecache
import os
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO, Callable, Dict, List, Optional

from exercise.brain.budget import BudgetMeter
from exercise.brain.codecheck import TICK_NAME, BrainProgram, TickIterator, split_program
from exercise.brain.events import BrainFailed, ConsoleStream, FrequencyMeasured
from exercise.brain.family import adopt_orphans, kill_descendants
from exercise.brain.frames import FrameSlot
from exercise.brain.gui import GUI_FUNCTIONS, Gui
from exercise.brain.hal import HAL_FUNCTIONS, Hal, ModelHolder, as_module
from exercise.brain.messages import (
    Finished,
    FrameReady,
    Pause,
    Paused,
    Resume,
    SetFrequency,
    SetGuiRate,
    Start,
    Started,
    SwapModel,
)
from exercise.brain.outbox import Channel, LineWriter, Outbox
from exercise.brain.pacing import FrequencyMeter, Pacer
from exercise.brain.privileges import drop_privileges
from exercise.brain.wire import decode_command
from exercise.memory import set_memory_limit

#: ``note(text)``: a SYSTEM line in the student's console.
Note = Callable[[str], None]

#: Exit statuses the runner understands (anything else is the student's own os._exit).
EXIT_FINISHED = 0
EXIT_FAILED = 1


class Controls:
    """What the runner asks for while the code runs; read by the loop, written by the control thread."""

    def __init__(self, hz: float) -> None:
        self._lock = threading.Lock()
        self._hz = hz
        self._hz_changed = False
        #: Set while not paused; the loop waits on it between ticks.
        self.running = threading.Event()
        self.running.set()
        #: Number of the latest pause asked for, echoed once the loop has stopped for it.
        self.pause_number = 0
        #: Set on any command, so the loop's wait for the next deadline ends early.
        self.wake = threading.Event()
        #: Set once the runner wrote a first frame into the slot.
        self.first_frame = threading.Event()

    @property
    def hz(self) -> float:
        with self._lock:
            return self._hz

    def set_frequency(self, hz: float) -> None:
        with self._lock:
            self._hz = hz
            self._hz_changed = True
        self.wake.set()

    def take_frequency_change(self) -> Optional[float]:
        """The new frequency if it changed since the last call, else None."""
        with self._lock:
            if not self._hz_changed:
                return None
            self._hz_changed = False
            return self._hz


def control_loop(
    stream: BinaryIO, controls: Controls, outbox: Outbox, models: ModelHolder, note: Note
) -> None:
    """Apply the runner's commands until it closes the pipe, then end the process."""
    for line in stream:
        command = decode_command(line)
        if isinstance(command, Pause):
            controls.pause_number = command.number
            controls.running.clear()
            controls.wake.set()
        elif isinstance(command, Resume):
            controls.running.set()
            controls.wake.set()
        elif isinstance(command, SetFrequency):
            controls.set_frequency(command.hz)
        elif isinstance(command, SetGuiRate):
            outbox.set_gui_rate(command.fps)
        elif isinstance(command, FrameReady):
            controls.first_frame.set()
        elif isinstance(command, SwapModel):
            note(models.swap(command.path, command.name))
    # EOF: the runner closed our control pipe or died. Nothing can show our output now, and
    # nothing must outlive us: what the code started goes first.
    kill_descendants()
    os._exit(EXIT_FINISHED)


def run_program(
    program: BrainProgram,
    namespace: Dict[str, Any],
    controls: Controls,
    channel: Channel,
    budget: Optional[BudgetMeter] = None,
) -> str:
    """Run setup, then the loop body at the controlled frequency, then what follows the loop.

    Returns why it ended normally; the student's exceptions propagate.
    """
    exec(program.setup, namespace)
    if program.body is None:
        return "the code ran to its end (it has no top-level `while True:` loop)"
    tick = TickIterator()
    namespace[TICK_NAME] = tick
    clock = time.monotonic
    pacer = Pacer(controls.hz, clock())
    meter = FrequencyMeter()
    budget = budget or BudgetMeter()
    while True:
        if not controls.running.is_set():
            channel.send(Paused(controls.pause_number))
            controls.running.wait()
            pacer.reanchor(clock())
            meter.restart()
            budget.restart()
        hz = controls.take_frequency_change()
        if hz is not None:
            pacer.set_frequency(hz, clock())
            meter.restart()
            budget.restart()
        deadline = pacer.next_deadline()
        now = clock()
        if now < deadline:
            if controls.wake.wait(deadline - now):
                controls.wake.clear()  # before re-reading what changed, so nothing is missed
            continue
        pacer.tick_started(now)
        measured = meter.tick(now)
        if measured is not None:
            times = budget.take(measured)
            channel.send(FrequencyMeasured(measured, 1.0 / pacer.period, times.to_dict() if times else {}))
        tick.reset()
        started = time.perf_counter()
        exec(program.body, namespace)
        budget.loop_done(time.perf_counter() - started)
        if tick.broke:
            break
    if program.after is not None:
        exec(program.after, namespace)
    return "the loop ended with `break` and the code ran to its end"


def describe_failure(
    exc: BaseException, filename: str, memory_limit_mb: int, message: Optional[str] = None
) -> BrainFailed:
    """The failure report: one-line message (or ``message``), the student's line, and a
    traceback of their frames only."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename]
    line = frames[-1].lineno if frames else None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    if message is None:
        message = summary[-1] if summary else type(exc).__name__
    if isinstance(exc, MemoryError):
        message = f"memory limit of {memory_limit_mb} MB hit ({type(exc).__name__})"
    text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    text += "".join(traceback.format_exception_only(type(exc), exc))
    return BrainFailed(message, line, text)


def main(argv: List[str]) -> None:
    faulthandler.enable()  # to fd 2, which the runner reads: a crash still leaves a traceback
    control_fd, events_fd, frames_fd = (int(value) for value in argv[:3])
    control = os.fdopen(control_fd, "rb")
    start = decode_command(control.readline())
    if not isinstance(start, Start):
        os._exit(EXIT_FAILED)

    channel = Channel(events_fd)
    outbox = Outbox(channel, start.gui_fps)
    stdout, stderr = LineWriter(outbox, ConsoleStream.STDOUT), LineWriter(outbox, ConsoleStream.STDERR)
    sys.stdout, sys.stderr = stdout, stderr
    outbox.writers.extend([stdout, stderr])

    def note(text: str) -> None:
        outbox.console(ConsoleStream.SYSTEM, text)

    status = EXIT_FAILED
    try:
        status = _run(start, control, channel, outbox, note)
    except BaseException:  # noqa: B036 - our own failure before the student's code ran
        traceback.print_exc()
    finally:
        outbox.close()
        os._exit(status)


def _run(start: Start, control: BinaryIO, channel: Channel, outbox: Outbox, note: Note) -> int:
    filename, code, memory_limit_mb = start.filename, start.code, start.memory_limit_mb
    try:  # the heavy imports, before the memory cap so that they never count against it
        import cv2

        import exercise.model  # noqa: F401
        import exercise.preprocess  # noqa: F401

        cv2.setNumThreads(1)
    except Exception as exc:  # a broken install: say so rather than die silently
        note(f"could not import the model or preprocessing code: {exc!r}")

    controls = Controls(start.hz)
    models = ModelHolder(start.model, start.model_name)
    models.load_initial()
    slot = FrameSlot.attach(start.frames_fd, start.capacity)
    budget = BudgetMeter()
    hal = Hal(slot, controls.first_frame, models, note, budget)
    gui = Gui(outbox.gui, lambda: hal.last_frame, budget)
    threading.Thread(
        target=control_loop, args=(control, controls, outbox, models, note), name="brain control", daemon=True
    ).start()

    sys.modules["HAL"] = as_module("HAL", hal, HAL_FUNCTIONS, "The camera and the model.")
    sys.modules["GUI"] = as_module("GUI", gui, GUI_FUNCTIONS, "Show results in the browser.")
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    lines = code.splitlines(keepends=True)
    linecache.cache[filename] = (len(code), None, lines, filename)  # tracebacks show the source
    namespace: Dict[str, Any] = {"__name__": "__main__", "__file__": filename, "__builtins__": builtins}
    program = split_program(code, filename)

    try:
        if start.as_nobody:
            drop_privileges()  # the server is root: the code runs as nobody
    except OSError as exc:
        note(f"the brain could not switch to an unprivileged user ({exc}); the code was not run")
        return EXIT_FAILED
    set_memory_limit(memory_limit_mb)
    adopt_orphans()  # what the code starts stays in our family, for Stop to find
    channel.send(Started())
    try:
        reason = run_program(program, namespace, controls, channel, budget)
    except SystemExit as exc:
        if exc.code in (None, 0):
            _finish(channel, outbox, f"the code called sys.exit({'' if exc.code is None else 0})")
            return EXIT_FINISHED
        message = f"the code called sys.exit({exc.code!r})"
        return _fail(describe_failure(exc, filename, memory_limit_mb, message), outbox, channel)
    except BaseException as exc:  # noqa: B036 - everything the student's code raises is reported
        if isinstance(exc, MemoryError):
            namespace.clear()  # free what the code holds, so that the report itself fits
        return _fail(describe_failure(exc, filename, memory_limit_mb), outbox, channel)
    _finish(channel, outbox, reason)
    return EXIT_FINISHED


def _finish(channel: Channel, outbox: Outbox, reason: str) -> None:
    outbox.close()  # the console lines before the final message
    channel.send(Finished(reason))


def _fail(failure: BrainFailed, outbox: Outbox, channel: Channel) -> int:
    for line in failure.traceback.rstrip("\n").splitlines():
        outbox.console(ConsoleStream.STDERR, line)
    outbox.close()
    channel.send(failure)
    return EXIT_FAILED


if __name__ == "__main__":
    main(sys.argv[1:])
