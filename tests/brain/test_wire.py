"""The messages between runner and child: typed values to bytes and back; no pickle, and
garbage (also a report whose fields are not of their types) is refused."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from exercise.brain.events import BrainFailed, ConsoleLine, ConsoleStream, DigitShown, ImageShown
from exercise.brain.messages import Pause, Paused, SetFrequency, Start, SwapModel
from exercise.brain.wire import (
    MAX_PAYLOAD,
    MessageReader,
    WireError,
    decode_command,
    encode_command,
    encode_report,
)


def test_messages_survive_any_chunking() -> None:
    image = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    data = encode_report(ConsoleLine(ConsoleStream.STDOUT, "hi"))
    data += encode_report(ImageShown(image, 3, 1.5))
    reader = MessageReader()
    messages = []
    for i in range(len(data)):
        messages += reader.feed(data[i : i + 1])
    assert messages[0] == ConsoleLine(ConsoleStream.STDOUT, "hi")
    shown = messages[1]
    assert isinstance(shown, ImageShown) and shown.frame_seq == 3 and shown.timestamp == 1.5
    assert np.array_equal(shown.image, image)


@pytest.mark.parametrize(
    "report",
    [
        DigitShown(7, [0.1] * 10, (1, 2, 3, 4), 9),
        DigitShown(None, None, None, 0),
        BrainFailed("ZeroDivisionError: division by zero", 3, "Traceback ..."),
        Paused(4),
    ],
)
def test_each_report_comes_back_as_it_went(report: object) -> None:
    assert MessageReader().feed(encode_report(report)) == [report]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "command",
    [
        Start("print(1)", "brain.py", 30.0, 30.0, None, None, 1024, 5, 1 << 20, False),
        Pause(2),
        SetFrequency(12.5),
        SwapModel("/tmp/m.onnx", "mine.onnx"),
    ],
)
def test_each_command_comes_back_as_it_went(command: object) -> None:
    assert decode_command(encode_command(command)) == command  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "header",
    [
        b'{"t": "digit", "digit": "seven", "probabilities": null, "box": null, "frame_seq": 0}',
        b'{"t": "digit", "digit": 7, "probabilities": null, "box": [1, 2], "frame_seq": 0}',
        b'{"t": "freq", "measured_hz": NaN, "target_hz": 30}',
        b'{"t": "paused"}',
        b'{"t": "input"}',
    ],
)
def test_a_report_with_fields_of_the_wrong_type_is_a_wire_error(header: bytes) -> None:
    with pytest.raises(WireError):
        MessageReader().feed(struct.pack(">II", len(header), 0) + header)


def test_a_report_of_a_type_a_newer_child_knows_is_skipped() -> None:
    header = b'{"t": "from_the_future"}'
    assert MessageReader().feed(struct.pack(">II", len(header), 0) + header) == []


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
