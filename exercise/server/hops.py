"""Calls onto the server's event loop from any thread, in order, sharing wake-ups."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from typing import Callable, List, Optional, TypeVar

log = logging.getLogger(__name__)

H = TypeVar("H")  # what a handler hopped onto the loop handles


class Hops:
    """Runs ``handler(item)`` on one event loop for any thread (:meth:`hop`).

    Calls queue up in order behind one wake-up of the loop: a digit, a model input and a
    camera view that arrive together cost one wake-up, not three; a call made on the loop
    itself (the brain's results, read there) costs none. Never run at once, even on the
    loop: the caller may hold a lock (a brain runner's) that a handler would wait for.
    """

    def __init__(self) -> None:
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._loop_thread = 0
        self._lock = threading.Lock()
        self._calls: List[Callable[[], None]] = []

    def start(self) -> None:
        """Call from the loop: calls go to it from now on (dropped until then)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    def hop(self, handler: Callable[[H], None], item: H) -> None:
        """From any thread: run ``handler(item)`` on the loop (dropped once the loop closed)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            self._calls.append(functools.partial(handler, item))
            if len(self._calls) > 1:
                return  # a wake-up is already on its way and will take this one too
        if threading.get_ident() == self._loop_thread:
            loop.call_soon(self._run)
        else:
            loop.call_soon_threadsafe(self._run)

    def _run(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, []
        for call in calls:
            try:
                call()
            except Exception:  # one failing handler must not drop the calls behind it
                log.exception("%r failed", call)
