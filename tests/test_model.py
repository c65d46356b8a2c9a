"""exercise.model: real onnxruntime on small ONNX models built in conftest."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import onnx
import pytest

from exercise.exceptions import (
    ModelError,
    ModelFormatError,
    ModelOutputError,
    ModelShapeError,
    ModelTooLargeError,
)
from exercise.model import DEFAULT_MODEL_PATH, DigitModel, ModelSpec, OutputKind, load_default_model
from exercise.preprocess import Scaling
from tests.test_external_data import external, model_reading


def _batch(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 1, 28, 28), dtype=np.float32)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        ("logits", OutputKind.LOGITS),
        ("softmax", OutputKind.PROBABILITIES),
        ("log_softmax", OutputKind.LOG_PROBABILITIES),
    ],
)
def test_every_output_kind_gives_probabilities(onnx_model_bytes, head, kind):
    model = DigitModel.load(onnx_model_bytes(head=head))
    assert model.spec.output_kind is kind
    probabilities = model.predict(_batch(1))
    assert probabilities.shape == (10,)
    assert np.all(probabilities >= 0)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-6)


def test_heads_agree_on_the_same_weights(onnx_model_bytes):
    batch = _batch(5)
    heads = ("logits", "softmax", "log_softmax")
    results = [DigitModel.load(onnx_model_bytes(head=h)).predict(batch) for h in heads]
    np.testing.assert_allclose(results[0], results[1], atol=1e-5)
    np.testing.assert_allclose(results[0], results[2], atol=1e-5)


def test_logits_become_softmax_of_the_raw_scores(onnx_model_bytes):
    weights = np.random.default_rng(3).normal(0, 0.05, (784, 10))
    bias = np.arange(10, dtype=np.float64) / 10
    model = DigitModel.load(onnx_model_bytes(weights=weights, bias=bias))
    x = _batch(1)
    scores = x.reshape(1, 784).astype(np.float64) @ weights + bias
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose(model.predict(x), expected[0], atol=1e-5)


@pytest.mark.parametrize("batch_dim", ["N", 1])
def test_batches_give_one_row_per_image(onnx_model_bytes, batch_dim):
    model = DigitModel.load(onnx_model_bytes(input_shape=(batch_dim, 1, 28, 28)))
    batch = _batch(6)
    probabilities = model.predict(batch)
    assert probabilities.shape == (6, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(probabilities[2], model.predict(batch[2:3]), atol=1e-6)
    assert model.predict(batch[:0]).shape == (0, 10)


def test_symbolic_batch_is_reported_as_its_name(onnx_model_bytes):
    spec = DigitModel.load(onnx_model_bytes(input_shape=("batch", 1, 28, 28))).spec
    assert spec.input_shape == ("batch", 1, 28, 28)
    assert spec.output_shape == ("batch", 10)


def test_rank_one_output_is_accepted(onnx_model_bytes):
    model = DigitModel.load(onnx_model_bytes(input_shape=(1, 1, 28, 28), output_shape=(10,)))
    assert model.spec.output_shape == (10,)
    assert model.predict(_batch(1)).shape == (10,)
    assert model.predict(_batch(3)).shape == (3, 10)


def test_spec_describes_the_file(logits_model_path):
    model = DigitModel.load(logits_model_path)
    spec = model.spec
    data = logits_model_path.read_bytes()
    assert spec.name == "logits.onnx"
    assert spec.size_bytes == len(data)
    assert spec.sha256 == hashlib.sha256(data).hexdigest()
    assert (spec.input_name, spec.output_name) == ("input", "output")
    assert spec.normalization is Scaling.UNIT
    assert spec.latency_ms > 0
    assert spec.default is False
    as_json = json.loads(json.dumps(spec.to_dict()))
    assert as_json["output_kind"] == "logits"
    assert as_json["normalization"] == "unit"
    assert as_json["input_shape"] == ["N", 1, 28, 28]
    assert set(as_json) >= {
        "name",
        "size_bytes",
        "input_shape",
        "output_shape",
        "output_kind",
        "normalization",
        "latency_ms",
        "sha256",
        "default",
    }


def test_name_labels_bytes(onnx_model_bytes):
    assert DigitModel.load(onnx_model_bytes()).spec.name == "model.onnx"
    assert DigitModel.load(onnx_model_bytes(), name="upload.onnx").spec.name == "upload.onnx"


@pytest.mark.parametrize("value", ["mnist", "symmetric", " MNIST "])
def test_normalization_comes_from_metadata(onnx_model_bytes, value):
    spec = DigitModel.load(onnx_model_bytes(metadata={"normalization": value})).spec
    assert spec.normalization is Scaling(value.strip().lower())


def test_unknown_normalization_is_refused(onnx_model_bytes):
    with pytest.raises(ModelFormatError, match="normalization.*'zscore'.*unit, mnist, symmetric"):
        DigitModel.load(onnx_model_bytes(metadata={"normalization": "zscore"}))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"input_shape": (1, 784)}, r"shape \[1,784\] \(rank 2\), expected \[1,1,28,28\]"),
        ({"input_shape": (1, 3, 28, 28)}, r"3 channels .* expected 1"),
        ({"input_shape": (1, 1, 32, 32)}, r"height 32 .* expected 28"),
        ({"input_shape": (4, 1, 28, 28)}, r"fixed batch of 4"),
        ({"input_shape": (1, 28, 28)}, r"rank 3"),
        ({"input_type": "int64"}, r"input 'input' is int64, expected float32"),
        ({"input_type": "double"}, r"input 'input' is float64, expected float32"),
        ({"two_inputs": True}, r"2 inputs \('input', 'input2'\), expected exactly one"),
        ({"classes": 9}, r"output 'output' has shape \[N,9\].*expected 10 values"),
        ({"input_shape": (1, 1, 28, 28), "classes": 20, "output_shape": (2, 10)}, r"shape \[2,10\]"),
    ],
)
def test_wrong_shapes_and_types_are_refused(onnx_model_bytes, options, message):
    with pytest.raises(ModelShapeError, match=message) as info:
        DigitModel.load(onnx_model_bytes(**options), name="bad.onnx")
    assert str(info.value).startswith("bad.onnx: ")


def test_nan_output_is_refused(onnx_model_bytes):
    with pytest.raises(ModelOutputError, match="NaN"):
        DigitModel.load(onnx_model_bytes(nan=True))


def test_output_that_ignores_the_input_is_refused(onnx_model_bytes):
    with pytest.raises(ModelOutputError, match="same output"):
        DigitModel.load(onnx_model_bytes(weights=np.zeros((784, 10))))


@pytest.mark.parametrize(
    ("custom_op", "message"),
    [
        (("", "Frobnicate"), r"operator Frobnicate.*cannot run"),
        (("com.example.custom", "Frobnicate"), r"operator Frobnicate from domain 'com.example.custom'"),
    ],
)
def test_unknown_operators_are_refused(onnx_model_bytes, custom_op, message):
    with pytest.raises(ModelFormatError, match=message):
        DigitModel.load(onnx_model_bytes(custom_op=custom_op))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not an onnx model at all", "not an ONNX model"),
        (b"\x00\xff\x13" * 100, "not an ONNX model|cannot load"),
        (b"PK\x03\x04rest of a torch checkpoint", "PyTorch checkpoint"),
    ],
)
def test_garbage_is_refused(data, message):
    with pytest.raises(ModelFormatError, match=message):
        DigitModel.load(data)


def test_truncated_file_is_refused(onnx_model_file):
    path = onnx_model_file()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError, match="model.onnx: "):
        DigitModel.load(path)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    with pytest.raises(ModelFormatError, match="empty"):
        DigitModel.load(path)


def test_missing_file_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="cannot read"):
        DigitModel.load(tmp_path / "nope.onnx")


def test_over_size_is_refused_before_parsing(tmp_path, onnx_model_bytes):
    data = onnx_model_bytes()
    path = tmp_path / "big.onnx"
    path.write_bytes(data)
    with pytest.raises(ModelTooLargeError) as info:
        DigitModel.load(path, max_bytes=len(data) - 1)
    assert (info.value.size, info.value.limit) == (len(data), len(data) - 1)
    # Garbage over the limit is refused for its size, proving the size check comes first.
    with pytest.raises(ModelTooLargeError):
        DigitModel.load(b"x" * 2000, max_bytes=1000)
    assert DigitModel.load(path, max_bytes=len(data)).spec.size_bytes == len(data)


def test_predict_refuses_a_wrong_tensor(onnx_model_bytes):
    model = DigitModel.load(onnx_model_bytes())
    with pytest.raises(ValueError, match=r"\[N,1,28,28\]"):
        model.predict(np.zeros((28, 28), np.float32))


def test_a_failed_load_leaves_the_caller_with_its_model(onnx_model_bytes):
    model = DigitModel.load(onnx_model_bytes())
    in_use = model
    with pytest.raises(ModelError):
        in_use = DigitModel.load(b"garbage")
    assert in_use is model
    assert model.predict(_batch(1)).shape == (10,)


def test_spec_is_immutable(onnx_model_bytes):
    spec = DigitModel.load(onnx_model_bytes()).spec
    assert isinstance(spec, ModelSpec)
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]


@pytest.mark.skipif(not DEFAULT_MODEL_PATH.exists(), reason="the trained default model is not committed yet")
def test_default_model_passes_the_check():
    model = load_default_model()
    assert model.spec.default is True
    assert model.spec.to_dict()["default"] is True
    assert model.spec.size_bytes < 2_000_000
    assert model.predict(np.zeros((1, 1, 28, 28), np.float32)).sum() == pytest.approx(1.0, abs=1e-5)


def test_predict_from_several_threads_gives_the_same_answers(onnx_model_bytes):
    from concurrent.futures import ThreadPoolExecutor

    model = DigitModel.load(onnx_model_bytes(head="log_softmax"))
    batches = [_batch(3, seed) for seed in range(16)]
    expected = [model.predict(b) for b in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(model.predict, batches * 4))
    for index, result in enumerate(results):
        np.testing.assert_array_equal(result, expected[index % len(batches)])


def test_a_model_with_external_data_is_refused_and_nothing_is_read(tmp_path, monkeypatch):
    (tmp_path / "secret.bin").write_bytes(b"SECRET" * 20)
    monkeypatch.chdir(tmp_path)  # where onnxruntime would look for it
    with pytest.raises(
        ModelFormatError, match=r"tensor 'w' keeps its data in a separate file \('secret.bin'\)"
    ):
        DigitModel.load(model_reading(external("w", "secret.bin")), name="sneaky.onnx")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("ir_version", 99, r"^x.onnx: it was saved with ONNX IR version 99, .* set model.ir_version = \d+"),
        ("opset", 30, r"^x.onnx: it uses opset 30 of ai.onnx, .* re-export with opset <= \d+"),
    ],
)
def test_too_new_models_lead_with_the_reason_and_the_fix(onnx_model_bytes, field, value, expected):
    model = onnx.load_from_string(onnx_model_bytes(head="softmax"))
    if field == "ir_version":
        model.ir_version = value
    else:
        model.opset_import[0].version = value
    with pytest.raises(ModelFormatError, match=expected) as info:
        DigitModel.load(model.SerializeToString(), name="x.onnx")
    assert "onnxruntime::" not in str(info.value) and "/onnxruntime_src" not in str(info.value)
