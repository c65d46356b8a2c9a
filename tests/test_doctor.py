"""Tests for exercise.doctor and ``check``'s advice, on models built here from the bundled
default model: trained on inverted digits, fed 0-255, scaled the MNIST way without
declaring it, giving logits, and saved with an opset too new for onnxruntime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from exercise.doctor import diagnose
from exercise.mnist_sample import load_sample
from exercise.model import DEFAULT_MODEL_PATH, DigitModel, load_default_model


def default_with(
    first: Callable[[str, str], List[onnx.NodeProto]], constants: dict, last: bool = False
) -> bytes:
    """The default model with ``first(new_input, old_input)`` nodes put before it (or, with
    ``last``, nodes after its output): a model that expects its input another way."""
    model = onnx.load(str(DEFAULT_MODEL_PATH))
    graph = model.graph
    for name, value in constants.items():
        graph.initializer.append(numpy_helper.from_array(np.array(value, np.float32), name))
    if last:
        output = graph.output[0].name
        for node in graph.node:
            node.output[:] = ["raw" if o == output else o for o in node.output]
        graph.node.extend(first("raw", output))
    else:
        old = graph.input[0].name
        for node in graph.node:
            node.input[:] = ["inner" if i == old else i for i in node.input]
        for index, node in enumerate(first(old, "inner")):
            graph.node.insert(index, node)
    return model.SerializeToString()


def inverted() -> bytes:
    # Trained on dark digits on light paper: x -> 1 - x before the MNIST-trained layers.
    return default_with(lambda x, inner: [helper.make_node("Sub", ["one", x], [inner])], {"one": 1.0})


def raw_pixels() -> bytes:
    # Expects 0-255: divides by 255 inside.
    return default_with(lambda x, inner: [helper.make_node("Div", [x, "scale"], [inner])], {"scale": 255.0})


def mnist_scaled_undeclared() -> bytes:
    # Trained on (x - 0.1307) / 0.3081 but exported without saying so.
    return default_with(
        lambda x, inner: [
            helper.make_node("Mul", [x, "std"], ["t"]),
            helper.make_node("Add", ["t", "mean"], [inner]),
        ],
        {"std": 0.3081, "mean": 0.1307},
    )


def test_the_default_model_reads_the_sample_and_needs_no_advice() -> None:
    images, labels = load_sample()
    assert images.shape == (100, 28, 28) and sorted(np.bincount(labels).tolist()) == [10] * 10
    diagnosis = diagnose(load_default_model())
    assert diagnosis.read_right >= 99 and diagnosis.of == 100 and diagnosis.scaling == "unit"
    assert diagnosis.advice == []


def test_a_model_trained_on_inverted_digits_is_told_about_polarity() -> None:
    diagnosis = diagnose(DigitModel.load(inverted(), name="inverted.onnx"))
    assert diagnosis.read_right < 50 and diagnosis.by_convention["inverted"] >= 95
    (advice,) = diagnosis.advice
    assert "inverted digits" in advice and "1 - x" in advice


def test_a_model_that_wants_raw_pixels_is_told_to_divide_by_255() -> None:
    diagnosis = diagnose(DigitModel.load(raw_pixels(), name="raw.onnx"))
    assert diagnosis.by_convention["0-255"] >= 95
    (advice,) = diagnosis.advice
    assert "0-255" in advice and "x / 255" in advice


def test_logits_read_as_well_as_probabilities() -> None:
    logits = default_with(lambda raw, out: [helper.make_node("Log", [raw], [out])], {}, last=True)
    model = DigitModel.load(logits, name="logits.onnx")
    assert model.spec.output_kind.value != "probabilities"
    assert diagnose(model).read_right >= 99


def check(tmp_path: Path, data: bytes, name: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-m", "exercise", "check", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_check_json_gives_the_sample_and_the_advice(tmp_path: Path) -> None:
    answer = check(tmp_path, mnist_scaled_undeclared(), "undeclared.onnx")
    assert (
        answer["ok"] and answer["mnist_sample"]["of"] == 100 and answer["mnist_sample"]["scaling"] == "unit"
    )
    assert answer["mnist_sample"]["read_right"] < 95
    (advice,) = answer["advice"]
    assert "normalization = mnist" in advice
    healthy = check(tmp_path, DEFAULT_MODEL_PATH.read_bytes(), "default.onnx")
    assert healthy["mnist_sample"]["read_right"] >= 99 and healthy["advice"] == []


def test_an_opset_too_new_is_refused_with_the_export_to_change(tmp_path: Path) -> None:
    model = onnx.load(str(DEFAULT_MODEL_PATH))
    model.opset_import[0].version = 40
    answer = check(tmp_path, model.SerializeToString(), "future.onnx")
    assert answer["ok"] is False
    (advice,) = answer["advice"]
    assert "opset" in advice and "opset_version" in advice


@pytest.mark.parametrize("bad", [b"", b"not onnx"])
def test_a_broken_file_still_gets_one_sentence_of_advice(tmp_path: Path, bad: bytes) -> None:
    answer = check(tmp_path, bad, "broken.onnx")
    assert answer["ok"] is False and len(answer["advice"]) == 1 and answer["advice"][0]
