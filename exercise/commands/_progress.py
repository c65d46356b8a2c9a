"""A progress line on stderr for commands that work through many items."""

from __future__ import annotations

import time
from typing import TextIO

#: Seconds between progress lines when stderr is not a terminal.
_PROGRESS_INTERVAL = 2.0


class ProgressLine:
    """``evaluated 2560/10000 images`` on stderr: redrawn in place on a terminal, otherwise
    a line every couple of seconds and one at the end."""

    def __init__(self, stream: TextIO, unit: str = "images") -> None:
        self._unit = unit
        self._stream = stream
        self._tty = stream.isatty()
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < (0.1 if self._tty else _PROGRESS_INTERVAL):
            return
        self._last = now
        text = f"evaluated {done}/{total} {self._unit}"
        self._stream.write(f"\r{text}" if self._tty else f"{text}\n")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._tty and self._shown:
            self._stream.write("\n")
            self._stream.flush()
