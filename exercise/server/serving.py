"""``serve``: bind the port, open the exercise, run the app under uvicorn until a signal
or ``stop``, and always close the exercise (brain child, camera) before returning.

What ``digit-classifier serve`` and the ROS node call.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import threading
from typing import Any, Callable, Dict, Optional
from urllib.parse import quote

import cv2
import uvicorn

from exercise.server.app import build_app
from exercise.server.config import ServerConfig, is_loopback
from exercise.server.core import Exercise
from exercise.server.protocol import MAX_FRAME_BYTES
from exercise.server.security import new_token
from exercise.server.uvicorn_shell import QuietServer, websocket_protocol

__all__ = ["ServerConfig", "serve", "page_url"]

log = logging.getLogger(__name__)


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
