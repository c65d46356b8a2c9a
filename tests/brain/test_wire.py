"""The child-to-parent message format: no pickle, and garbage is refused."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from exercise.brain.wire import MAX_PAYLOAD, MessageReader, WireError, encode


def test_messages_survive_any_chunking() -> None:
    image = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    data = encode({"t": "console", "lines": [["stdout", "hi"]]})
    data += encode({"t": "image", "frame_seq": 3}, image)
    reader = MessageReader()
    messages = []
    for i in range(len(data)):
        messages += reader.feed(data[i : i + 1])
    assert messages[0] == ({"t": "console", "lines": [["stdout", "hi"]]}, None)
    header, array = messages[1]
    assert header["t"] == "image" and header["frame_seq"] == 3
    assert array is not None and np.array_equal(array, image)


@pytest.mark.parametrize(
    "data",
    [
        struct.pack(">II", 5, 0) + b"nope!",
        struct.pack(">II", 2, 0) + b"[]",
        struct.pack(">II", 10, 0) + b'{"x": "y"}',
        struct.pack(">II", 10, 0 + MAX_PAYLOAD + 1),
        struct.pack(">II", 20, 3) + b'{"t": "image", "shape": [2, 2]}'[:20] + b"abc",
    ],
)
def test_garbage_is_a_wire_error(data: bytes) -> None:
    with pytest.raises(WireError):
        MessageReader().feed(data)


def test_a_pickle_is_not_unpickled() -> None:
    import pickle

    data = pickle.dumps({"t": "console"})
    with pytest.raises(WireError):
        MessageReader().feed(struct.pack(">II", len(data), 0) + data)
