"""The reading of one brain child: its pipes, turned into reports, until it has exited.

A reading watches the child's events pipe (reports, :mod:`exercise.brain.wire`), its raw
stdout/stderr (what C libraries and a crash write, handed on as STDERR console lines at the
console's rate) and the pipe that says it exited; then it drains and closes them.
:class:`ChildPipes` reads and decodes; what waits for them is one of two:

* :func:`read_child`, in a thread of its own (the CLI, tests, a runner without a loop);
* :class:`LoopReading`, on the server's asyncio event loop: the loop wakes once for what
  the child sends and hands it on itself, where a thread would wake, decode, then wake the
  loop (on this kind of virtual machine each wake-up is the dear part).
"""

from __future__ import annotations

import asyncio
import codecs
import os
import selectors
import threading
import time
from typing import Callable, List, Optional, Protocol

from exercise.brain.events import BrainFailed, ConsoleLine, ConsoleStream
from exercise.brain.messages import Report
from exercise.brain.output import Line, OutputLimiter, split_lines
from exercise.brain.process import ChildProcess
from exercise.brain.wire import MessageReader, WireError

#: Most bytes read from a dead child's pipes (a forked grandchild could keep writing).
DRAIN_LIMIT = 4 << 20
#: Most bytes one read takes from a pipe.
CHUNK = 65536

#: ``deliver(reports)``: what arrived, in order; called from the reading's thread or loop.
Deliver = Callable[[List[Report]], None]


class Reading(Protocol):
    """A reading under way: :meth:`join` waits until the pipes are drained and closed."""

    def join(self, timeout: Optional[float] = None) -> None: ...


def start_reading(
    child: ChildProcess,
    deliver: Deliver,
    on_done: Callable[[], None],
    loop: Optional[asyncio.AbstractEventLoop] = None,
) -> Reading:
    """Read ``child``'s pipes until it has exited and they are drained, close them, then
    call ``on_done`` from a thread that may block. On ``loop`` while it runs, else in a thread."""
    if loop is not None and loop.is_running():
        try:
            return LoopReading(loop, child, deliver, on_done)
        except RuntimeError:  # it closed just now
            pass
    thread = threading.Thread(target=_read_in_thread, args=(child, deliver, on_done), name="brain reader")
    thread.daemon = True
    thread.start()
    return thread


def _read_in_thread(child: ChildProcess, deliver: Deliver, on_done: Callable[[], None]) -> None:
    try:
        read_child(child, deliver)
    finally:
        child.close_reading()
    on_done()


def read_child(child: ChildProcess, deliver: Deliver) -> None:
    """Hand over the child's reports and raw output until it has exited and its pipes are
    drained. A report that does not parse ends the child at once, delivered as a
    :class:`BrainFailed` saying so; nothing it sends after that is read."""
    pipes = ChildPipes(child, deliver)
    with selectors.DefaultSelector() as selector:
        selector.register(child.events_fd, selectors.EVENT_READ)
        selector.register(child.output_fd, selectors.EVENT_READ)
        selector.register(child.wake_fd, selectors.EVENT_READ)
        streams = 2
        exited = False
        while streams and not exited:
            for key, _ in selector.select(pipes.timeout()):
                if key.fd == child.wake_fd:
                    exited = True
                elif not pipes.read(key.fd):
                    selector.unregister(key.fd)
                    streams -= 1
            pipes.deliver_due()
    # The child has exited (or closed both pipes): what it wrote is still in the pipes.
    pipes.finish()


class LoopReading:
    """Reads one child's pipes on an asyncio event loop, with no thread of its own.

    Made from any thread; its callbacks run on the loop, so ``deliver`` is called there.
    :meth:`join` from another thread waits for the loop to drain and close the pipes; from
    the loop itself, or once the loop no longer runs, it does that at once.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        child: ChildProcess,
        deliver: Deliver,
        on_done: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._child = child
        self._pipes = ChildPipes(child, deliver)
        self._on_done = on_done
        self._open = [child.events_fd, child.output_fd]
        self._timer: Optional[asyncio.TimerHandle] = None
        self._lock = threading.Lock()
        self._ended = False
        self._done = threading.Event()
        loop.call_soon_threadsafe(self._start)

    def join(self, timeout: Optional[float] = None) -> None:
        if not self._done.is_set() and (not self._loop.is_running() or _running_loop() is self._loop):
            self._end()
        self._done.wait(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._ended:
                return
            for fd in self._open:
                os.set_blocking(fd, False)
                self._loop.add_reader(fd, self._readable, fd)
            self._loop.add_reader(self._child.wake_fd, self._end)

    def _readable(self, fd: int) -> None:
        try:
            more = self._pipes.read(fd)
        except BlockingIOError:
            return
        except OSError:
            more = False
        if fd == self._child.output_fd:
            self._due()
        if not more:
            self._loop.remove_reader(fd)
            self._open.remove(fd)
            if not self._open:
                self._end()

    def _due(self) -> None:
        """Raw output due now goes out; the loop wakes again when the rest is due."""
        self._pipes.deliver_due()
        if self._timer is not None:
            self._timer.cancel()
        timeout = self._pipes.timeout()
        self._timer = None if timeout is None else self._loop.call_later(timeout, self._due)

    def _end(self) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
        for fd in (self._child.events_fd, self._child.output_fd, self._child.wake_fd):
            self._loop.remove_reader(fd)
        if self._timer is not None:
            self._timer.cancel()
        try:
            self._pipes.finish()
        finally:
            self._child.close_reading()
            self._done.set()
        # Ending a run that ended by itself reaps the child: not on the loop.
        threading.Thread(target=self._on_done, name="brain reader end", daemon=True).start()


def _running_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class ChildPipes:
    """Reads, decodes and delivers one child's events and raw output; waits for nothing."""

    def __init__(self, child: ChildProcess, deliver: Deliver) -> None:
        self._child = child
        self._deliver = deliver
        self._reports = _Reports(child, deliver)
        self._raw = RawOutput()

    def read(self, fd: int) -> bool:
        """One read of the events or the output pipe, handled; False at the pipe's end."""
        chunk = os.read(fd, CHUNK)
        if not chunk:
            return False
        if fd == self._child.events_fd:
            self._reports.feed(chunk)
        else:
            self._raw.feed(chunk)
        return True

    def timeout(self) -> Optional[float]:
        """Seconds until held-back raw output is due; None when none is held back."""
        due = self._raw.limiter.next_due(time.monotonic())
        return None if due is None else max(0.0, due - time.monotonic())

    def deliver_due(self) -> None:
        self._deliver_lines(self._raw.limiter.take(time.monotonic()))

    def finish(self) -> None:
        """After the child: what is left in its pipes, and every line held back."""
        for chunk in drain(self._child.events_fd):
            self._reports.feed(chunk)
        for chunk in drain(self._child.output_fd):
            self._raw.feed(chunk)
        self._raw.finish()
        self._deliver_lines(self._raw.limiter.take_all())

    def _deliver_lines(self, lines: List[Line]) -> None:
        if lines:  # most reads are a report, with no raw output due
            self._deliver([ConsoleLine(stream, text) for stream, text in lines])


class _Reports:
    """Decodes the events pipe and delivers; after garbage, ends the child and reads no more."""

    def __init__(self, child: ChildProcess, deliver: Deliver) -> None:
        self._child = child
        self._deliver = deliver
        self._messages = MessageReader()
        self._broken = False

    def feed(self, chunk: bytes) -> None:
        if self._broken:
            return
        try:
            reports = self._messages.feed(chunk)
        except WireError as exc:
            self._broken = True
            self._child.kill_now()
            reports = [BrainFailed(f"the brain process sent garbage and was stopped ({exc})", None, "")]
        if reports:
            self._deliver(reports)


class RawOutput:
    """Lines the child wrote to its raw stdout/stderr descriptors (C libraries, crashes)."""

    def __init__(self) -> None:
        self.limiter = OutputLimiter(time.monotonic())
        # Incremental: a character whose bytes two reads split is decoded whole.
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._partial = ""

    def feed(self, chunk: bytes) -> None:
        lines, self._partial = split_lines(self._partial, self._decoder.decode(chunk))
        for line in lines:
            self.limiter.add(ConsoleStream.STDERR, line, time.monotonic())

    def finish(self) -> None:
        rest = self._partial + self._decoder.decode(b"", final=True)
        self._partial = ""
        if rest:
            self.limiter.add(ConsoleStream.STDERR, rest, time.monotonic())


def drain(fd: int) -> List[bytes]:
    """What is left in a pipe, without blocking (its writer is dead or may never finish)."""
    chunks: List[bytes] = []
    total = 0
    try:
        os.set_blocking(fd, False)
        while total < DRAIN_LIMIT:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except (BlockingIOError, OSError):
        pass
    return chunks
