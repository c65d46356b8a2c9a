"""Rate-limit the console output of a brain, keeping the newest lines.

A student's ``while True: print(x)`` at 1000 Hz, or ``for i in range(10**7): print(i)``,
must not flood the server or the browser. :class:`OutputLimiter` lets through at most
``lines_per_second`` lines and ``bytes_per_second`` bytes (token buckets with one second of
burst); the excess waits in a short queue that keeps only the newest ``keep`` lines, and
each batch that follows a loss starts with a SYSTEM note "N lines dropped". So when a flood
ends, its first lines (while the buckets last) and its last lines (often the interesting
ones) both arrive.

Pure: the caller passes ``now`` (``time.monotonic()``).
"""

from __future__ import annotations

import collections
from typing import Deque, List, Optional, Tuple

from exercise.brain.events import ConsoleStream

LINES_PER_SECOND = 200
BYTES_PER_SECOND = 64 * 1024
#: Newest lines kept while over the limit.
KEEP_LINES = 100
#: Longer lines are cut (a single 1 MB line would otherwise stall the byte bucket).
MAX_LINE_CHARS = 2000
#: Text this long without a newline is sent as a line of its own: a program printing without
#: end of line must not grow a line in memory forever.
MAX_PARTIAL_CHARS = 4096
#: Smallest gap between two batches while throttled, so a flood is sent in a few batches
#: per second rather than one message per token.
BATCH_INTERVAL = 0.05

Line = Tuple[ConsoleStream, str]


def split_lines(partial: str, text: str) -> Tuple[List[str], str]:
    """The whole lines of ``partial + text`` (without their newline or a ``\\r`` before it)
    and the unfinished rest, which is a line too once it is over :data:`MAX_PARTIAL_CHARS`."""
    pieces = (partial + text).split("\n")
    rest = pieces.pop()
    if len(rest) > MAX_PARTIAL_CHARS:
        pieces.append(rest)
        rest = ""
    return [piece.rstrip("\r") for piece in pieces], rest


def clip_line(text: str) -> str:
    """``text`` cut to :data:`MAX_LINE_CHARS` with a note saying so."""
    if len(text) <= MAX_LINE_CHARS:
        return text
    return f"{text[:MAX_LINE_CHARS]}... ({len(text) - MAX_LINE_CHARS} more characters cut)"


class OutputLimiter:
    """Queue lines with :meth:`add`, send what :meth:`take` returns, wait until :meth:`next_due`."""

    def __init__(
        self,
        now: float,
        *,
        lines_per_second: float = LINES_PER_SECOND,
        bytes_per_second: float = BYTES_PER_SECOND,
        keep: int = KEEP_LINES,
    ) -> None:
        self._line_rate = float(lines_per_second)
        self._byte_rate = float(bytes_per_second)
        self._line_tokens = self._line_rate
        self._byte_tokens = self._byte_rate
        self._refilled = now
        # Lines already paid for (sent on the next take) and lines waiting for tokens: a
        # line only waits if the queue is not empty, so the order is always ready, pending.
        self._ready: List[Line] = []
        self._pending: Deque[Line] = collections.deque()
        self._keep = keep
        self._dropped = 0
        self._last_batch = -1e9

    @property
    def dropped(self) -> int:
        """Lines lost and not yet reported."""
        return self._dropped

    def add(self, stream: ConsoleStream, text: str, now: float) -> bool:
        """Queue one line (without its newline). True when the consumer should look now."""
        line = (stream, clip_line(text))
        if not self._pending:
            self._refill(now)
            if self._pay(line[1]):
                self._ready.append(line)
                return len(self._ready) == 1
        if len(self._pending) >= self._keep:
            self._pending.popleft()
            self._dropped += 1
        self._pending.append(line)
        return len(self._pending) == 1 and not self._ready

    def take(self, now: float) -> List[Line]:
        """The lines that may be sent now; a SYSTEM note stands where lines were dropped."""
        batch, self._ready = self._ready, []
        if not self._pending or (self._throttled() and now - self._last_batch < BATCH_INTERVAL):
            return batch
        self._refill(now)
        released: List[Line] = []
        while self._pending and self._pay(self._pending[0][1]):
            released.append(self._pending.popleft())
        if released and self._dropped:
            released.insert(0, self._dropped_note())
        if released:
            self._last_batch = now
        return batch + released

    def take_all(self) -> List[Line]:
        """Everything still queued, ignoring the limits (the child is about to exit)."""
        batch, self._ready = self._ready, []
        if self._dropped:
            batch.append(self._dropped_note())
        batch.extend(self._pending)
        self._pending.clear()
        return batch

    def next_due(self, now: float) -> Optional[float]:
        """When :meth:`take` will next return lines, or None while nothing is queued."""
        if self._ready:
            return now
        if not self._pending:
            return None
        self._refill(now)
        cost = len(self._pending[0][1]) + 1
        wait_lines = max(0.0, (1 - self._line_tokens) / self._line_rate)
        wait_bytes = max(0.0, (cost - self._byte_tokens) / self._byte_rate)
        due = now + max(wait_lines, wait_bytes)
        if self._throttled():
            due = max(due, self._last_batch + BATCH_INTERVAL)
        return due

    def _pay(self, text: str) -> bool:
        cost = len(text) + 1
        if self._line_tokens < 1 or self._byte_tokens < cost:
            return False
        self._line_tokens -= 1
        self._byte_tokens -= cost
        return True

    def _throttled(self) -> bool:
        return self._line_tokens < self._line_rate / 2 or self._byte_tokens < self._byte_rate / 2

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._refilled)
        self._refilled = now
        self._line_tokens = min(self._line_rate, self._line_tokens + elapsed * self._line_rate)
        self._byte_tokens = min(self._byte_rate, self._byte_tokens + elapsed * self._byte_rate)

    def _dropped_note(self) -> Line:
        note = (
            f"{self._dropped} lines dropped: output is limited to {self._line_rate:.0f} lines "
            f"and {self._byte_rate / 1024:.0f} KB per second; the newest lines follow"
        )
        self._dropped = 0
        return (ConsoleStream.SYSTEM, note)
