"""The brain's child process: runs the student's code with HAL and GUI, paced by the runner.

Started by :class:`exercise.brain.runner.ChildProcess` as::

    python -m exercise.brain.child CONTROL_FD EVENTS_FD FRAMES_FD

then sent one JSON line of configuration on CONTROL_FD (code, frequency, GUI rate, model,
memory limit, frame slot capacity). After that, CONTROL_FD carries commands (pause,
resume, frequency, gui_rate, model, frame) and EVENTS_FD carries messages back
(:mod:`exercise.brain.wire`). stdin is /dev/null; the raw stdout/stderr descriptors go to the
runner (C libraries, and faulthandler's report if the process crashes), while Python's
``sys.stdout``/``sys.stderr`` are replaced by line writers that go through the rate-limited
outbox.

Threads here: the main thread runs the student's code; the control thread blocks reading
commands (EOF means the runner is gone, and the child exits); the outbox thread sends
console lines and GUI results at their limited rates. None of them polls.
"""

from __future__ import annotations

import builtins
import contextlib
import faulthandler
import io
import json
import linecache
import os
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO, Dict, List, Optional, Tuple

from exercise.brain.family import adopt_orphans, kill_descendants
from exercise.brain.privileges import drop_privileges

#: Exit statuses the runner understands (anything else is the student's own os._exit).
EXIT_FINISHED = 0
EXIT_FAILED = 1


class Channel:
    """Messages to the runner over EVENTS_FD; safe to call from any thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()

    def send(self, message: Dict[str, Any], array: Any = None) -> None:
        from exercise.brain.wire import encode, write_all

        data = encode(message, array)
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
        from exercise.brain.output import OutputLimiter

        self._channel = channel
        self._condition = threading.Condition()
        self._limiter = OutputLimiter(time.monotonic())
        self._gui_fps = gui_fps
        self._gui_pending: Dict[str, Tuple[Dict[str, Any], Any]] = {}
        self._gui_rates: Dict[str, GuiRate] = {}
        self._closed = False
        #: Line writers whose unfinished last line close() sends first.
        self.writers: List[LineWriter] = []
        self._thread = threading.Thread(target=self._run, name="brain outbox", daemon=True)
        self._thread.start()

    def console(self, stream: Any, text: str) -> None:
        with self._condition:
            if self._limiter.add(stream, text, time.monotonic()):
                self._condition.notify()

    def gui(self, kind: str, message: Dict[str, Any], array: Any) -> None:
        with self._condition:
            now = time.monotonic()
            small = array is None or getattr(array, "nbytes", 0) <= INLINE_MAX_BYTES
            send_now = small and kind not in self._gui_pending and self._gui_due(kind, now)
            if send_now:
                self._gui_taken(kind, now)
            else:
                fresh = kind not in self._gui_pending
                self._gui_pending[kind] = (message, array)
                if fresh:
                    self._condition.notify()
        if send_now:  # outside the lock: the outbox thread may be writing too
            self._channel.send(dict(message, t=kind), array)

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
            gui = list(self._gui_pending.items())
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

    def _gui_rate(self, kind: str) -> GuiRate:
        rate = self._gui_rates.get(kind)
        if rate is None:
            rate = self._gui_rates[kind] = GuiRate(self._gui_fps)
        return rate

    def _gui_due(self, kind: str, now: float) -> bool:
        """Whether a result of ``kind`` may go now. Call with the condition held."""
        return self._gui_rate(kind).due(now) <= now

    def _gui_taken(self, kind: str, now: float) -> None:
        self._gui_rate(kind).take(now)

    def _due_gui(self, now: float) -> List[Tuple[str, Tuple[Dict[str, Any], Any]]]:
        due = []
        for kind in list(self._gui_pending):
            if self._gui_due(kind, now):
                due.append((kind, self._gui_pending.pop(kind)))
                self._gui_taken(kind, now)
        return due

    def _next_due(self, now: float) -> Optional[float]:
        dues = [self._gui_rate(kind).due(now) for kind in self._gui_pending]
        console_due = self._limiter.next_due(now)
        if console_due is not None:
            dues.append(console_due)
        return min(dues) if dues else None

    def _send(self, lines: List[Tuple[Any, str]], gui: List[Tuple[str, Tuple[Dict[str, Any], Any]]]) -> None:
        if lines:
            self._channel.send({"t": "console", "lines": [[stream.value, text] for stream, text in lines]})
        for kind, (message, array) in gui:
            self._channel.send(dict(message, t=kind), array)


class LineWriter(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` replacement: whole lines to the outbox."""

    def __init__(self, outbox: Outbox, stream: Any) -> None:
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
            pieces = (self._partial + text).split("\n")
            self._partial = pieces.pop()
            if len(self._partial) > 4096:  # a huge line without newline: send it anyway
                pieces.append(self._partial)
                self._partial = ""
        for piece in pieces:
            self._outbox.console(self._stream, piece.rstrip("\r"))
        return len(text)

    def flush_partial(self) -> None:
        with self._lock:
            partial, self._partial = self._partial, ""
        if partial:
            self._outbox.console(self._stream, partial)


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


def control_loop(stream: BinaryIO, controls: Controls, outbox: Outbox, models: Any, note: Any) -> None:
    """Apply the runner's commands until it closes the pipe, then end the process."""
    for raw in stream:
        try:
            command = json.loads(raw)
            name = command["cmd"]
        except (ValueError, KeyError, TypeError):
            continue
        if name == "pause":
            controls.pause_number = int(command.get("n", 0))
            controls.running.clear()
            controls.wake.set()
        elif name == "resume":
            controls.running.set()
            controls.wake.set()
        elif name == "frequency":
            controls.set_frequency(float(command["hz"]))
        elif name == "gui_rate":
            outbox.set_gui_rate(float(command["fps"]))
        elif name == "frame":
            controls.first_frame.set()
        elif name == "model":
            note(models.swap(command["path"], command.get("name")))
    # EOF: the runner closed our control pipe or died. Nothing can show our output now, and
    # nothing must outlive us: what the code started goes first.
    kill_descendants()
    os._exit(EXIT_FINISHED)


def run_program(program: Any, namespace: Dict[str, Any], controls: Controls, channel: Channel) -> str:
    """Run setup, then the loop body at the controlled frequency, then what follows the loop.

    Returns why it ended normally; the student's exceptions propagate.
    """
    from exercise.brain.codecheck import TICK_NAME, TickIterator
    from exercise.brain.pacing import FrequencyMeter, Pacer

    exec(program.setup, namespace)
    if program.body is None:
        return "the code ran to its end (it has no top-level `while True:` loop)"
    tick = TickIterator()
    namespace[TICK_NAME] = tick
    clock = time.monotonic
    pacer = Pacer(controls.hz, clock())
    meter = FrequencyMeter()
    while True:
        if not controls.running.is_set():
            channel.send({"t": "paused", "n": controls.pause_number})
            controls.running.wait()
            pacer.reanchor(clock())
            meter.restart()
        hz = controls.take_frequency_change()
        if hz is not None:
            pacer.set_frequency(hz, clock())
            meter.restart()
        deadline = pacer.next_deadline()
        now = clock()
        if now < deadline:
            if controls.wake.wait(deadline - now):
                controls.wake.clear()  # before re-reading what changed, so nothing is missed
            continue
        pacer.tick_started(now)
        measured = meter.tick(now)
        if measured is not None:
            channel.send({"t": "freq", "hz": measured, "target": 1.0 / pacer.period})
        tick.reset()
        exec(program.body, namespace)
        if tick.broke:
            break
    if program.after is not None:
        exec(program.after, namespace)
    return "the loop ended with `break` and the code ran to its end"


def describe_failure(exc: BaseException, filename: str, memory_limit_mb: int) -> Dict[str, Any]:
    """The ``failed`` message: one-line message, student's line, traceback of their frames only."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename]
    line = frames[-1].lineno if frames else None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    message = summary[-1] if summary else type(exc).__name__
    if isinstance(exc, MemoryError):
        message = f"memory limit of {memory_limit_mb} MB hit ({type(exc).__name__})"
    text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    text += "".join(traceback.format_exception_only(type(exc), exc))
    return {"t": "failed", "message": message, "line": line, "traceback": text}


def set_memory_limit(megabytes: int) -> None:
    """Cap the address space at what the process maps now plus ``megabytes`` (Linux)."""
    import resource

    try:
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        current = int(fields["VmSize"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return
    limit = current + megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: List[str]) -> None:
    faulthandler.enable()  # to fd 2, which the runner reads: a crash still leaves a traceback
    control_fd, events_fd, frames_fd = (int(value) for value in argv[:3])
    control = os.fdopen(control_fd, "rb")
    config = json.loads(control.readline())

    from exercise.brain.events import ConsoleStream

    channel = Channel(events_fd)
    outbox = Outbox(channel, float(config["gui_fps"]))
    stdout, stderr = LineWriter(outbox, ConsoleStream.STDOUT), LineWriter(outbox, ConsoleStream.STDERR)
    sys.stdout, sys.stderr = stdout, stderr
    outbox.writers.extend([stdout, stderr])

    def note(text: str) -> None:
        outbox.console(ConsoleStream.SYSTEM, text)

    status = EXIT_FAILED
    try:
        status = _run(config, control, channel, outbox, note)
    except BaseException:  # noqa: B036 - our own failure before the student's code ran
        traceback.print_exc()
    finally:
        outbox.close()
        os._exit(status)


def _run(config: Dict[str, Any], control: BinaryIO, channel: Channel, outbox: Outbox, note: Any) -> int:
    from exercise.brain.codecheck import split_program
    from exercise.brain.frames import FrameSlot
    from exercise.brain.gui import GUI_FUNCTIONS, Gui
    from exercise.brain.hal import HAL_FUNCTIONS, Hal, ModelHolder, as_module

    filename = config["filename"]
    code = config["code"]
    memory_limit_mb = int(config["memory_limit_mb"])
    try:  # the heavy imports, before the memory cap so that they never count against it
        import cv2

        import exercise.model  # noqa: F401
        import exercise.preprocess  # noqa: F401

        cv2.setNumThreads(1)
    except Exception as exc:  # a broken install: say so rather than die silently
        note(f"could not import the model or preprocessing code: {exc!r}")

    controls = Controls(float(config["hz"]))
    models = ModelHolder(config.get("model"), config.get("model_name"))
    models.load_initial()
    slot = FrameSlot.attach(int(config["frames_fd"]), int(config["capacity"]))
    hal = Hal(slot, controls.first_frame, models, note)
    gui = Gui(outbox.gui, lambda: hal.last_frame)
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
        if config.get("as_nobody"):
            drop_privileges()  # the server is root: the code runs as nobody
    except OSError as exc:
        note(f"the brain could not switch to an unprivileged user ({exc}); the code was not run")
        return EXIT_FAILED
    set_memory_limit(memory_limit_mb)
    adopt_orphans()  # what the code starts stays in our family, for Stop to find
    channel.send({"t": "started"})
    try:
        reason = run_program(program, namespace, controls, channel)
    except SystemExit as exc:
        if exc.code in (None, 0):
            channel_reason = f"the code called sys.exit({'' if exc.code is None else 0})"
            _finish(channel, outbox, channel_reason)
            return EXIT_FINISHED
        failure = describe_failure(exc, filename, memory_limit_mb)
        failure["message"] = f"the code called sys.exit({exc.code!r})"
        return _fail(failure, outbox, channel)
    except BaseException as exc:  # noqa: B036 - everything the student's code raises is reported
        if isinstance(exc, MemoryError):
            namespace.clear()  # free what the code holds, so that the report itself fits
        return _fail(describe_failure(exc, filename, memory_limit_mb), outbox, channel)
    _finish(channel, outbox, reason)
    return EXIT_FINISHED


def _finish(channel: Channel, outbox: Outbox, reason: str) -> None:
    outbox.close()  # the console lines before the final message
    channel.send({"t": "finished", "reason": reason})


def _fail(failure: Dict[str, Any], outbox: Outbox, channel: Channel) -> int:
    from exercise.brain.events import ConsoleStream

    for line in failure["traceback"].rstrip("\n").splitlines():
        outbox.console(ConsoleStream.STDERR, line)
    outbox.close()
    channel.send(failure)
    return EXIT_FAILED


if __name__ == "__main__":
    main(sys.argv[1:])
