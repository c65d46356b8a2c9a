"""exercise.server.uvicorn_shell: the installed uvicorn still has every hook it relies on."""

from __future__ import annotations

import inspect

import uvicorn
from uvicorn.config import WS_PROTOCOLS
from uvicorn.importer import import_from_string

from exercise.server.uvicorn_shell import TESTED_UVICORN, QuietServer, websocket_impl, websocket_protocol


def test_the_installed_uvicorn_is_a_release_it_was_tested_with() -> None:
    major, minor = (int(part) for part in uvicorn.__version__.split(".")[:2])
    low, high = TESTED_UVICORN
    assert low <= (major, minor) <= high, uvicorn.__version__


def test_the_server_hooks_it_overrides_are_there() -> None:
    main_loop = inspect.getattr_static(uvicorn.Server, "main_loop")
    assert inspect.iscoroutinefunction(main_loop)
    assert list(inspect.signature(uvicorn.Server.on_tick).parameters) == ["self", "counter"]
    assert "should_exit" in vars(uvicorn.Server(uvicorn.Config(app=None)))
    assert issubclass(QuietServer, uvicorn.Server)


def test_the_websocket_protocol_hooks_it_extends_are_there() -> None:
    base = import_from_string(WS_PROTOCOLS[websocket_impl()])
    for hook in ("connection_made", "pause_writing", "resume_writing", "connection_lost", "run_asgi"):
        assert callable(getattr(base, hook, None)), hook
    assert issubclass(websocket_protocol(), base)
