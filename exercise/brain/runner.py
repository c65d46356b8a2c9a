"""The parent side of the brain: start, pace, pause and stop the student's code in a child.

:class:`BrainRunner` is what the hub, the CLI and the ROS node use. It owns:

* :class:`ChildProcess`, the one class that controls the child process: spawn (a fresh
  ``python -m exercise.brain.child`` through ``subprocess``, never a fork of the threaded
  server), commands, output pipes, terminate-then-kill of the child's whole process group,
  and the meaning of its exit status;
* :class:`FrameFeed`, a camera sink that writes each new frame into the shared frame slot
  (:mod:`exercise.brain.frames`) from the camera's own thread;
* one reader thread per run, which blocks on the child's pipes and turns what arrives into
  :mod:`exercise.brain.events`;
* :class:`_Emitter`, which hands every event to ``on_event`` one call at a time, in order
  (for example a run's last console lines always come before its ``STOPPED``).

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

import contextlib
import errno
import logging
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set

import numpy as np

from exercise.brain import codecheck
from exercise.brain.events import (
    BrainEvent,
    BrainFailed,
    BrainState,
    ConsoleLine,
    ConsoleStream,
    DigitShown,
    FrequencyMeasured,
    ImageShown,
    InputShown,
    StateChanged,
)
from exercise.brain.family import descendants
from exercise.brain.frames import DEFAULT_CAPACITY, FrameSlot
from exercise.brain.namespace import namespace_prefix
from exercise.brain.nsinit import SIGNAL_BASE
from exercise.brain.output import OutputLimiter
from exercise.brain.pacing import check_frequency
from exercise.brain.privileges import dropping, readable_copy
from exercise.brain.wire import MessageReader, WireError, encode_command, write_all
from exercise.cameras.base import CameraSource, Frame
from exercise.exceptions import BrainError

log = logging.getLogger(__name__)

#: The template a student starts from; Reset puts it back.
DEFAULT_BRAIN_PATH = Path(__file__).resolve().parent.parent / "assets" / "default_brain.py"

#: How long a child may take to die after SIGTERM before it gets SIGKILL.
TERM_GRACE = 0.2
#: GUI rates a listener may ask for (docs/protocol.md, ``set_gui_rate``).
MIN_GUI_FPS, MAX_GUI_FPS = 1.0, 60.0
#: Most bytes read from a dead child's pipes (a forked grandchild could keep writing).
_DRAIN_LIMIT = 4 << 20


def default_code() -> str:
    """The default brain template's source (exercise/assets/default_brain.py)."""
    return DEFAULT_BRAIN_PATH.read_text(encoding="utf-8")


def check_gui_rate(fps: float) -> float:
    """``fps`` as a float, or ValueError when outside 1..60."""
    value = float(fps)
    if not (MIN_GUI_FPS <= value <= MAX_GUI_FPS):
        raise ValueError(f"GUI rate must be between {MIN_GUI_FPS:g} and {MAX_GUI_FPS:g} fps, got {fps!r}")
    return value


def describe_exit(returncode: int) -> str:
    """The end of the sentence "the brain process ...", for an exit status from ``Popen``."""
    if returncode >= 0:
        return f"exited with status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    hints = {
        "SIGSEGV": " (it crashed: a segmentation fault, often in a C library)",
        "SIGABRT": " (it aborted: a C library gave up, sometimes for lack of memory)",
        "SIGKILL": " (killed from outside, for example by the system when memory ran out)",
        "SIGBUS": " (it crashed: a bus error)",
        "SIGFPE": " (it crashed: an arithmetic fault in a C library)",
    }
    return f"was killed by {name}{hints.get(name, '')}"


def _child_environment() -> Dict[str, str]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    # One thread per numeric library: the brain shares the machine with the server, and
    # every extra thread also reserves address space under the memory cap.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env["MALLOC_ARENA_MAX"] = "2"
    return env


class ChildProcess:
    """One brain child process, from spawn to reaping. Every signal and wait lives here.

    One reader thread reads ``events_fd`` and ``output_fd`` and watches ``wake_fd``, which
    becomes readable once the process has exited; it closes all three with
    :meth:`close_reading` when it is done. Nobody else may close them: the next child's pipes
    would reuse their numbers while the reader still reads them.
    """

    def __init__(self, config: Dict[str, Any], frames_fd: int) -> None:
        control_read, control_write = os.pipe()
        events_read, events_write = os.pipe()
        wake_read, wake_write = os.pipe()
        #: In its own PID namespace the child cannot see or signal the server, and SIGTERM
        #: would not reach it (nor ``unshare`` above it): it is ended by SIGKILL alone.
        self.namespaced = bool(namespace_prefix())
        try:
            fds = (control_read, events_write, frames_fd)
            self._process = subprocess.Popen(
                [*namespace_prefix(), sys.executable, "-m", "exercise.brain.child", *(str(fd) for fd in fds)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=fds,
                start_new_session=True,  # its own process group: Stop kills what it forks
                env=_child_environment(),
                close_fds=True,
            )
        except OSError as exc:
            for fd in (control_read, control_write, events_read, events_write, wake_read, wake_write):
                os.close(fd)
            raise BrainError(f"could not start the brain process: {exc}") from exc
        os.close(control_read)
        os.close(events_write)
        assert self._process.stdout is not None
        self.pid: int = self._process.pid
        self.events_fd = events_read
        self.output_fd = self._process.stdout.fileno()
        self.wake_fd = wake_read
        self._control = control_write
        self._wake_write = wake_write
        self._send_lock = threading.Lock()
        #: Set once the process has exited (it may not be reaped yet).
        self.exited = threading.Event()
        self._closed = False
        threading.Thread(target=self._wait_for_exit, name=f"brain {self.pid} waiter", daemon=True).start()
        self.send(config)

    def send(self, command: Dict[str, Any]) -> None:
        """Write one command to the child; silently nothing if it is already gone."""
        data = encode_command(command)
        with self._send_lock:
            if self._closed:
                return
            # BrokenPipeError: the child died; its reader reports why.
            with contextlib.suppress(OSError):
                write_all(self._control, data)

    def terminate(self, grace: float = TERM_GRACE) -> int:
        """End the child and everything it forked: SIGTERM, then SIGKILL after ``grace``.

        Returns the child's exit status (negative: killed by that signal). Blocks until the
        child is reaped; with a child that ignores SIGTERM that is ``grace`` plus a few ms.
        """
        family = descendants(self.pid)
        if not self.exited.is_set() and not self.namespaced:
            self._signal_all(signal.SIGTERM, family)
            self.exited.wait(grace)
            family |= descendants(self.pid)
        # Always: a grandchild may ignore SIGTERM, or outlive a child that exited by itself.
        self._signal_all(signal.SIGKILL, family)
        try:
            self._process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # stuck in the kernel (D state); give up waiting
            return -int(signal.SIGKILL)
        status = self.returncode
        assert status is not None
        return status

    def kill_now(self) -> None:
        """SIGKILL the whole group at once (the child broke the message format)."""
        self._signal_all(signal.SIGKILL, descendants(self.pid))

    @property
    def returncode(self) -> Optional[int]:
        """The child's exit status once reaped; negative: killed by that signal."""
        status = self._process.returncode
        if self.namespaced and status is not None and status > SIGNAL_BASE:
            return SIGNAL_BASE - status  # nsinit's way of saying "killed by a signal"
        return status

    def close(self) -> None:
        """Close the ends we write to. Call after :meth:`terminate`; idempotent."""
        with self._send_lock:
            if self._closed:
                return
            self._closed = True
            for fd in (self._control, self._wake_write):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def close_reading(self) -> None:
        """Close the ends the reader reads; only the reader calls this, once, when done."""
        for fd in (self.events_fd, self.wake_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._process.stdout is not None:
            self._process.stdout.close()

    def _signal_all(self, sig: int, family: Set[int]) -> None:
        # The child and every process still in its group:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)
        for pid in family:  # descendants that left the group with setsid
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    def _wait_for_exit(self) -> None:
        try:
            # WNOWAIT: learn of the exit without reaping, so the process group id stays
            # reserved until terminate() has killed what is left in it.
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:
            pass  # already reaped by terminate()
        except OSError as exc:  # pragma: no cover
            if exc.errno != errno.EINTR:
                raise
        self.exited.set()
        # Under the lock: once close() has run, this number may be the next child's pipe.
        with self._send_lock:
            if not self._closed:
                with contextlib.suppress(OSError):
                    os.write(self._wake_write, b"x")


class FrameFeed:
    """Writes the camera's new frames into the slot while the brain runs (a camera sink).

    No thread of its own: the camera's thread writes each frame as it publishes it. The
    slot has one writer at a time (the lock), and none once :meth:`stop` has returned, so
    the next run may clear and reuse the slot at once.
    """

    def __init__(self, slot: FrameSlot, camera: CameraSource, on_first_frame: Callable[[], None]) -> None:
        self._slot = slot
        self._camera = camera
        self._on_first_frame = on_first_frame
        self._lock = threading.Lock()
        #: Set while attached to the camera: running, not paused, not stopped.
        self._detach: Optional[Callable[[], None]] = None
        self._stopped = False
        self._told = False
        #: The camera and seq of the newest frame written, so a frame is never written over
        #: a newer one of the same camera.
        self._written = (camera, 0)

    def start(self) -> None:
        self._attach(writing=True)

    def set_camera(self, camera: CameraSource) -> None:
        with self._lock:
            attached = self._detach is not None
            self._camera = camera
        self._attach(attached)

    def pause(self) -> None:
        # Detached, not just ignoring frames: an on-demand camera then stops rendering.
        self._attach(writing=False)

    def resume(self) -> None:
        self._attach(writing=True)

    def stop(self) -> None:
        """Detach for good; once this returns, no frame is being written or will be."""
        self._attach(writing=False, stop=True)

    def _attach(self, writing: bool, stop: bool = False) -> None:
        with self._lock:
            self._stopped = self._stopped or stop
            if self._detach is not None:
                self._detach()
                self._detach = None
            if not writing or self._stopped:
                return
            camera = self._camera
            self._detach = camera.add_sink(lambda frame: self._write(camera, frame))
        # The frame the camera already has: a pushed source (a browser tab, a ROS topic)
        # may not send another for a while.
        latest = camera.latest()
        if latest is not None:
            self._write(camera, latest)

    def _write(self, camera: CameraSource, frame: Frame) -> None:
        with self._lock:
            # A camera that was just detached or replaced may have been handing over a frame.
            if self._detach is None or camera is not self._camera:
                return
            last_camera, last_seq = self._written
            if camera is last_camera and frame.seq <= last_seq:
                return
            self._slot.write(frame.image, frame.seq, frame.timestamp)
            self._written = (camera, frame.seq)
            first, self._told = not self._told, True
        if first:
            self._on_first_frame()


class _Emitter:
    """Calls ``on_event`` for each event, one call at a time, in the order emitted.

    Called from the thread that has the events (a run's reader thread, or the thread of a
    command such as Stop): no thread of its own to wake for each event. The lock keeps the
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
    """One Play: its child, its frame feed, its reader thread."""

    child: ChildProcess
    feed: FrameFeed
    started: float
    reader: Optional[threading.Thread] = None
    #: Set when the runner let go of this run (Stop, Play again, close).
    abandoned: threading.Event = field(default_factory=threading.Event)


class BrainRunner:
    """Runs a student's brain code in a child process. Thread-safe; see the module docstring.

    ``on_event`` receives every :data:`~exercise.brain.events.BrainEvent`, one call at a
    time and in order, from a thread of the runner (a run's reader, or the thread that
    called a command). It must return quickly and must not call the runner's commands: a
    listener in an event loop hops over with ``call_soon_threadsafe``.

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
        # briefly, by commands and by the reader thread, never while waiting for anything.
        self._command_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._state = BrainState.STOPPED
        self._measured_hz = 0.0
        #: Pauses asked for so far; the child names the one it stopped for.
        self._pauses = 0
        self._run: Optional[_Run] = None
        self._slot: Optional[FrameSlot] = None
        # The last run's feed: a run that ended by itself detaches its feed from its reader
        # thread, which may not have got there yet when the next Play starts; stopping it
        # again first keeps the slot at one writer.
        self._last_feed: Optional[FrameFeed] = None
        self._closed = False

    # -- what listeners may read ----------------------------------------------------------

    @property
    def state(self) -> BrainState:
        return self._state

    @property
    def target_hz(self) -> float:
        return self._target_hz

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
            config = {
                "code": code,
                "filename": codecheck.BRAIN_FILENAME,
                "hz": self._target_hz,
                "gui_fps": self._gui_fps,
                "model": None if self._model_path is None else str(readable_copy(self._model_path)),
                "model_name": self._model_name,
                "memory_limit_mb": self._memory_limit_mb,
                "frames_fd": self._slot.fd,
                "capacity": self._slot.capacity,
                "as_nobody": dropping(),
            }
            child = ChildProcess(config, self._slot.fd)
            feed = FrameFeed(self._slot, self._camera, lambda: child.send({"cmd": "frame"}))
            run = _Run(child, feed, time.monotonic())
            self._last_feed = feed
            with self._state_lock:
                self._run = run
                self._state = BrainState.RUNNING
                self._measured_hz = 0.0
            self._emit(StateChanged(BrainState.RUNNING))
            self._emit(ConsoleLine(ConsoleStream.SYSTEM, f"started at {self._target_hz:g} Hz"))
            run.reader = threading.Thread(target=self._read, args=(run,), name="brain reader", daemon=True)
            run.reader.start()
            feed.start()

    def stop(self) -> None:
        """Stop the brain; returns once the child and whatever it forked are gone."""
        with self._command_lock:
            self._stop_locked("")

    def pause(self) -> None:
        """Pause between two ticks: PAUSING until the tick in progress returns, then PAUSED.
        No-op unless running."""
        with self._command_lock:
            run = self._run
            if run is None or self._state is not BrainState.RUNNING:
                return
            self._pauses += 1
            run.child.send({"cmd": "pause", "n": self._pauses})
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
            run.child.send({"cmd": "resume"})
            with self._state_lock:
                self._state = BrainState.RUNNING
            self._emit(StateChanged(BrainState.RUNNING))

    def set_frequency(self, hz: float) -> None:
        """New target frequency (1 to 1000 Hz, else ValueError); applies at once while running."""
        value = check_frequency(hz)
        with self._command_lock:
            self._target_hz = value
            if self._run is not None:
                self._run.child.send({"cmd": "frequency", "hz": value})

    def set_gui_rate(self, fps: float) -> None:
        """Cap on GUI results (images, inputs, digits) per second, each kind (1 to 60, else ValueError)."""
        value = check_gui_rate(fps)
        with self._command_lock:
            self._gui_fps = value
            if self._run is not None:
                self._run.child.send({"cmd": "gui_rate", "fps": value})

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
                self._run.child.send({"cmd": "model", "path": str(shared), "name": name})

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
        run.abandoned.set()
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

    def _read(self, run: _Run) -> None:
        """The reader thread of one run: pipes -> events, then the run's ending."""
        try:
            outcome = self._read_until_exit(run)
        finally:
            run.child.close_reading()
        self._finish(run, outcome)

    def _read_until_exit(self, run: _Run) -> Optional[Dict[str, Any]]:
        """Events from the child's pipes until it has exited; its ending message, if any."""
        child = run.child
        messages = MessageReader()
        raw = _RawOutput()
        outcome: Optional[Dict[str, Any]] = None
        with selectors.DefaultSelector() as selector:
            selector.register(child.events_fd, selectors.EVENT_READ, "events")
            selector.register(child.output_fd, selectors.EVENT_READ, "output")
            selector.register(child.wake_fd, selectors.EVENT_READ, "wake")
            streams = 2
            exited = False
            while streams and not exited:
                due = raw.limiter.next_due(time.monotonic())
                timeout = None if due is None else max(0.0, due - time.monotonic())
                for key, _ in selector.select(timeout):
                    if key.data == "wake":
                        exited = True
                        continue
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fd)
                        streams -= 1
                    elif key.data == "events":
                        outcome = self._handle_chunk(run, messages, chunk) or outcome
                    else:
                        raw.feed(chunk)
                self._emit_lines(raw.limiter.take(time.monotonic()))
        # The child has exited (or closed both pipes): what it wrote is still in the pipes.
        for fd, is_events in ((child.events_fd, True), (child.output_fd, False)):
            for chunk in _drain(fd):
                if is_events:
                    outcome = self._handle_chunk(run, messages, chunk) or outcome
                else:
                    raw.feed(chunk)
        raw.finish()
        self._emit_lines(raw.limiter.take_all())
        return outcome

    def _handle_chunk(self, run: _Run, messages: MessageReader, chunk: bytes) -> Optional[Dict[str, Any]]:
        outcome = None
        try:
            decoded = messages.feed(chunk)
        except WireError as exc:
            run.child.kill_now()
            return _stopped_by_runner(f"the brain process sent garbage and was stopped ({exc})")
        events: List[BrainEvent] = []
        try:
            for message, array in decoded:
                try:
                    result = self._translate(run, message, array)
                except (KeyError, TypeError, ValueError) as exc:
                    run.child.kill_now()
                    return _stopped_by_runner(
                        f"the brain process sent a bad {message.get('t')!r} message and was stopped ({exc!r})"
                    )
                if isinstance(result, dict):
                    outcome = result
                elif isinstance(result, list):
                    events.extend(result)
                elif result is not None:
                    events.append(result)
        finally:
            self._events.emit(events)
        return outcome

    def _translate(self, run: _Run, message: Dict[str, Any], array: Optional[np.ndarray]) -> Any:
        """An event (or a list of them) for one child message, the ending message itself (a
        dict), or None."""
        kind = message["t"]
        if kind == "console":
            return [ConsoleLine(ConsoleStream(stream), str(text)) for stream, text in message["lines"]]
        if kind == "digit":
            digit = message["digit"]
            probabilities = message["probabilities"]
            box = message["box"]
            return DigitShown(
                None if digit is None else int(digit),
                None if probabilities is None else [float(p) for p in probabilities][:10],
                None if box is None else (int(box[0]), int(box[1]), int(box[2]), int(box[3])),
                int(message.get("frame_seq", 0)),
            )
        if kind == "input" and array is not None and array.shape == (28, 28):
            return InputShown(array)
        if kind == "image" and array is not None and array.ndim in (2, 3):
            return ImageShown(array, int(message["frame_seq"]), float(message["timestamp"]))
        if kind == "freq":
            measured, target = float(message["hz"]), float(message["target"])
            with self._state_lock:
                if self._run is not run or self._state is not BrainState.RUNNING:
                    return None
                self._measured_hz = measured
            return FrequencyMeasured(measured, target)
        if kind == "paused":
            with self._state_lock:
                # Only the child's answer to the latest pause: an older one may arrive late.
                if (
                    self._run is not run
                    or self._state is not BrainState.PAUSING
                    or message["n"] != self._pauses
                ):
                    return None
                self._state = BrainState.PAUSED
            return StateChanged(BrainState.PAUSED)
        if kind in ("failed", "finished"):
            return message
        return None  # "started", or a kind a newer child knows: nothing to show

    def _emit_lines(self, lines: List[Any]) -> None:
        for stream, text in lines:
            self._emit(ConsoleLine(stream, text))

    def _finish(self, run: _Run, outcome: Optional[Dict[str, Any]]) -> None:
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
        if outcome is not None and outcome["t"] == "finished":
            reason = str(outcome.get("reason", "finished"))
            self._emit(ConsoleLine(ConsoleStream.SYSTEM, f"{reason} after {elapsed:.1f} s"))
            self._emit(StateChanged(BrainState.STOPPED, reason))
            return
        if outcome is not None:
            line = outcome.get("line")
            failure = BrainFailed(
                str(outcome.get("message", "the code failed")),
                int(line) if isinstance(line, int) else None,
                str(outcome.get("traceback", "")),
            )
        else:
            failure = BrainFailed(f"the brain process {describe_exit(returncode)}", None, "")
        self._emit(failure)
        self._emit(StateChanged(BrainState.STOPPED, failure.message))


def _stopped_by_runner(message: str) -> Dict[str, Any]:
    """The ``failed`` ending for a child the runner killed for what it sent: no student
    line or traceback to show, only why."""
    return {"t": "failed", "message": message, "line": None, "traceback": ""}


class _RawOutput:
    """Lines the child wrote to its raw stdout/stderr descriptors (C libraries, crashes)."""

    def __init__(self) -> None:
        self.limiter = OutputLimiter(time.monotonic())
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        pieces = (self._partial + chunk).split(b"\n")
        self._partial = pieces.pop()
        if len(self._partial) > 4096:
            pieces.append(self._partial)
            self._partial = b""
        for piece in pieces:
            text = piece.decode("utf-8", "replace").rstrip("\r")
            self.limiter.add(ConsoleStream.STDERR, text, time.monotonic())

    def finish(self) -> None:
        if self._partial:
            self.limiter.add(ConsoleStream.STDERR, self._partial.decode("utf-8", "replace"), time.monotonic())
            self._partial = b""


def _drain(fd: int) -> List[bytes]:
    """What is left in a pipe, without blocking (its writer is dead or may never finish)."""
    chunks: List[bytes] = []
    total = 0
    try:
        os.set_blocking(fd, False)
        while total < _DRAIN_LIMIT:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except (BlockingIOError, OSError):
        pass
    return chunks
