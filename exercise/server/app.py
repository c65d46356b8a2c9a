"""The Starlette app on one port (page, REST API, websocket) and :func:`serve`, which runs it.

``serve`` is what ``digit-classifier serve`` and the ROS node call: it opens the exercise,
binds the port, runs uvicorn (with the ``websockets`` implementation) until Ctrl-C,
SIGTERM or ``stop``, and always stops the brain child and releases the camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, quote

import cv2
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from exercise.server.api import build_routes
from exercise.server.config import ServerConfig, is_loopback
from exercise.server.core import Exercise
from exercise.server.hub import DRAIN_EXTENSION, Hub
from exercise.server.protocol import MAX_FRAME_BYTES
from exercise.server.security import TOKEN_COOKIE, AccessPolicy, new_token

__all__ = ["ServerConfig", "Exercise", "build_app", "serve", "static_dir"]

log = logging.getLogger(__name__)

_PLACEHOLDER = """<!doctype html><meta charset="utf-8"><title>Digit classifier</title>
<p>The page is not built into this installation; the API is at
<a href="/api/openapi.json">/api/openapi.json</a> and the websocket at /ws.</p>"""


def static_dir() -> Optional[Path]:
    """The page's folder: ``static/`` of a source checkout, else ``exercise/static`` of a wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "static", package / "static"):
        if (candidate / "index.html").is_file():
            return candidate
    return None


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

    class SmallBufferProtocol(base):
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


class AccessMiddleware:
    """Token, Host and Origin checks of :class:`AccessPolicy` in front of everything."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookies = {k: m.value for k, m in SimpleCookie(headers.get("cookie", "")).items()}
        host, origin = headers.get("host"), headers.get("origin")
        if scope["type"] == "websocket":
            allowed = (
                self.policy.host_ok(host)
                and self.policy.token_ok(query, cookies, headers)
                and self.policy.origin_ok(origin, host)
            )
            if not allowed:  # closing before accept makes the server answer 403
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if not self.policy.host_ok(host):
            await PlainTextResponse("unknown host name; open the page at 127.0.0.1", 400)(
                scope, receive, send
            )
            return
        if not self.policy.token_ok(query, cookies, headers):
            await PlainTextResponse(
                "access token needed: open the URL that 'digit-classifier serve' printed", 401
            )(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not self.policy.origin_ok(origin, host):
            await PlainTextResponse("requests from another site are refused", 403)(scope, receive, send)
            return
        if (
            self.policy.token is not None
            and query.get("token")
            and cookies.get(TOKEN_COOKIE) != query["token"]
        ):
            send = self._with_cookie(send, query["token"])
        await self.app(scope, receive, send)

    @staticmethod
    def _with_cookie(send: Send, token: str) -> Send:
        cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [(b"set-cookie", cookie)]
            await send(message)

        return sending


def build_app(
    exercise: Exercise,
    token: Optional[str] = None,
    *,
    on_started: Optional[Callable[[], None]] = None,
) -> Starlette:
    """The whole app for ``exercise``. The lifespan starts the hub and closes the exercise."""
    hub = Hub(exercise)

    async def websocket_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await hub.handle(websocket)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub.start()
        if on_started is not None:
            on_started()
        try:
            yield
        finally:
            await hub.close()
            await asyncio.get_running_loop().run_in_executor(None, exercise.close)

    routes: List[Any] = list(build_routes(exercise))
    routes.append(WebSocketRoute("/ws", websocket_endpoint))
    folder = static_dir()
    if folder is not None:
        routes.append(Mount("/", app=StaticFiles(directory=str(folder), html=True), name="static"))
    else:
        from starlette.routing import Route

        async def placeholder(request: Any) -> HTMLResponse:
            return HTMLResponse(_PLACEHOLDER)

        routes.append(Route("/", placeholder))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.hub = hub
    app.add_middleware(AccessMiddleware, policy=AccessPolicy(token))
    return app


def page_url(host: str, port: int, token: Optional[str]) -> str:
    """The URL to open: the bound host (a wildcard address becomes this machine's name)."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    query = f"?token={quote(token)}" if token else ""
    return f"http://{shown}:{port}/{query}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)  # connections made before uvicorn starts accepting wait in the backlog
    sock.set_inheritable(True)
    return sock


def serve(
    config: ServerConfig,
    *,
    on_ready: Optional[Callable[[Exercise], None]] = None,
    stop: Optional[threading.Event] = None,
) -> None:
    """Run the exercise until SIGINT/SIGTERM (main thread) or until ``stop`` is set.

    Returns normally after either signal, once the brain child is stopped and the camera
    released; the signal handlers found are put back. ``stop`` is set on return.

    Prints the URL. ``on_ready`` is called (from a worker thread) once the server accepts
    connections; ``exercise.address`` and ``exercise.url`` are set by then. Raises
    CameraError/ModelError when the exercise cannot be opened, OSError when the port is taken.
    """
    token = config.token
    if not is_loopback(config.host):
        token = token or new_token()
        print(
            f"digit-classifier: WARNING: listening on {config.host}, reachable from other machines; "
            "anyone with the URL below (it carries the access token) can run code on this machine.",
            file=sys.stderr,
        )
    # OpenCV's work here (a JPEG per view, the demo camera's frames) is a millisecond at a
    # time: its thread pool would cost more in wake-ups than it saves, next to the brain.
    cv2.setNumThreads(1)
    sock = _bind(config.host, config.port)
    try:
        exercise = Exercise.open(config)
    except BaseException:
        sock.close()
        raise
    host, port = sock.getsockname()[:2]
    exercise.address = (host, port)
    exercise.url = page_url(config.host, port, token)
    app = build_app(exercise, token, on_started=lambda: _on_started(exercise, config, on_ready))
    uv_config = uvicorn.Config(
        app,
        ws=websocket_protocol(),
        ws_max_size=MAX_FRAME_BYTES,
        ws_per_message_deflate=False,  # JPEG does not compress; deflate only costs CPU
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = QuietServer(uv_config)
    if stop is not None:
        # A daemon thread, not the loop's executor: asyncio.run waits for the executor's
        # threads at shutdown, and this one only ends when ``stop`` is set.
        threading.Thread(target=_stop_when_set, args=(stop, server), name="serve stop", daemon=True).start()
    print(f"digit-classifier: the exercise is at {exercise.url}", flush=True)
    previous = _quiet_signals(server)
    try:
        server.run(sockets=[sock])
    finally:
        try:
            exercise.close()
            sock.close()
        finally:
            _restore_signals(previous)
            if stop is not None:
                stop.set()  # ends the watcher thread when the server ended another way


#: The signals that end ``serve`` cleanly.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _quiet_signals(server: uvicorn.Server) -> Dict[int, Any]:
    """Make SIGINT/SIGTERM only ask ``server`` to exit, for as long as ``serve`` runs.

    uvicorn installs its own handlers while it runs and, once shut down, raises the signal
    it caught again for the handler it found, which was the default one: SIGTERM's would
    kill the process before the exercise is closed (brain child, camera). With these in
    place the re-raised signal lands here and ``serve`` returns normally. Returns the
    handlers to put back with :func:`_restore_signals` (nothing outside the main thread,
    where signals cannot be handled).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def ask_exit(signum: int, frame: Any) -> None:
        server.should_exit = True

    return {sig: signal.signal(sig, ask_exit) for sig in STOP_SIGNALS}


def _restore_signals(previous: Dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _stop_when_set(event: threading.Event, server: uvicorn.Server) -> None:
    event.wait()
    server.should_exit = True


def _on_started(
    exercise: Exercise, config: ServerConfig, on_ready: Optional[Callable[[Exercise], None]]
) -> None:
    """From the lifespan: autostart and ``on_ready`` in worker threads (both end by themselves)."""
    loop = asyncio.get_running_loop()
    if config.autostart:
        loop.run_in_executor(None, _autostart, exercise)
    if on_ready is not None:
        loop.run_in_executor(None, on_ready, exercise)


def _autostart(exercise: Exercise) -> None:
    try:
        exercise.play()
    except Exception as exc:  # the saved code does not start: the page shows the state
        log.warning("autostart failed: %s", exc)
