"""The reader of one brain child: its pipes, turned into reports, until it has exited.

One thread per run blocks in :func:`read_child` on the child's events pipe (reports,
:mod:`exercise.brain.wire`), its raw stdout/stderr (what C libraries and a crash write,
handed on as STDERR console lines at the console's rate) and the pipe that says it exited.
"""

from __future__ import annotations

import codecs
import os
import selectors
import time
from typing import Callable, List

from exercise.brain.events import BrainFailed, ConsoleLine, ConsoleStream
from exercise.brain.messages import Report
from exercise.brain.output import Line, OutputLimiter, split_lines
from exercise.brain.process import ChildProcess
from exercise.brain.wire import MessageReader, WireError

#: Most bytes read from a dead child's pipes (a forked grandchild could keep writing).
DRAIN_LIMIT = 4 << 20

#: ``deliver(reports)``: what arrived, in order; called from the reader's thread.
Deliver = Callable[[List[Report]], None]


def read_child(child: ChildProcess, deliver: Deliver) -> None:
    """Hand over the child's reports and raw output until it has exited and its pipes are
    drained. A report that does not parse ends the child at once, delivered as a
    :class:`BrainFailed` saying so; nothing it sends after that is read."""
    reports = _Reports(child, deliver)
    raw = RawOutput()

    def deliver_lines(lines: List[Line]) -> None:
        if lines:  # most passes of the loop are a report, with no raw output due
            deliver([ConsoleLine(stream, text) for stream, text in lines])

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
                    reports.feed(chunk)
                else:
                    raw.feed(chunk)
            deliver_lines(raw.limiter.take(time.monotonic()))
    # The child has exited (or closed both pipes): what it wrote is still in the pipes.
    for chunk in drain(child.events_fd):
        reports.feed(chunk)
    for chunk in drain(child.output_fd):
        raw.feed(chunk)
    raw.finish()
    deliver_lines(raw.limiter.take_all())


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
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except (BlockingIOError, OSError):
        pass
    return chunks
