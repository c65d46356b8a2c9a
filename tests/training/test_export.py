"""exercise/training/export.py: the ONNX file passes the runtime's check and matches PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from exercise.evaluate import evaluate
from exercise.idx import load_split
from exercise.model import NORMALIZATION_KEY, DigitModel
from exercise.preprocess import Scaling
from exercise.training import checkpoints
from exercise.training.export import MAX_IR_VERSION, OPSET, export_and_verify, export_checkpoint


@pytest.fixture(scope="module")
def exported(short_run: Path) -> Path:
    out = short_run / "model.onnx"
    export_checkpoint(short_run / checkpoints.BEST, out)
    return out


def test_onnx_file_follows_the_exercise_spec(exported: Path) -> None:
    model = onnx.load(str(exported))
    assert model.ir_version <= MAX_IR_VERSION
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) == OPSET
    assert {p.key: p.value for p in model.metadata_props}[NORMALIZATION_KEY] == "unit"
    (graph_input,) = model.graph.input
    dims = [d.dim_param or d.dim_value for d in graph_input.type.tensor_type.shape.dim]
    assert graph_input.name == "input" and dims == ["batch", 1, 28, 28]
    assert [o.name for o in model.graph.output] == ["output"]
    spec = DigitModel.load(exported).spec
    assert spec.output_kind.value == "probabilities" and spec.normalization == Scaling.UNIT


def test_onnxruntime_matches_pytorch_on_real_test_images(
    exported: Path, short_run: Path, mnist_dir: Path
) -> None:
    images, labels = load_split(mnist_dir, "test")
    batch = images[:200, None].astype(np.float32) / 255.0
    session = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    onnx_probs = session.run(["output"], {"input": batch})[0]
    predict, normalization = checkpoints.load_predictor(short_run / checkpoints.BEST)
    assert normalization == "unit"
    torch_probs = predict(batch)
    assert onnx_probs.shape == (200, 10)
    np.testing.assert_allclose(onnx_probs.sum(1), 1.0, atol=1e-5)
    assert np.abs(onnx_probs - torch_probs).max() < 1e-5


def test_export_and_verify_reports_success(short_run: Path, tmp_path: Path, mnist_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert export_and_verify(short_run / checkpoints.BEST, tmp_path / "m.onnx", str(mnist_dir), 300)
    out = capsys.readouterr().out
    assert "accepted by exercise.model.DigitModel.load" in out and "export verified" in out


def test_load_predictor_works_through_evaluate(short_run: Path, mnist_dir: Path) -> None:
    images, labels = load_split(mnist_dir, "test")
    predict, normalization = checkpoints.load_predictor(short_run / checkpoints.BEST)
    report = evaluate(predict, images[:500], labels[:500], Scaling(normalization), 250)
    assert report.count == 500 and report.accuracy > 0.7


def test_not_a_checkpoint_is_a_model_error(tmp_path: Path) -> None:
    from exercise.exceptions import ModelFormatError

    bogus = tmp_path / "x.pt"
    bogus.write_bytes(b"hello")
    with pytest.raises(ModelFormatError, match="x.pt"):
        checkpoints.load(bogus)
