"""Message helpers for the websocket tests: send a command, read until a message matches."""

from __future__ import annotations

import json
import struct
import time
from typing import Any, Callable, Dict, List, Tuple, Union

from websockets.sync.client import ClientConnection


def send(ws: ClientConnection, **fields: Any) -> None:
    ws.send(json.dumps({"v": 1, **fields}))


Message = Union[Dict[str, Any], bytes]


def receive_until(
    ws: ClientConnection, predicate: Callable[[Message], bool], timeout: float = 10.0
) -> Tuple[Message, List[Message]]:
    """Read messages (text decoded to dicts) until one matches; returns it and all seen."""
    seen: List[Message] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            kinds = [m["type"] if isinstance(m, dict) else f"binary kind {m[0]}" for m in seen[-20:]]
            raise AssertionError(f"no matching message within {timeout} s; last seen: {kinds}")
        raw = ws.recv(timeout=remaining)
        message: Message = raw if isinstance(raw, bytes) else json.loads(raw)
        seen.append(message)
        if predicate(message):
            return message, seen


def of_type(kind: str, **fields: Any) -> Callable[[Message], bool]:
    def match(message: Message) -> bool:
        return (
            isinstance(message, dict)
            and message.get("type") == kind
            and all(_get(message, k) == v for k, v in fields.items())
        )

    return match


def _get(message: Dict[str, Any], dotted: str) -> Any:
    value: Any = message
    for part in dotted.split("__"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def binary_of_kind(kind: int) -> Callable[[Message], bool]:
    return lambda message: isinstance(message, bytes) and message[0] == kind


def header(data: bytes) -> Tuple[int, int, int, int, float, float]:
    return struct.unpack(">BBHIdd", data[:24])


def receive_all(
    ws: ClientConnection, *predicates: Callable[[Message], bool], timeout: float = 20.0
) -> List[Message]:
    """Read until every predicate matched some message, in any order; returns the matches."""
    found: List[Any] = [None] * len(predicates)
    pending = set(range(len(predicates)))
    deadline = time.monotonic() + timeout

    def any_new(message: Message) -> bool:
        for index in sorted(pending):
            if predicates[index](message):
                found[index] = message
                pending.discard(index)
        return not pending

    while pending:
        receive_until(ws, any_new, timeout=max(0.01, deadline - time.monotonic()))
    return found


def raw_http(address: Tuple[str, int], head: str, chunks: List[bytes] = ()) -> int:  # type: ignore[assignment]
    """Send a hand-made request (``head`` without the blank line), then ``chunks`` as a
    chunked body; return the response status. The server may answer before the body is
    sent (that is the point: a 413 without reading it), so send errors are ignored."""
    import socket

    with socket.create_connection(address, timeout=30) as sock:
        try:
            sock.sendall(head.encode("latin-1") + b"\r\n\r\n")
            for chunk in chunks:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            if chunks:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        response = b""
        while b"\r\n" not in response:
            data = sock.recv(4096)
            if not data:
                break
            response += data
    return int(response.split(b" ", 2)[1])
