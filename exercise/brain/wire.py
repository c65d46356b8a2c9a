"""The bytes between the runner and its child: each message type to bytes and back, here only.

Child to runner, each report is ``>II`` (header length, payload length), a JSON object
whose ``t`` names its type, then the payload: the bytes of one uint8 array (an image) whose
``shape`` the header gives. Runner to child, each command is one JSON line whose ``cmd``
names its type. No pickle in either direction: the child runs the student's code, so what
it sends must not be able to run code in the server, and every field of a report is checked
for its type as it is decoded; a report that does not parse is a :class:`WireError`, and
the runner ends that child.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import struct
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from exercise.brain.budget import LoopTimes
from exercise.brain.events import (
    BrainFailed,
    ConsoleLine,
    ConsoleStream,
    DigitShown,
    FrequencyMeasured,
    ImageShown,
    InputShown,
)
from exercise.brain.messages import (
    Command,
    Finished,
    FrameReady,
    Pause,
    Paused,
    Report,
    Resume,
    SetFrequency,
    SetGuiRate,
    Start,
    Started,
    SwapModel,
)

_PREFIX = struct.Struct(">II")
#: One encoder for every message: ``json.dumps`` with options builds a new one per call,
#: and two reports go out every tick.
_JSON = json.JSONEncoder(separators=(",", ":"))
#: Limits the runner enforces on what a child sends.
MAX_HEADER = 1 << 20
MAX_PAYLOAD = 64 << 20

Header = Dict[str, Any]


class WireError(Exception):
    """The child sent bytes that are not a report of this format."""


# --- reports, child to runner -------------------------------------------------------------------

#: The fields of a FrequencyMeasured's budget (LoopTimes).
BUDGET_FIELDS = {field.name for field in dataclasses.fields(LoopTimes)}

#: The type names on the wire.
REPORT_TAGS: Dict[type, str] = {
    ConsoleLine: "console",
    DigitShown: "digit",
    InputShown: "input",
    ImageShown: "image",
    FrequencyMeasured: "freq",
    BrainFailed: "failed",
    Started: "started",
    Paused: "paused",
    Finished: "finished",
}
#: The one field of a report that travels as the payload.
ARRAY_FIELD = "image"


def encode_report(report: Report) -> bytes:
    """The bytes of one report."""
    header: Header = {"t": REPORT_TAGS[type(report)]}
    payload = b""
    for field in dataclasses.fields(report):
        value = getattr(report, field.name)
        if field.name == ARRAY_FIELD:
            array = np.ascontiguousarray(value, dtype=np.uint8)
            header["shape"] = list(array.shape)
            payload = array.tobytes()
        else:
            header[field.name] = value.value if isinstance(value, ConsoleStream) else value
    data = _JSON.encode(header).encode("utf-8")
    return _PREFIX.pack(len(data), len(payload)) + data + payload


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (a blocking pipe)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class MessageReader:
    """Reassembles reports from pipe chunks: feed bytes, get reports."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> List[Report]:
        """Every complete report in the data so far (of a type this runner knows).

        Raises:
            WireError: a header or payload over the limits, a header that is not JSON, or
                a report whose fields are not of their types.
        """
        self._buffer += chunk
        reports = []
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
            report = decode_report(header, payload)
            if report is not None:
                reports.append(report)
        return reports


def decode_report(header: bytes, payload: bytes) -> Optional[Report]:
    """The report in one message; None for a type a newer child knows and this runner not.

    Raises:
        WireError: not a report of this format.
    """
    try:
        fields = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"header is not JSON: {exc}") from None
    if not isinstance(fields, dict) or not isinstance(fields.get("t"), str):
        raise WireError("header is not an object with a type")
    decoder = _REPORT_DECODERS.get(fields["t"])
    if decoder is None:
        return None
    array = _payload_array(fields, payload)
    try:
        return decoder(fields, array)
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"a bad {fields['t']!r} report ({exc!r})") from None


def _payload_array(fields: Header, payload: bytes) -> Optional[np.ndarray]:
    if not payload:
        return None
    shape = fields.get("shape")
    if (
        not isinstance(shape, list)
        or not all(isinstance(n, int) and n > 0 for n in shape)
        or int(np.prod(shape)) != len(payload)
    ):
        raise WireError(f"payload of {len(payload)} bytes does not match shape {shape!r}")
    return np.frombuffer(payload, np.uint8).reshape(shape)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"expected a finite number, got {value!r}")
    return float(value)


def _budget(value: Any) -> Dict[str, float]:
    """A LoopTimes dict with exactly its fields, or {}."""
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {value!r}")
    if not value:
        return {}
    if set(value) != BUDGET_FIELDS:
        raise TypeError(f"expected the fields {sorted(BUDGET_FIELDS)}, got {sorted(value)}")
    return {name: _float(number) for name, number in value.items()}


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _image(
    array: Optional[np.ndarray], ndims: Tuple[int, ...], shape: Optional[Tuple[int, ...]] = None
) -> np.ndarray:
    if array is None or array.ndim not in ndims or (shape is not None and array.shape != shape):
        raise ValueError(
            f"expected an image of {shape or ndims}, got {None if array is None else array.shape}"
        )
    return array


def _digit(fields: Header, _: Optional[np.ndarray]) -> DigitShown:
    digit, probabilities, box = fields["digit"], fields["probabilities"], fields["box"]
    if box is not None and len(box) != 4:
        raise ValueError(f"a box is four numbers, got {box!r}")
    return DigitShown(
        None if digit is None else _int(digit),
        None if probabilities is None else [_float(p) for p in probabilities][:10],
        None if box is None else (_int(box[0]), _int(box[1]), _int(box[2]), _int(box[3])),
        _int(fields["frame_seq"]),
    )


def _failed(fields: Header, _: Optional[np.ndarray]) -> BrainFailed:
    line = fields["line"]
    return BrainFailed(
        _str(fields["message"]), None if line is None else _int(line), _str(fields["traceback"])
    )


_REPORT_DECODERS: Dict[str, Callable[[Header, Optional[np.ndarray]], Report]] = {
    "console": lambda f, _: ConsoleLine(ConsoleStream(f["stream"]), _str(f["text"])),
    "digit": _digit,
    "input": lambda f, a: InputShown(_image(a, (2,), (28, 28))),
    "image": lambda f, a: ImageShown(_image(a, (2, 3)), _int(f["frame_seq"]), _float(f["timestamp"])),
    "freq": lambda f, _: FrequencyMeasured(
        _float(f["measured_hz"]), _float(f["target_hz"]), _budget(f["budget"])
    ),
    "failed": _failed,
    "started": lambda f, _: Started(),
    "paused": lambda f, _: Paused(_int(f["number"])),
    "finished": lambda f, _: Finished(_str(f["reason"])),
}


# --- commands, runner to child ------------------------------------------------------------------

#: The fields of a FrequencyMeasured's budget (LoopTimes).
BUDGET_FIELDS = {field.name for field in dataclasses.fields(LoopTimes)}

#: The type names on the wire.
COMMAND_TAGS: Dict[type, str] = {
    Start: "start",
    Pause: "pause",
    Resume: "resume",
    SetFrequency: "frequency",
    SetGuiRate: "gui_rate",
    FrameReady: "frame",
    SwapModel: "model",
}
_COMMAND_TYPES = {tag: kind for kind, tag in COMMAND_TAGS.items()}


def encode_command(command: Command) -> bytes:
    """One runner-to-child command line."""
    fields = {"cmd": COMMAND_TAGS[type(command)], **dataclasses.asdict(command)}
    return _JSON.encode(fields).encode("utf-8") + b"\n"


def decode_command(line: bytes) -> Optional[Command]:
    """The command on one line, or None if it is not one (the runner's own output: trusted,
    so no field checks beyond what the dataclass takes)."""
    try:
        fields = json.loads(line)
        kind = _COMMAND_TYPES[fields.pop("cmd")]
        command: Command = kind(**fields)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return command
