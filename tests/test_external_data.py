"""exercise.external_data: tensors an ONNX file keeps in other files, found in its wire format."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from exercise.external_data import WireError, external_tensors
from exercise.model import DEFAULT_MODEL_PATH
from tests.conftest import digit_graph


def external(name: str, location: str) -> TensorProto:
    tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=[10])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "40")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def model_reading(tensor: TensorProto, *, in_subgraph: bool = False) -> bytes:
    """A [1,1,28,28] -> [1,10] model that adds ``tensor`` to the input's sum; with
    ``in_subgraph``, the tensor sits in a Constant node inside an If branch."""
    shape = numpy_helper.from_array(np.array([1, 10], np.int64), "shape")
    nodes = [helper.make_node("ReduceSum", ["input"], ["sum"], keepdims=0)]
    initializers = [shape]
    if in_subgraph:
        branch = helper.make_graph(
            [helper.make_node("Constant", [], ["w"], value=tensor)],
            "branch",
            [],
            [helper.make_tensor_value_info("w", TensorProto.FLOAT, [10])],
        )
        condition = numpy_helper.from_array(np.array(True), "condition")
        initializers.append(condition)
        nodes.append(
            helper.make_node("If", ["condition"], [tensor.name], then_branch=branch, else_branch=branch)
        )
    else:
        initializers.append(tensor)
    nodes += [
        helper.make_node("Add", ["sum", tensor.name], ["added"]),
        helper.make_node("Reshape", ["added", "shape"], ["output"]),
    ]
    return digit_graph(nodes, initializers, "g")


def test_the_shipped_model_is_self_contained():
    assert external_tensors(DEFAULT_MODEL_PATH.read_bytes()) == []


def test_an_external_initializer_is_found_with_its_file():
    assert external_tensors(model_reading(external("w", "secret.bin"))) == [("w", "secret.bin")]


def test_an_external_tensor_inside_a_subgraph_is_found():
    found = external_tensors(model_reading(external("w", "../../etc/passwd"), in_subgraph=True))
    assert set(found) == {("w", "../../etc/passwd")}  # in both branches


def test_inline_tensors_are_not_external():
    inline = numpy_helper.from_array(np.zeros(10, np.float32), "w")
    assert external_tensors(model_reading(inline)) == []


@pytest.mark.parametrize("garbage", [b"\xff" * 12, b"\x0a\x7f" + b"x", b"\x0f"])
def test_bytes_that_are_not_protobuf_are_a_wire_error(garbage):
    with pytest.raises(WireError):
        external_tensors(garbage)
