"""The Starlette app on one port: the page, the REST API and the websocket.

:func:`build_app` puts together the routes (:mod:`exercise.server.api`), the websocket's
:class:`~exercise.server.hub.Hub`, the page's static files and the access checks
(:mod:`exercise.server.access`); :mod:`exercise.server.serving` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any, AsyncIterator, Callable, List, Optional

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from exercise.server.access import AccessMiddleware
from exercise.server.api import build_routes
from exercise.server.core import Exercise
from exercise.server.examples_api import build_example_routes
from exercise.server.hub import Hub
from exercise.server.security import AccessPolicy

__all__ = ["build_app", "static_dir"]

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

    routes: List[Any] = list(build_routes(exercise)) + build_example_routes(exercise.examples)
    routes.append(WebSocketRoute("/ws", websocket_endpoint))
    folder = static_dir()
    if folder is not None:
        routes.append(Mount("/", app=StaticFiles(directory=str(folder), html=True), name="static"))
    else:

        async def placeholder(request: Request) -> HTMLResponse:
            return HTMLResponse(_PLACEHOLDER)

        routes.append(Route("/", placeholder))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.hub = hub
    app.add_middleware(AccessMiddleware, policy=AccessPolicy(token))
    return app
