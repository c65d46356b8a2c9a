"""The websocket protocol of docs/protocol.md, without any I/O.

The hub hands every incoming message to :func:`parse_text` or :func:`parse_binary` and gets
back a typed command (or a :class:`MessageError` that already says what to answer); it
builds every outgoing message with the ``*_message`` functions of
:mod:`exercise.server.server_messages` and with :func:`pack_binary`.
Nothing here touches a socket, a thread or a clock other than the one passed in, so the
tests can check every rule with plain function calls, like the ``websockets`` library tests
its own sans-I/O protocol.
"""

from __future__ import annotations

import enum
import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple, Union

from exercise.exceptions import ProtocolError
from exercise.limits import MAX_CODE_BYTES, MAX_GUI_FPS, MAX_HZ, MIN_GUI_FPS, MIN_HZ
from exercise.reels import NO_DIGIT

PROTOCOL_VERSION = 1

#: Limits of docs/protocol.md ("Limits").
MAX_TEXT_BYTES = 1024 * 1024
MAX_BINARY_BYTES = 4 * 1024 * 1024
#: Past this size the websocket layer itself closes the connection (1009).
MAX_FRAME_BYTES = 16 * 1024 * 1024
MAX_SPEC_CHARS = 1024

#: ``>BBHIdd``: kind, flags, header_length, seq, captured, sent.
HEADER = struct.Struct(">BBHIdd")
HEADER_LENGTH = HEADER.size  # 24

#: Flags bit 0: the image came from the brain's GUI.showImage.
FLAG_FROM_BRAIN = 0x01

#: Side of the model input image (kind 3): 28x28 grey bytes.
INPUT_SIDE = 28


class ClientType(str, enum.Enum):
    """Text messages a client may send."""

    PLAY = "play"
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"
    RESET = "reset"
    SAVE_CODE = "save_code"
    SET_FREQUENCY = "set_frequency"
    SET_GUI_RATE = "set_gui_rate"
    SET_CAMERA = "set_camera"
    USE_DEFAULT_MODEL = "use_default_model"
    LIST_CAMERAS = "list_cameras"
    RECORD = "record"
    RECORD_LABEL = "record_label"
    RECORD_STOP = "record_stop"
    EXPLAIN_INPUT = "explain_input"
    PING = "ping"


class ServerType(str, enum.Enum):
    """Text messages the server sends."""

    HELLO = "hello"
    STATE = "state"
    CODE = "code"
    DIGIT = "digit"
    FREQUENCY = "frequency"
    CONSOLE = "console"
    BRAIN_ERROR = "brain_error"
    MODEL = "model"
    CAMERA = "camera"
    CAMERAS = "cameras"
    RECORDING = "recording"
    SECOND_MODEL = "second_model"
    COMPARISON = "comparison"
    INPUT_EXPLAINED = "input_explained"
    ACK = "ack"
    ERROR = "error"
    PONG = "pong"


class BinaryKind(enum.IntEnum):
    CAMERA_VIEW = 1  # server -> client, JPEG
    BROWSER_FRAME = 2  # client -> server, JPEG
    MODEL_INPUT = 3  # server -> client, 784 grey bytes


MessageId = Union[str, int, None]


class MessageError(ProtocolError):
    """An incoming message that cannot be obeyed;
    :func:`exercise.server.server_messages.error_from_exception` makes the answer to send.

    ``code`` is the protocol's error code (``protocol`` or ``too_large``); ``id`` echoes the
    command's ``id`` when the message got far enough to have one.
    """

    def __init__(self, message: str, *, code: str = "protocol", id: MessageId = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.id = id

    def __str__(self) -> str:
        return self.message


# -- commands (client -> server) ------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A valid client command. ``id`` is the client's optional id, echoed in ack/error."""

    type: ClientType
    id: MessageId = None
    #: ``play``/``save_code``: the code; ``None`` for ``play`` without code.
    code: Optional[str] = None
    #: ``set_frequency``: Hz; ``set_gui_rate``: frames per second.
    value: Optional[float] = None
    #: ``set_camera``: the camera spec.
    spec: Optional[str] = None
    #: ``record``/``record_label``: the label, 0-9 or -1 for no digit.
    label: Optional[int] = None


@dataclass(frozen=True)
class BinaryMessage:
    """A binary message split into its header fields and payload."""

    kind: int
    flags: int
    seq: int
    captured: float
    sent: float
    payload: bytes = field(repr=False)


#: type -> (required fields, optional fields); each field -> validator name.
_FIELDS: Dict[ClientType, Tuple[Dict[str, str], Dict[str, str]]] = {
    ClientType.PLAY: ({}, {"code": "code"}),
    ClientType.STOP: ({}, {}),
    ClientType.PAUSE: ({}, {}),
    ClientType.RESUME: ({}, {}),
    ClientType.RESET: ({}, {}),
    ClientType.SAVE_CODE: ({"code": "code"}, {}),
    ClientType.SET_FREQUENCY: ({"hz": "frequency"}, {}),
    ClientType.SET_GUI_RATE: ({"fps": "gui_rate"}, {}),
    ClientType.SET_CAMERA: ({"spec": "spec"}, {}),
    ClientType.USE_DEFAULT_MODEL: ({}, {}),
    ClientType.LIST_CAMERAS: ({}, {}),
    ClientType.RECORD: ({}, {"label": "label"}),
    ClientType.RECORD_LABEL: ({"label": "label"}, {}),
    ClientType.RECORD_STOP: ({}, {}),
    ClientType.EXPLAIN_INPUT: ({}, {}),
    ClientType.PING: ({}, {}),
}
_ENVELOPE = {"v", "type", "id"}


def parse_text(text: Union[str, bytes]) -> Command:
    """Validate one text message against docs/protocol.md and return the command it is.

    Raises:
        MessageError: anything the spec does not allow; send ``error_from_exception(exc)`` back and
            keep the connection up.
    """
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > MAX_TEXT_BYTES:
        raise MessageError(
            f"text message of {size} bytes is over the {MAX_TEXT_BYTES} byte limit", code="too_large"
        )
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MessageError(f"not JSON: {exc}") from None
    except RecursionError:
        raise MessageError("not a command: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise MessageError(f"a message must be a JSON object, not {_json_kind(data)}")
    message_id = data.get("id")
    if message_id is not None and (
        isinstance(message_id, bool) or not isinstance(message_id, (str, int)) or _too_long(message_id)
    ):
        raise MessageError("'id' must be a string (at most 128 characters) or an integer")
    version = data.get("v")
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise MessageError(
            f'protocol version {version!r} is not supported; this server speaks "v": {PROTOCOL_VERSION}',
            id=message_id,
        )
    type_name = data.get("type")
    if not isinstance(type_name, str):
        raise MessageError("a message needs a string 'type'", id=message_id)
    try:
        message_type = ClientType(type_name)
    except ValueError:
        raise MessageError(f"unknown message type {type_name!r}", id=message_id) from None
    required, optional = _FIELDS[message_type]
    unknown = sorted(set(data) - _ENVELOPE - set(required) - set(optional))
    if unknown:
        raise MessageError(f"'{type_name}' has unknown field(s): {', '.join(unknown)}", id=message_id)
    values: Dict[str, Any] = {}
    for name, rule in list(required.items()) + list(optional.items()):
        if name not in data or (name in optional and data[name] is None):
            if name in required:
                raise MessageError(f"'{type_name}' needs the field '{name}'", id=message_id)
            continue
        values[rule] = _check_field(type_name, name, rule, data[name], message_id)
    return Command(
        type=message_type,
        id=message_id,
        code=values.get("code"),
        value=values.get("frequency", values.get("gui_rate")),
        spec=values.get("spec"),
        label=values.get("label"),
    )


def _too_long(message_id: Union[str, int]) -> bool:
    if isinstance(message_id, str):
        return len(message_id) > 128
    return abs(message_id) >= 2**53  # beyond what a browser's number keeps exactly


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _check_field(type_name: str, name: str, rule: str, value: Any, message_id: MessageId) -> Any:
    where = f"'{type_name}' field '{name}'"
    if rule == "code":
        if not isinstance(value, str):
            raise MessageError(f"{where} must be a string, not {_json_kind(value)}", id=message_id)
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError as exc:
            line = value.count("\n", 0, exc.start) + 1
            raise MessageError(
                f"{where} has a lone surrogate ({value[exc.start]!a}) on line {line}: it is not text "
                "that can be saved or run; delete that character",
                id=message_id,
            ) from None
        if size > MAX_CODE_BYTES:
            raise MessageError(
                f"{where} is {size} bytes, over the {MAX_CODE_BYTES} byte limit for brain code",
                code="too_large",
                id=message_id,
            )
        return value
    if rule == "spec":
        if not isinstance(value, str) or not value.strip():
            raise MessageError(f"{where} must be a non-empty string", id=message_id)
        if len(value) > MAX_SPEC_CHARS:
            raise MessageError(f"{where} is over {MAX_SPEC_CHARS} characters", id=message_id)
        return value.strip()
    if rule == "label":
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (value == NO_DIGIT or 0 <= value <= 9)
        ):
            raise MessageError(
                f"{where} must be a digit 0-9, or {NO_DIGIT} for no digit, got {value!r}", id=message_id
            )
        return value
    low, high = (MIN_HZ, MAX_HZ) if rule == "frequency" else (MIN_GUI_FPS, MAX_GUI_FPS)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MessageError(f"{where} must be a number, not {_json_kind(value)}", id=message_id)
    if not math.isfinite(value) or not low <= value <= high:
        raise MessageError(f"{where} must be between {low:g} and {high:g}, got {value!r}", id=message_id)
    return float(value)


# -- binary -------------------------------------------------------------------------------


def pack_binary(
    kind: int, payload: bytes, *, seq: int = 0, captured: float = 0.0, sent: float = 0.0, flags: int = 0
) -> bytes:
    """Header + payload, ready to send as one binary websocket message."""
    return pack_header(kind, seq=seq, captured=captured, sent=sent, flags=flags) + payload


def pack_header(
    kind: int, *, seq: int = 0, captured: float = 0.0, sent: float = 0.0, flags: int = 0
) -> bytes:
    """The 24-byte header alone (the hub prepends it per client, the payload is shared)."""
    return HEADER.pack(kind, flags, HEADER_LENGTH, seq & 0xFFFFFFFF, captured, sent)


def unpack_binary(data: bytes) -> BinaryMessage:
    """Split a binary message; later versions' longer headers are skipped, not misread.

    Raises:
        MessageError: shorter than a header, or a header length that does not fit.
    """
    if len(data) < HEADER_LENGTH:
        raise MessageError(
            f"binary message of {len(data)} bytes is shorter than the {HEADER_LENGTH}-byte header"
        )
    kind, flags, header_length, seq, captured, sent = HEADER.unpack_from(data)
    if header_length < HEADER_LENGTH or header_length > len(data):
        raise MessageError(f"binary header_length {header_length} does not fit a {len(data)}-byte message")
    return BinaryMessage(kind, flags, seq, captured, sent, bytes(data[header_length:]))


def parse_binary(data: bytes) -> BinaryMessage:
    """Validate a binary message from a client: only kind 2 (browser camera frame, JPEG).

    Raises:
        MessageError: over the size limit, malformed header, another kind, not a JPEG.
    """
    if len(data) > MAX_BINARY_BYTES:
        raise MessageError(
            f"binary message of {len(data)} bytes is over the {MAX_BINARY_BYTES} byte limit", code="too_large"
        )
    if data[:1] in (b"{", b"["):
        raise MessageError("commands are JSON in text frames; binary frames carry only camera images")
    message = unpack_binary(data)
    if message.kind != BinaryKind.BROWSER_FRAME:
        raise MessageError(
            f"binary kind {message.kind} cannot be sent to the server; only kind 2 (browser camera frame)"
        )
    if not message.payload.startswith(b"\xff\xd8"):
        raise MessageError("a browser camera frame must be a JPEG image")
    if not math.isfinite(message.captured):
        raise MessageError("binary header field 'captured' must be a finite time")
    return message
