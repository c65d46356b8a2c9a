"""docs/protocol.md's message tables, held against the code: every message type and each of
its top-level fields, both ways (a new field in the code must be documented, and a
documented one must exist). The server's ``hello`` and its ``state`` come from a real
server over a real websocket."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, Set

from exercise.server import protocol as p
from exercise.server import server_messages as m
from exercise.server.recordings import IDLE
from tests.server.conftest import Running

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
ENVELOPE = {"v", "type"}


def table(heading: str) -> Dict[str, Set[str]]:
    """The table under ``heading``: each type named in its first column (``a`` / ``b``) ->
    the top-level field names of its second column."""
    section = DOC.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: Dict[str, Set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) < 3:
            continue
        for name in re.findall(r"`([a-z_]+)`", cells[0]):
            rows[name] = top_level_names(cells[1])
    return rows


def top_level_names(cell: str) -> Set[str]:
    """The backticked names of ``cell`` outside any (...) or {...}."""
    previous = None
    while previous != cell:  # innermost groups first
        previous, cell = cell, re.sub(r"\([^()]*\)|\{[^{}]*\}", "", cell)
    return set(re.findall(r"`([a-z_]+)`", cell))


def test_every_client_message_and_its_fields_are_documented() -> None:
    documented = table("Client to server (text)")
    assert set(documented) == {kind.value for kind in p.ClientType}
    for kind, (required, optional) in p._FIELDS.items():
        assert documented[kind.value] == set(required) | set(optional), kind.value


SAMPLES: Dict[str, Callable[[], Dict[str, Any]]] = {
    "code": lambda: m.code_message("x = 1", None),
    "digit": lambda: m.digit_message(7, [0.1] * 10, [1, 2, 3, 4], 5),
    "frequency": lambda: m.frequency_message(29.9, 30.0, 29.0, 30.0, 1.0),
    "console": lambda: m.console_message([("stdout", "hi")]),
    "brain_error": lambda: m.brain_error_message("ZeroDivisionError", 3, "Traceback"),
    "model": lambda: m.model_message({"name": "default"}),
    "camera": lambda: m.camera_message({"spec": "demo", "state": "running", "message": "", "live": True}),
    "cameras": lambda: m.cameras_message([{"spec": "demo", "label": "demo"}]),
    "ack": lambda: m.ack_message(1),
    "error": lambda: m.error_message("protocol", "bad"),
    "pong": lambda: m.pong_message(1),
    "recording": lambda: m.recording_message(IDLE.to_dict()),
    "second_model": lambda: m.second_model_message({"name": "b.onnx"}),
    "input_explained": lambda: m.input_explained_message(7, 0.99, [[0.0] * 28] * 28),
    "comparison": lambda: m.comparison_message(3, 7, [{"model": "a", "digit": 7, "probabilities": None}]),
}


def test_every_server_message_and_its_fields_are_documented(server: Running) -> None:
    documented = table("Server to client (text)")
    assert set(documented) == {kind.value for kind in p.ServerType}
    with server.connect() as websocket:
        hello = json.loads(websocket.recv(timeout=10))
    built = {name: make() for name, make in SAMPLES.items()}
    built["hello"] = hello
    built["state"] = m.state_message(hello["state"])
    assert set(built) == set(documented)
    for name, message in built.items():
        assert message["type"] == name
        assert set(message) - ENVELOPE == documented[name], name
