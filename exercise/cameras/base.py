"""The one interface every camera source implements, and the latest-frame buffer behind it.

A consumer only ever gets the *newest* frame: a slow consumer skips frames, it never
drains a queue of stale ones, and a slow or absent camera never blocks it for longer than
the timeout it chose. Consumers come in two kinds:

* readers (the camera view, the CLI) wait for a frame newer than the last one they had,
  with :meth:`CameraSource.wait_newer`;
* sinks (the brain's shared frame slot) are called with each new frame by the thread that
  produced it (:meth:`CameraSource.add_sink`): no thread of their own to wake per frame.

Sources come in two kinds, and both end in the same :class:`LatestFrameBuffer`:

* pulled sources (webcam, demo, file) subclass :class:`ThreadedCamera` and implement
  :meth:`ThreadedCamera.read`, which a background thread calls in a loop;
* pushed sources (``browser`` frames from a websocket, ``ros:TOPIC`` messages) subclass
  :class:`CameraSource` and call :meth:`CameraSource.publish` from their own callback.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

from exercise.exceptions import ExerciseError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One captured image. Frames are immutable: consumers must not write into ``image``."""

    #: BGR uint8, shape ``(height, width, 3)``.
    image: np.ndarray
    #: Capture time, ``time.time()`` seconds, as close to the sensor as the source knows.
    timestamp: float
    #: 1, 2, 3... per source; a gap means frames were skipped, never reordered.
    seq: int


#: Called with each new frame, in the producer's thread; must be quick and never block.
FrameSink = Callable[[Frame], None]


class CameraState(str, enum.Enum):
    """Where a source is in its life; sent to the GUI as a plain string."""

    STARTING = "starting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"  # the device went away; retrying with backoff
    WAITING = "waiting"  # a pushed source with nothing pushed yet (browser, ROS topic)
    ENDED = "ended"  # a source that cannot produce more frames
    FAILED = "failed"  # cannot be opened at all; ``CameraStatus.message`` says why
    STOPPED = "stopped"


@dataclass(frozen=True)
class CameraStatus:
    state: CameraState
    #: A sentence for the student, for example "no device at /dev/video0".
    message: str = ""


class LatestFrameBuffer:
    """Holds the newest frame only; readers wait on a condition, never poll."""

    def __init__(self) -> None:
        lock = threading.Lock()
        #: Readers wait on this one for a new frame...
        self._condition = threading.Condition(lock)
        #: ...and an on-demand producer on this one for a reader: two conditions on one
        #: lock, so that a reader asking for a frame wakes the producer, not the other
        #: readers, and a new frame wakes the readers, not the producer.
        self._reader_waits = threading.Condition(lock)
        self._frame: Optional[Frame] = None
        self._seq = 0
        #: The lowest seq some reader has waited for (wait_newer); a frame is wanted while
        #: it is above the newest seq. Not a count of waiters: a woken reader that has not
        #: run yet must not look like it still wants a frame.
        self._wanted = 0
        #: Replaced, never changed in place: put() takes it under the lock and calls the
        #: sinks outside it.
        self._sinks: Tuple[FrameSink, ...] = ()

    def put(self, image: np.ndarray, timestamp: Optional[float] = None, seq: Optional[int] = None) -> Frame:
        """Replace the newest frame with ``image`` (BGR uint8), wake every waiting reader,
        then hand the frame to every sink.

        ``seq``: the source's own frame number, when it let frames pass unrendered (an
        on-demand source); it only ever moves forwards. None: the next number.
        """
        with self._condition:
            self._seq = self._number(seq)
            frame = Frame(image, time.time() if timestamp is None else timestamp, self._seq)
            self._frame = frame
            self._condition.notify_all()
            sinks = self._sinks
        for sink in sinks:
            try:
                sink(frame)
            except Exception:  # one consumer's bug must not stop the camera for the others
                log.exception("a frame sink failed")
        return frame

    def next_seq(self, seq: Optional[int] = None) -> int:
        """The number :meth:`put` would give a frame now, with the same ``seq``."""
        with self._condition:
            return self._number(seq)

    def _number(self, seq: Optional[int]) -> int:
        """The source's own number if it is ahead, else one more than the newest. Lock held."""
        return max(self._seq + 1, seq or 0)

    def add_sink(self, sink: FrameSink) -> Callable[[], None]:
        """Call ``sink(frame)`` with every frame put from now on; returns its remover.

        A sink counts as a reader that always waits: an on-demand producer renders every
        frame while one is attached. The remover is idempotent; a call to the sink that
        is already under way when it returns still finishes.
        """
        with self._condition:
            self._sinks = self._sinks + (sink,)
            self._reader_waits.notify_all()

        def remove() -> None:
            with self._condition:
                self._sinks = tuple(s for s in self._sinks if s is not sink)

        return remove

    def latest(self) -> Optional[Frame]:
        """The newest frame, or None before the first one. Never blocks."""
        with self._condition:
            return self._frame

    def wait_newer(self, seq: int, timeout: Optional[float]) -> Optional[Frame]:
        """Block until a frame newer than ``seq`` exists, then return the newest one.

        Returns None on timeout. Pass ``seq=0`` to wait for the first frame.
        """
        with self._condition:
            if self._frame is None or self._frame.seq <= seq:
                if seq + 1 > self._wanted:
                    self._wanted = seq + 1
                    self._reader_waits.notify_all()  # an on-demand producer may wait for this
                self._condition.wait_for(lambda: self._frame is not None and self._frame.seq > seq, timeout)
            frame = self._frame
            return frame if frame is not None and frame.seq > seq else None

    def reader_waiting(self) -> bool:
        """True while a reader has asked (:meth:`wait_newer`) for a frame newer than the
        newest, or a sink is attached. Never blocks."""
        with self._reader_waits:
            return self._frame_wanted()

    def wait_for_reader(self, give_up: Callable[[], bool]) -> bool:
        """Block until a reader waits in :meth:`wait_newer` for a frame newer than the newest
        (it may have timed out since) or a sink is attached; False if ``give_up()`` came first.

        Whoever makes ``give_up()`` true must then call :meth:`wake` so this sees it.
        """
        with self._reader_waits:
            self._reader_waits.wait_for(lambda: self._frame_wanted() or give_up())
            return not give_up()

    def _frame_wanted(self) -> bool:
        """A reader waits for a frame newer than the newest, or a sink is attached. Lock held."""
        return self._wanted > self._seq or bool(self._sinks)

    def wake(self) -> None:
        """Wake :meth:`wait_for_reader` to re-check its ``give_up``."""
        with self._reader_waits:
            self._reader_waits.notify_all()


class CameraSource(ABC):
    """A camera: start it, read its newest frame, ask its state, stop it.

    Subclasses set ``self._status`` through :meth:`_set_status` and feed frames through
    :meth:`publish`. Consumers only use the public methods below.
    """

    def __init__(self, spec: str, fps: float = 30.0) -> None:
        #: The spec the source was opened with, for example ``demo`` or ``webcam:0``.
        self.spec = spec
        #: Nominal frame rate; the real one may be lower.
        self.fps = fps
        self._buffer = LatestFrameBuffer()
        self._status_lock = threading.Lock()
        self._status = CameraStatus(CameraState.STARTING)

    # -- consumer side -----------------------------------------------------------------

    @abstractmethod
    def start(self) -> None:
        """Begin producing frames. Raises :class:`~exercise.exceptions.CameraError` when
        the source cannot be opened at all (no such device, unreadable file)."""

    @abstractmethod
    def stop(self) -> None:
        """Stop producing frames and release the device. Safe to call twice."""

    def latest(self) -> Optional[Frame]:
        """The newest frame, or None before the first one. Never blocks."""
        return self._buffer.latest()

    def wait_newer(self, seq: int, timeout: Optional[float] = 1.0) -> Optional[Frame]:
        """Block until a frame newer than ``seq``, up to ``timeout`` seconds."""
        return self._buffer.wait_newer(seq, timeout)

    def add_sink(self, sink: FrameSink) -> Callable[[], None]:
        """Call ``sink(frame)`` with every new frame, from the thread that publishes it (the
        camera's thread, or a pushed source's callback); returns the function that detaches it.

        For consumers that take every frame (the brain's frame slot): they need no thread
        of their own waiting for frames. ``sink`` must be quick and must not block.
        """
        return self._buffer.add_sink(sink)

    @property
    def status(self) -> CameraStatus:
        with self._status_lock:
            return self._status

    @property
    def is_live(self) -> bool:
        """True for real-time sources (RTF 1.0); False for files played back."""
        return True

    def label_of(self, seq: int) -> Optional[int]:
        """The digit known to be in frame ``seq`` (0-9, or -1 for none), for sources that
        know it (a test reel); None for every other source."""
        return None

    # -- producer side -----------------------------------------------------------------

    def publish(
        self, image: np.ndarray, timestamp: Optional[float] = None, seq: Optional[int] = None
    ) -> Frame:
        """Make ``image`` (BGR uint8 HxWx3) the newest frame (``seq``: see LatestFrameBuffer.put)."""
        frame = self._buffer.put(image, timestamp, seq)
        if self.status.state is not CameraState.STREAMING:
            self._set_status(CameraState.STREAMING)
        return frame

    def _next_seq(self, seq: Optional[int] = None) -> int:
        """The seq :meth:`publish` would give a frame now: for a source that must know its
        frame's number before publishing it (and publishes from one thread only)."""
        return self._buffer.next_seq(seq)

    def _set_status(self, state: CameraState, message: str = "") -> None:
        with self._status_lock:
            self._status = CameraStatus(state, message)

    def __enter__(self) -> CameraSource:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ThreadedCamera(CameraSource):
    """A pulled source: a daemon thread calls :meth:`read` and publishes what it returns.

    :meth:`read` must block until the next frame is due (a real device does; a synthetic
    one sleeps to its frame time), so the thread never spins.

    A source with ``on_demand = True`` only reads while a consumer is waiting for a newer
    frame (:meth:`CameraSource.wait_newer`): a synthetic camera then renders 3 frames a
    second for a page at the idle view rate, not 30 nobody takes, and every frame it
    renders is fresh when taken. Such a source may pace itself in :meth:`pace` instead,
    and then :meth:`read` returns at once. Devices whose driver queues frames keep it False: paused,
    they would hand out stale frames afterwards.
    """

    on_demand = False

    def __init__(self, spec: str, fps: float = 30.0) -> None:
        super().__init__(spec, fps)
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._set_status(CameraState.STARTING)  # not "stopped" while a restart opens
        self.open()
        if self.on_demand:
            # Open is all it takes: a frame comes whenever one is asked for. Without this
            # it would look "starting" until the first consumer came.
            self._set_status(CameraState.STREAMING)
        self._thread = threading.Thread(target=self._run, name=f"camera {self.spec}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._buffer.wake()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self.close()
        self._set_status(CameraState.STOPPED)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                if self.on_demand:
                    # Pace first, then look for a reader: readers that took the last frame
                    # are back waiting by the next frame's time, so a steady consumer
                    # costs one wake-up per frame, not one for the reader and one more
                    # for the frame's time.
                    if not self.pace():
                        continue
                    if not self._buffer.reader_waiting():
                        self._buffer.wait_for_reader(self._stopping.is_set)
                        continue  # the time paced for has gone by: pace again
                image = self.read()
                if image is not None:
                    self.publish(image)
        except Exception as exc:  # a dead thread must not look like a camera still starting
            message = str(exc) if isinstance(exc, ExerciseError) else f"camera thread crashed: {exc!r}"
            self._set_status(CameraState.FAILED, message)

    @property
    def stopping(self) -> threading.Event:
        """Set when :meth:`stop` was called; :meth:`read` should wait on it, not sleep."""
        return self._stopping

    def pace(self) -> bool:
        """On-demand sources: block until the next frame may be produced; False once
        :meth:`CameraSource.stop` was called. Called before looking for a waiting reader,
        then :meth:`read` produces the frame at once. Default: no pacing (:meth:`read`
        blocks)."""
        return not self._stopping.is_set()

    def open(self) -> None:
        """Open the device; raise CameraError if it cannot be opened. Default: nothing."""

    def close(self) -> None:
        """Release the device. Default: nothing."""

    @abstractmethod
    def read(self) -> Optional[np.ndarray]:
        """Block until the next frame, then return it (BGR uint8), or None to try again.

        Called from the camera thread only. Sleep with ``self.stopping.wait(seconds)`` so
        that :meth:`stop` interrupts the wait.
        """
