"""The server's websocket messages of docs/protocol.md, as the JSON objects to send.

One function per message type; :func:`encode` makes the text. No I/O, like
:mod:`exercise.server.protocol`, whose names (types, version, ids) they use.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from exercise.exceptions import ExerciseError
from exercise.server.protocol import PROTOCOL_VERSION, MessageError, MessageId, ServerType


def _message(message_type: ServerType, **fields: Any) -> Dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "type": message_type.value, **fields}


#: One encoder for every message (``json.dumps`` with options builds one per call, and a
#: digit goes out every tick).
_JSON = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def encode(message: Dict[str, Any]) -> str:
    """A server message as the JSON text to send (compact, no NaN)."""
    return _JSON.encode(message)


def hello_message(
    server: str,
    state: Dict[str, Any],
    code: str,
    client: str,
    notices: Sequence[str],
    limits: Mapping[str, Any],
) -> Dict[str, Any]:
    """``client`` is this connection's id, as later ``code`` messages name it in ``origin``;
    ``notices`` say what the server could not restore from its state directory; ``limits``
    are :func:`exercise.limits.as_message`, for the page's fields."""
    return _message(
        ServerType.HELLO,
        server=server,
        state=state,
        code=code,
        client=client,
        notices=list(notices),
        limits=dict(limits),
    )


def state_message(state: Dict[str, Any]) -> Dict[str, Any]:
    return _message(ServerType.STATE, **state)


def code_message(code: str, origin: Optional[str]) -> Dict[str, Any]:
    return _message(ServerType.CODE, code=code, origin=origin)


def digit_message(
    digit: Optional[int],
    probabilities: Optional[Sequence[float]],
    box: Optional[Sequence[int]],
    seq: int,
    label: Optional[int] = None,
) -> Dict[str, Any]:
    """``label``: the digit a test reel says frame ``seq`` holds (-1: none), None when the
    camera knows no labels."""
    return _message(
        ServerType.DIGIT,
        digit=digit,
        probabilities=None if probabilities is None else [_finite(p) for p in probabilities],
        box=None if box is None else [int(v) for v in box],
        seq=seq,
        label=label,
    )


def recording_message(status: Dict[str, Any]) -> Dict[str, Any]:
    return _message(ServerType.RECORDING, **status)


def input_explained_message(
    digit: int, probability: float, importance: Sequence[Sequence[float]]
) -> Dict[str, Any]:
    """``importance``: 28 rows of 28 values in 0..1, sent as whole percentages."""
    return _message(
        ServerType.INPUT_EXPLAINED,
        digit=digit,
        probability=round(_finite(probability), 4),
        importance=[[int(round(100 * _finite(v))) for v in row] for row in importance],
    )


def second_model_message(spec: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    return _message(ServerType.SECOND_MODEL, spec=spec)


def comparison_message(seq: int, label: Optional[int], readings: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    return _message(ServerType.COMPARISON, seq=seq, label=label, readings=list(readings))


def _finite(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


def frequency_message(
    brain_measured: float,
    brain_target: float,
    gui_measured: float,
    gui_target: float,
    rtf: float,
    budget: Optional[Dict[str, float]] = None,
    why: str = "",
) -> Dict[str, Any]:
    """``budget``: where the brain's loops went (LoopTimes as a dict, None when stopped);
    ``why``: the sentence explaining a rate below the target, "" when it is not."""
    return _message(
        ServerType.FREQUENCY,
        brain={"measured": round(_finite(brain_measured), 2), "target": _finite(brain_target)},
        gui={"measured": round(_finite(gui_measured), 2), "target": _finite(gui_target)},
        rtf=round(_finite(rtf), 3),
        budget=budget or None,
        why=why,
    )


def console_message(lines: List[Tuple[str, str]]) -> Dict[str, Any]:
    """``lines``: (stream, text) pairs in the order printed."""
    return _message(ServerType.CONSOLE, lines=[{"stream": s, "text": t} for s, t in lines])


def brain_error_message(message: str, line: Optional[int], traceback: str) -> Dict[str, Any]:
    return _message(ServerType.BRAIN_ERROR, message=message, line=line, traceback=traceback)


def model_message(spec: Dict[str, Any]) -> Dict[str, Any]:
    return _message(ServerType.MODEL, ok=True, spec=spec)


def camera_message(camera: Dict[str, Any]) -> Dict[str, Any]:
    """``camera``: {spec, state, message, live}."""
    return _message(ServerType.CAMERA, **camera)


def cameras_message(sources: List[Dict[str, str]]) -> Dict[str, Any]:
    return _message(ServerType.CAMERAS, sources=sources)


def ack_message(message_id: MessageId) -> Dict[str, Any]:
    return _message(ServerType.ACK, id=message_id)


def pong_message(message_id: MessageId = None) -> Dict[str, Any]:
    return _message(ServerType.PONG, id=message_id)


def error_message(
    code: str, message: str, *, line: Optional[int] = None, id: MessageId = None
) -> Dict[str, Any]:
    return _message(ServerType.ERROR, code=code, message=message, line=line, id=id)


def error_from_exception(exc: ExerciseError, message_id: MessageId = None) -> Dict[str, Any]:
    """The one place an :class:`ExerciseError` becomes an ``error`` message."""
    if isinstance(exc, MessageError):
        return error_message(exc.code, exc.message, id=message_id if message_id is not None else exc.id)
    line = getattr(exc, "line", None)
    if not isinstance(line, int):
        return error_message(exc.code, str(exc), id=message_id)
    # The line travels in its own field; the message does not repeat it.
    return error_message(exc.code, str(getattr(exc, "message", exc)), line=line, id=message_id)
