"""exercise/detector.py: the shipped detector finds handwritten digits and nothing on empty
surfaces; decoding puts boxes where the network says; a missing or malformed detector file
fails with a message that says what to do.

The shipped asset runs in real onnxruntime; the malformed files are real ONNX graphs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Tuple

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from exercise import detector as D
from exercise.exceptions import ModelError, ModelFormatError, ModelShapeError
from tests.conftest import surface, write_mnist

WIDTH, HEIGHT = D.INPUT_SIZE
ROWS, COLUMNS = HEIGHT // D.STRIDE, WIDTH // D.STRIDE


def detector_file(
    tmp_path: Path,
    metadata: Optional[Dict[str, str]] = None,
    input_shape: Tuple[object, ...] = (1, 1, "height", "width"),
    outputs: int = D.OUTPUTS,
    bias: float = -5.0,
) -> Path:
    """A real ONNX graph shaped like a detector: one STRIDE x STRIDE convolution per cell."""
    weights = np.zeros((outputs, input_shape[1], D.STRIDE, D.STRIDE), np.float32)
    node = helper.make_node("Conv", ["input", "w", "b"], ["output"], strides=[D.STRIDE, D.STRIDE])
    graph = helper.make_graph(
        [node],
        "detector",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)],
        [
            numpy_helper.from_array(weights, "w"),
            numpy_helper.from_array(np.full(outputs, bias, np.float32), "b"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    path = tmp_path / "digit_detector.onnx"
    path.write_bytes(model.SerializeToString())
    return path


# --- the shipped detector ------------------------------------------------------------------------------


def test_shipped_detector_loads_once_with_its_threshold() -> None:
    detector = D.load_detector()
    assert detector is D.load_detector()
    assert 0.0 < detector.threshold < 1.0


def test_handwritten_digits_on_paper_are_found_where_they_are(mnist_test_digits: list) -> None:
    frame = surface(225, seed=3)
    spots = [(60, 150), (260, 120), (460, 200)]
    for (x, y), digit in zip(spots, mnist_test_digits[2:5]):
        write_mnist(frame, digit, x, y, height=70)
    found = D.load_detector().detect(frame[:, :, 0])
    assert len(found) == 3
    centres = sorted((d.box[0] + d.box[2] / 2.0, d.box[1] + d.box[3] / 2.0) for d in found)
    for (cx, cy), (x, y) in zip(centres, spots):
        side = 70 * 28 / 20
        assert abs(cx - (x + side / 2)) < 20 and abs(cy - (y + side / 2)) < 20


@pytest.mark.parametrize("grey", [30, 128, 230])
def test_an_empty_surface_has_no_digits(grey: int) -> None:
    assert D.load_detector().detect(surface(grey, seed=grey)[:, :, 0]) == []


# --- decoding -----------------------------------------------------------------------------------------


def test_decode_puts_the_box_at_the_cell_its_offset_and_its_size() -> None:
    output = np.full((D.OUTPUTS, ROWS, COLUMNS), -10.0, np.float32)
    output[:, 10, 20] = (3.0, 0.0, 0.0, np.log(4.0), np.log(6.0))  # offsets 0.5, 0.5; 32 x 48 px
    (found,) = D.decode(output, 0.5, factor=0.5)
    assert found.box == ((20.5 * 8 - 16) * 2, (10.5 * 8 - 24) * 2, 64, 96)
    assert found.score == pytest.approx(1 / (1 + np.exp(-3.0)))


def test_decode_keeps_one_peak_per_neighbourhood_best_first() -> None:
    output = np.full((D.OUTPUTS, ROWS, COLUMNS), -10.0, np.float32)
    output[0, 5, 5], output[0, 5, 6], output[0, 20, 30] = 2.0, 1.0, 4.0
    found = D.decode(output, 0.5)
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)
    assert len(found) == 2


def test_any_image_size_fits_the_input_with_its_scale() -> None:
    for shape in [(480, 640), (28, 28), (1080, 1920), (300, 200)]:
        batch, factor = D.to_input(np.zeros(shape, np.uint8))
        assert batch.shape == (1, 1, HEIGHT, WIDTH) and batch.dtype == np.float32
        assert round(shape[0] * factor) <= HEIGHT and round(shape[1] * factor) <= WIDTH


# --- bad files ------------------------------------------------------------------------------------------


def test_a_well_formed_detector_file_loads_and_finds_nothing_when_its_scores_are_low(tmp_path: Path) -> None:
    detector = D.DigitDetector.load(detector_file(tmp_path, metadata={"threshold": "0.3"}))
    assert detector.threshold == 0.3
    assert detector.detect(np.zeros((480, 640), np.uint8)) == []


def test_a_missing_detector_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make detector-model"):
        D.DigitDetector.load(tmp_path / "digit_detector.onnx")
    with pytest.raises(ModelError, match="make detector-model"):
        D.load_detector(tmp_path / "digit_detector.onnx")


def test_a_file_that_is_not_onnx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "digit_detector.onnx"
    path.write_bytes(b"not a model at all")
    with pytest.raises(ModelFormatError, match="digit_detector.onnx"):
        D.DigitDetector.load(path)


def test_a_network_of_another_shape_is_refused(tmp_path: Path) -> None:
    path = detector_file(tmp_path, metadata={"threshold": "0.5"}, outputs=3)
    with pytest.raises(ModelShapeError, match=r"\[1, 5, 30, 40\]"):
        D.DigitDetector.load(path)
    path = detector_file(tmp_path, metadata={"threshold": "0.5"}, input_shape=(1, 1, 28, 28))
    with pytest.raises(ModelShapeError, match="failed to run"):
        D.DigitDetector.load(path)


@pytest.mark.parametrize(
    "metadata", [None, {"threshold": "high"}, {"threshold": "1.5"}, {"threshold": "nan"}]
)
def test_a_detector_without_a_usable_threshold_is_refused(tmp_path: Path, metadata: object) -> None:
    with pytest.raises(ModelFormatError, match="threshold"):
        D.DigitDetector.load(detector_file(tmp_path, metadata=metadata))  # type: ignore[arg-type]


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "digit_detector.onnx"
    with path.open("wb") as handle:
        handle.truncate(D.MAX_DETECTOR_BYTES + 1)
    with pytest.raises(ModelFormatError, match="bytes"):
        D.DigitDetector.load(path)


def test_the_shipped_file_is_onnx_the_python38_runtime_can_load() -> None:
    model = onnx.load(str(D.DETECTOR_PATH))
    assert model.ir_version <= 9
    assert max(op.version for op in model.opset_import if op.domain in ("", "ai.onnx")) <= 17
