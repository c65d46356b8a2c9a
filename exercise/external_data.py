"""Find the tensors an ONNX file keeps in other files, by reading its protobuf wire format.

An uploaded model is loaded from bytes, and onnxruntime then looks for external tensor data
relative to the server's working directory: a model naming ``location="secret.bin"`` would
read that file's bytes as weights. Uploads must be self-contained, so they are refused
before onnxruntime sees them. The runtime has no ``onnx`` package, hence this small reader:
it walks only the messages that can hold a tensor (onnx/onnx.proto3 field numbers below).
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple, Union

#: Where tensors sit, per message: {field number: kind of the message found there}.
TENSOR_PATHS: Dict[str, Dict[int, str]] = {
    "model": {7: "graph", 25: "function"},
    "function": {7: "node"},
    "graph": {1: "node", 5: "tensor", 15: "sparse"},
    "node": {5: "attribute"},
    "attribute": {5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse", 23: "sparse"},
    "sparse": {1: "tensor", 2: "tensor"},
}
#: TensorProto fields: name, external_data (key/value pairs), data_location (1 = EXTERNAL).
TENSOR_NAME, TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 8, 13, 14
EXTERNAL = 1
#: Nesting deeper than this (subgraphs in subgraphs) is not a model anyone exported.
MAX_DEPTH = 64

Field = Tuple[int, int, Union[int, bytes]]  # number, wire type, value


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def _varint(data: bytes, at: int) -> Tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise WireError("truncated or overlong varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def fields(data: bytes) -> Iterator[Field]:
    """Every (field number, wire type, value) of one message, in order."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
            yield number, wire, value
        elif wire == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise WireError("a length runs past the end")
            yield number, wire, data[at : at + length]
            at += length
        elif wire in (1, 5):
            at += 8 if wire == 1 else 4
        else:
            raise WireError(f"wire type {wire} is not used by ONNX")
    if at != len(data):
        raise WireError("a fixed-width field runs past the end")


def _tensor_location(tensor: bytes) -> Optional[Tuple[str, str]]:
    """(tensor name, file) when the tensor's data lives outside the model, else None."""
    name, location, external = "", "", False
    for number, wire, value in fields(tensor):
        if number == TENSOR_NAME and isinstance(value, bytes):
            name = value.decode("utf-8", "replace")
        elif number == TENSOR_DATA_LOCATION and wire == 0:
            external = external or value == EXTERNAL
        elif number == TENSOR_EXTERNAL_DATA and isinstance(value, bytes):
            external = True
            pair = {n: v.decode("utf-8", "replace") for n, _, v in fields(value) if isinstance(v, bytes)}
            if pair.get(1) == "location":
                location = pair.get(2, "")
    return (name, location) if external else None


def external_tensors(model: bytes) -> List[Tuple[str, str]]:
    """(tensor name, file it names) of every tensor of ``model`` stored outside it.

    Raises:
        WireError: ``model`` is not a well-formed protobuf message.
    """
    found: List[Tuple[str, str]] = []
    stack: List[Tuple[str, bytes, int]] = [("model", model, 0)]
    while stack:
        kind, data, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise WireError(f"messages nested over {MAX_DEPTH} deep")
        if kind == "tensor":
            location = _tensor_location(data)
            if location is not None:
                found.append(location)
            continue
        inside = TENSOR_PATHS[kind]
        for number, _, value in fields(data):
            if isinstance(value, bytes) and number in inside:
                stack.append((inside[number], value, depth + 1))
    return found
