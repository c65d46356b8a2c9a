"""The byte format between the runner and its child: JSON headers plus raw array bytes.

Child to parent, each message is ``>II`` (header length, payload length), a JSON object,
then the payload (the bytes of one uint8 array whose ``shape`` the header gives). Parent to
child, each command is one JSON line. No pickle in either direction: the child runs the
student's code, so whatever it sends must not be able to run code in the server; a message
that does not parse is a :class:`WireError` and the runner ends that child.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

_PREFIX = struct.Struct(">II")
#: Limits the parent enforces on what a child sends.
MAX_HEADER = 1 << 20
MAX_PAYLOAD = 64 << 20

Message = Dict[str, Any]


class WireError(Exception):
    """The child sent bytes that are not a message of this format."""


def encode(message: Message, array: Optional[np.ndarray] = None) -> bytes:
    """The bytes of one child-to-parent message, with ``array`` (uint8) as its payload."""
    if array is not None:
        array = np.ascontiguousarray(array, dtype=np.uint8)
        message = dict(message, shape=list(array.shape))
        payload = array.tobytes()
    else:
        payload = b""
    header = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return _PREFIX.pack(len(header), len(payload)) + header + payload


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (a blocking pipe)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class MessageReader:
    """Reassembles child-to-parent messages from pipe chunks: feed bytes, get messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> List[Tuple[Message, Optional[np.ndarray]]]:
        """Every complete message in the data so far, with its payload array (or None).

        Raises:
            WireError: a header or payload over the limits, or a header that is not JSON.
        """
        self._buffer += chunk
        messages = []
        while len(self._buffer) >= _PREFIX.size:
            header_len, payload_len = _PREFIX.unpack_from(self._buffer)
            if header_len > MAX_HEADER or payload_len > MAX_PAYLOAD:
                raise WireError(f"message of {header_len}+{payload_len} bytes is over the limit")
            end = _PREFIX.size + header_len + payload_len
            if len(self._buffer) < end:
                break
            header = bytes(self._buffer[_PREFIX.size : _PREFIX.size + header_len])
            payload = bytes(self._buffer[_PREFIX.size + header_len : end])
            del self._buffer[:end]
            messages.append(_decode(header, payload))
        return messages


def _decode(header: bytes, payload: bytes) -> Tuple[Message, Optional[np.ndarray]]:
    try:
        message = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"header is not JSON: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise WireError("header is not an object with a type")
    if not payload:
        return message, None
    shape = message.get("shape")
    if (
        not isinstance(shape, list)
        or not all(isinstance(n, int) and n > 0 for n in shape)
        or int(np.prod(shape)) != len(payload)
    ):
        raise WireError(f"payload of {len(payload)} bytes does not match shape {shape!r}")
    return message, np.frombuffer(payload, np.uint8).reshape(shape)


def encode_command(command: Message) -> bytes:
    """One parent-to-child command line."""
    return json.dumps(command, separators=(",", ":")).encode("utf-8") + b"\n"
