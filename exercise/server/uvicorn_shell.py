"""Everything this exercise asks of uvicorn beyond its public settings, in one place.

Tested with uvicorn 0.33 (the ROS image, Python 3.8) to 0.54; ``pyproject.toml`` allows
no other releases, and ``tests/server/test_uvicorn_shell.py`` fails when an installed
release lacks a hook used here, rather than the exercise misbehaving quietly:

* :class:`QuietServer` overrides ``Server.main_loop``: uvicorn's loop wakes ten times a
  second for as long as the server runs, and the page may sit idle for hours;
* :func:`websocket_protocol` subclasses uvicorn's websocket protocol class (looked up by
  name in ``uvicorn.config.WS_PROTOCOLS``) for small send buffers and a "drained" wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any, Optional, Tuple

import uvicorn

from exercise.server.client import DRAIN_EXTENSION

#: The uvicorn releases this module was tested with (first two parts of the version).
TESTED_UVICORN = ((0, 33), (0, 54))

#: Kernel send buffer of a websocket connection (Linux doubles it). Small on purpose: a
#: client that reads slowly must make the hub wait (and skip views into its one-view
#: slot), not have seconds of stale views parked in a multi-megabyte autotuned buffer.
SEND_BUFFER_BYTES = 8 * 1024
#: Bytes the event loop may hold for a websocket before its sender waits: under one view.
WRITE_HIGH_WATER = 16 * 1024


def websocket_impl() -> str:
    """``websockets-sansio`` where uvicorn has it (flow control, no legacy API), else ``websockets``."""
    from uvicorn.config import WS_PROTOCOLS

    return "websockets-sansio" if "websockets-sansio" in WS_PROTOCOLS else "websockets"


def websocket_protocol() -> type:
    """uvicorn's websocket protocol class (:func:`websocket_impl`) with small send buffers."""
    from uvicorn.config import WS_PROTOCOLS
    from uvicorn.importer import import_from_string

    base: Any = import_from_string(WS_PROTOCOLS[websocket_impl()])

    class SmallBufferProtocol(base):  # type: ignore[misc]  # chosen at run time, by name
        """Also offers the app a wait for "all written" (:data:`DRAIN_EXTENSION`)."""

        def connection_made(self, transport: Any) -> None:
            self._exercise_drained = asyncio.Event()
            self._exercise_drained.set()
            super().connection_made(transport)
            limit_send_buffers(transport)

        def pause_writing(self) -> None:
            super().pause_writing()
            self._exercise_drained.clear()

        def resume_writing(self) -> None:
            super().resume_writing()
            self._exercise_drained.set()

        def connection_lost(self, exc: Optional[Exception]) -> None:
            super().connection_lost(exc)
            self._exercise_drained.set()  # nothing will drain now: let waiters fail on send

        async def run_asgi(self) -> None:
            self.scope["extensions"][DRAIN_EXTENSION] = {"wait": self._exercise_drained.wait}
            await super().run_asgi()

    return SmallBufferProtocol


class QuietServer(uvicorn.Server):
    """uvicorn's server without its ten wake-ups a second: it looks at ``should_exit`` once
    a second, and at once when ``should_exit`` is set (from a signal handler or a thread).

    The page may sit idle for hours; every timer firing then is CPU the student's machine
    spends on nothing.
    """

    #: Seconds between two looks at the server's state (uvicorn refreshes its Date header).
    TICK = 1.0

    def __init__(self, config: uvicorn.Config) -> None:
        self._exit_wakeup: Optional[Tuple[asyncio.AbstractEventLoop, asyncio.Event]] = None
        self._should_exit = False
        super().__init__(config)

    @property
    def should_exit(self) -> bool:
        return self._should_exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._should_exit = value
        wakeup = self._exit_wakeup
        if value and wakeup is not None:
            loop, event = wakeup
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to wake
                loop.call_soon_threadsafe(event.set)

    async def main_loop(self) -> None:
        event = asyncio.Event()
        self._exit_wakeup = (asyncio.get_running_loop(), event)
        ticks_per_wait = int(round(self.TICK / 0.1))  # on_tick counts uvicorn's 0.1 s ticks
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + ticks_per_wait) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), self.TICK)
            should_exit = await self.on_tick(counter)


def limit_send_buffers(transport: Any) -> None:
    """Shrink the socket's send buffer and the transport's write limits (see the constants)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    with contextlib.suppress(AttributeError, NotImplementedError):
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER, low=0)
