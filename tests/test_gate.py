"""exercise/gate.py: the shipped gate keeps handwriting and drops what only looks digit-shaped;
a missing or malformed gate file fails with a message that says what to do.

The pictures go through the real ``find_candidates``, so the gate sees exactly what it
sees in the exercise; the shipped asset runs in real onnxruntime.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import cv2
import numpy as np
import pytest

from exercise import gate as G
from exercise.exceptions import ModelError, ModelFormatError, ModelShapeError
from exercise.idx import read_idx
from exercise.preprocess import Candidate, find_candidates
from tests.conftest import build_onnx_model

# --- pictures ---------------------------------------------------------------------------------------


def surface(grey: int, seed: int) -> np.ndarray:
    """A 640x480 BGR frame of an even surface, with a light gradient and sensor noise."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.92, 1.0, 640, dtype=np.float32)[None, :, None]
    image = np.full((480, 640, 3), float(grey), np.float32) * ramp
    image += rng.normal(0, 2.0, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def write_mnist(frame: np.ndarray, digit28: np.ndarray, x: int, y: int, height: int, ink: int = 35) -> None:
    """An MNIST digit written in dark ink, its 28x28 square ``height * 1.4`` px wide at (x, y)."""
    side = int(height * 28 / 20)
    alpha = cv2.resize(digit28.astype(np.float32) / 255.0, (side, side), interpolation=cv2.INTER_CUBIC)
    alpha = cv2.GaussianBlur(np.clip(alpha, 0, 1), (0, 0), 0.8)[:, :, None]
    region = frame[y : y + side, x : x + side].astype(np.float32)
    frame[y : y + side, x : x + side] = (region * (1 - alpha) + ink * alpha).astype(np.uint8)


def candidates_of(frame: np.ndarray) -> List[Candidate]:
    found = find_candidates(frame)
    assert found, "find_candidates found nothing: the picture no longer tests the gate"
    return found


def verdicts(found: List[Candidate]) -> np.ndarray:
    return G.accepts(np.stack([c.image28 for c in found]), np.stack([c.context28 for c in found]))


@pytest.fixture(scope="module")
def mnist_test_digits(mnist_dir: Path) -> List[np.ndarray]:
    """The first MNIST test image of each digit 0-9."""
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    return [images[int(np.flatnonzero(labels == d)[0])] for d in range(10)]


# --- the shipped gate ---------------------------------------------------------------------------------


def test_shipped_gate_loads_once_with_the_threshold_and_command_it_was_made_with() -> None:
    gate = G.load_gate()
    assert G.load_gate() is gate
    assert 0.0 < gate.threshold < 1.0
    metadata = gate._session.get_modelmeta().custom_metadata_map
    assert metadata["command"].startswith("digit-classifier train-gate")
    assert G.GATE_PATH.stat().st_size < 200_000


def best_match(found: List[Candidate], box: Tuple[int, int, int, int]) -> Candidate:
    """The candidate whose box overlaps ``box`` most (the finder may propose more marks)."""

    def overlap(candidate: Candidate) -> float:
        (x, y, w, h), (bx, by, bw, bh) = candidate.box, box
        iw, ih = min(x + w, bx + bw) - max(x, bx), min(y + h, by + bh) - max(y, by)
        inter = max(0, iw) * max(0, ih)
        return inter / float(w * h + bw * bh - inter)

    return max(found, key=overlap)


def test_handwritten_mnist_digits_on_paper_pass(mnist_test_digits: List[np.ndarray]) -> None:
    scores = []
    for digit, image in enumerate(mnist_test_digits):
        frame = surface(232, seed=digit)
        write_mnist(frame, image, 230, 120, 160)
        ink = np.argwhere(frame.min(axis=2) < 150)
        (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0)
        found = best_match(candidates_of(frame), (left, top, right - left + 1, bottom - top + 1))
        scores.append(float(G.handwriting_scores(found.image28, found.context28)[0]))
    assert min(scores) >= G.load_gate().threshold, scores


def test_a_pen_lying_across_the_view_is_rejected() -> None:
    frame = surface(190, seed=1)
    cv2.line(frame, (150, 100), (450, 380), (40, 40, 40), 14, cv2.LINE_AA)
    assert not verdicts(candidates_of(frame)).any()


def test_a_card_on_a_dark_desk_is_rejected() -> None:
    frame = surface(90, seed=3)
    corners = cv2.boxPoints(((320, 240), (300, 190), 20)).astype(np.int32)
    cv2.fillConvexPoly(frame, corners, (235, 235, 235), cv2.LINE_AA)
    assert not verdicts(candidates_of(frame)).any()


def test_printed_digits_are_rejected() -> None:
    frame = surface(235, seed=2)
    for row, text in enumerate(("1 2 3 4 5", "6 7 8 9 10")):
        cv2.putText(
            frame, text, (90, 150 + 130 * row), cv2.FONT_HERSHEY_DUPLEX, 3.0, (30, 30, 30), 6, cv2.LINE_AA
        )
    found = candidates_of(frame)
    assert len(found) >= 5
    assert verdicts(found).mean() <= 0.2


def test_keep_returns_the_accepted_candidates_in_order(mnist_test_digits: List[np.ndarray]) -> None:
    frame = surface(232, seed=3)
    write_mnist(frame, mnist_test_digits[4], 30, 140, 150)
    cv2.line(frame, (300, 100), (600, 380), (40, 40, 40), 14, cv2.LINE_AA)
    found = find_candidates(frame)
    kept = G.load_gate().keep(found)
    assert kept and all(c.box[0] + c.box[2] < 300 for c in kept)
    assert [c.box for c in kept] == [c.box for c, ok in zip(found, verdicts(found)) if ok]


# --- scoring arrays -------------------------------------------------------------------------------------


def test_scores_are_one_float32_per_candidate_and_empty_batches_cost_nothing() -> None:
    images = np.zeros((3, 28, 28), np.uint8)
    scores = G.handwriting_scores(images, images)
    assert scores.shape == (3,) and scores.dtype == np.float32
    assert np.all((scores >= 0) & (scores <= 1))
    assert G.handwriting_scores(images[:0], images[:0]).shape == (0,)
    assert G.accepts(images, images).dtype == bool


@pytest.mark.parametrize(
    "images, contexts",
    [
        (np.zeros((2, 28, 28), np.float32), np.zeros((2, 28, 28), np.uint8)),
        (np.zeros((2, 28, 27), np.uint8), np.zeros((2, 28, 28), np.uint8)),
        (np.zeros((2, 28, 28), np.uint8), np.zeros((3, 28, 28), np.uint8)),
    ],
)
def test_wrong_arrays_are_a_programming_error(
    tmp_path: Path, images: np.ndarray, contexts: np.ndarray
) -> None:
    gate = G.HandwritingGate.load(gate_file(tmp_path, metadata={"threshold": "0.5"}))
    with pytest.raises(ValueError):
        gate.scores(images, contexts)


# --- bad gate files -----------------------------------------------------------------------------------


def gate_file(tmp_path: Path, **options: object) -> Path:
    """A real ONNX file built by tests.conftest.build_onnx_model (one class: softmax gives 1.0)."""
    options = {"input_shape": ("N", 2, 28, 28), "classes": 1, "head": "softmax", **options}
    path = tmp_path / "gate.onnx"
    path.write_bytes(build_onnx_model(**options))  # type: ignore[arg-type]
    return path


def test_a_well_formed_gate_file_loads_with_its_threshold(tmp_path: Path) -> None:
    gate = G.HandwritingGate.load(gate_file(tmp_path, metadata={"threshold": "0.25"}))
    assert gate.threshold == 0.25
    assert gate.accepts(np.zeros((2, 28, 28), np.uint8), np.zeros((2, 28, 28), np.uint8)).all()


def test_a_missing_gate_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make gate-model"):
        G.HandwritingGate.load(tmp_path / "handwriting_gate.onnx")
    with pytest.raises(ModelError, match="make gate-model"):
        G.load_gate(tmp_path / "handwriting_gate.onnx")


def test_a_file_that_is_not_onnx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gate.onnx"
    path.write_bytes(b"not a model at all")
    with pytest.raises(ModelFormatError, match="gate.onnx"):
        G.HandwritingGate.load(path)


def test_a_digit_classifier_is_not_a_gate(tmp_path: Path) -> None:
    path = gate_file(tmp_path, input_shape=("N", 1, 28, 28), classes=10, metadata={"threshold": "0.5"})
    with pytest.raises(ModelShapeError, match=r"\[N,2,28,28\]"):
        G.HandwritingGate.load(path)


@pytest.mark.parametrize(
    "metadata", [None, {"threshold": "high"}, {"threshold": "1.5"}, {"threshold": "nan"}]
)
def test_a_gate_without_a_usable_threshold_is_refused(tmp_path: Path, metadata: object) -> None:
    with pytest.raises(ModelFormatError, match="threshold"):
        G.HandwritingGate.load(gate_file(tmp_path, metadata=metadata))


def test_outputs_that_are_not_probabilities_are_refused(tmp_path: Path) -> None:
    weights = np.full((2 * 28 * 28, 1), -1.0)  # logits of blank candidates: -bias only
    path = gate_file(
        tmp_path, head="logits", weights=weights, bias=np.array([-3.0]), metadata={"threshold": "0.5"}
    )
    with pytest.raises(ModelFormatError, match="probabilities"):
        G.HandwritingGate.load(path)
