"""A real exercise server (uvicorn + Starlette, demo camera, real brain child) per test.

``start_server(**config)`` runs :func:`exercise.server.serving.serve` in a thread on a free
loopback port and returns a :class:`Running` with the base URLs; the fixture stops it.
Clients are the ``websockets`` package's own client and ``urllib``.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from websockets.sync.client import ClientConnection, connect

from exercise.server.core import Exercise
from exercise.server.serving import ServerConfig, serve


@dataclass
class Running:
    exercise: Exercise
    http: str
    ws: str
    stop: threading.Event
    thread: threading.Thread

    def connect(self, query: str = "", **kwargs: Any) -> ClientConnection:
        return connect(self.ws + query, open_timeout=10, max_size=16 * 1024 * 1024, **kwargs)

    def request(
        self, method: str, path: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None
    ) -> Tuple[int, Dict[str, str], bytes]:
        """(status, headers, body) of one HTTP request; 4xx/5xx are returned, not raised."""
        req = urllib.request.Request(self.http + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def start_server(tmp_path: Path, digit_model_path: Path) -> Iterator[Callable[..., Running]]:
    running: List[Running] = []

    def start(**overrides: Any) -> Running:
        options: Dict[str, Any] = dict(
            camera="demo:seed=1", model=digit_model_path, port=0, state_dir=tmp_path / "state"
        )
        options.update(overrides)
        ready = threading.Event()
        box: Dict[str, Exercise] = {}
        stop = threading.Event()

        def on_ready(exercise: Exercise) -> None:
            box["exercise"] = exercise
            ready.set()

        thread = threading.Thread(
            target=serve,
            args=(ServerConfig(**options),),
            kwargs={"on_ready": on_ready, "stop": stop},
            daemon=True,
        )
        thread.start()
        assert ready.wait(30), "the server did not start"
        exercise = box["exercise"]
        assert exercise.address is not None
        host, port = exercise.address
        result = Running(exercise, f"http://{host}:{port}", f"ws://{host}:{port}/ws", stop, thread)
        running.append(result)
        return result

    yield start
    for server in running:
        server.stop.set()
        server.thread.join(15)
        assert not server.thread.is_alive(), "the server did not stop"


@pytest.fixture
def server(start_server: Callable[..., Running]) -> Running:
    return start_server()
