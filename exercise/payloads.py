"""The JSON the exercise sends about itself, as types: one definition each for the
websocket's ``state``, ``camera`` and ``model`` messages, the REST API's answers and the
OpenAPI description, which :func:`json_schema` writes from these same classes."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Dict, List, Optional, Union


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """A checked model, as the page, ``check --json`` and ``HAL.getModel()`` show it."""

    name: str
    size_bytes: int
    sha256: str
    input_name: str
    input_shape: List[Union[int, str]]  # a symbolic batch dimension is a string
    output_name: str
    output_shape: List[Union[int, str]]
    output_kind: str  # probabilities, logits or log_probabilities
    normalization: str  # unit, mnist or symmetric
    latency_ms: float
    default: bool  # the bundled model


@dataclasses.dataclass(frozen=True)
class CameraStatus:
    spec: str
    state: str  # starting, running, failed, stopped
    message: str
    live: bool  # frames are coming in now


@dataclasses.dataclass(frozen=True)
class BrainStatus:
    state: str  # stopped, running, pausing, paused
    target_hz: float
    measured_hz: float


@dataclasses.dataclass(frozen=True)
class GuiStatus:
    target_fps: float
    measured_fps: float


@dataclasses.dataclass(frozen=True)
class State:
    """The websocket's ``state`` message (and ``hello.state``)."""

    brain: BrainStatus
    gui: GuiStatus
    camera: CameraStatus
    model: ModelInfo


@dataclasses.dataclass(frozen=True)
class Health:
    """``GET /api/health``."""

    status: str
    version: str
    camera: CameraStatus
    brain: BrainStatus
    model: ModelInfo


@dataclasses.dataclass(frozen=True)
class DigitAnswer:
    """``POST /api/digit``: the most prominent digit, with its probabilities as the websocket's
    ``digit`` message gives them (``percentages`` is the same, times 100, for older pages)."""

    prediction: Optional[int]
    probabilities: Optional[List[float]]
    percentages: Optional[List[float]]
    box: Optional[List[int]]  # x, y, width, height


@dataclasses.dataclass(frozen=True)
class SavedExamples:
    """``/api/examples``: the student's saved examples (see exercise.examples), in order."""

    folder: str
    total: int
    counts: List[int]  # per digit 0-9
    labels: List[int]  # per example
    pixels: str  # base64 of total x 784 grey bytes, 28x28 white digit on black, per example


def to_json(payload: Any) -> Dict[str, Any]:
    """A payload as plain JSON values."""
    return dataclasses.asdict(payload)


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def json_schema(kind: Any) -> Dict[str, Any]:
    """The OpenAPI 3.0 schema of a payload class (or of one of its field types)."""
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        names = [field.name for field in dataclasses.fields(kind)]
        schema: Dict[str, Any] = {
            "type": "object",
            "properties": {name: json_schema(hints[name]) for name in names},
            "required": names,
        }
        if kind.__doc__ and not kind.__doc__.startswith(f"{kind.__name__}("):
            schema["description"] = " ".join(kind.__doc__.split())
        return schema
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin is Union and type(None) in arguments:
        rest = [argument for argument in arguments if argument is not type(None)]
        inner = json_schema(rest[0]) if len(rest) == 1 else {}
        return {**inner, "nullable": True}
    if origin is Union:
        # Sorted: typing may hand back Union[int, str] as Union[str, int], as it first saw it.
        options = [json_schema(argument) for argument in arguments]
        return {"oneOf": sorted(options, key=lambda option: str(option.get("type")))}
    if origin in (list, List):
        return {"type": "array", "items": json_schema(arguments[0])}
    return {"type": _JSON_TYPES[kind]}
