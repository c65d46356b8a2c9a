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
from exercise.preprocess import (
    Candidate,
    context_patch,
    find_candidates,
    measure_ink,
    mnist_image,
    working_image,
)
from tests.conftest import build_onnx_model, surface, write_mnist


def marks_at(frame: np.ndarray, boxes: List[Tuple[int, int, int, int]]) -> List[Candidate]:
    """The candidates the exercise would hand the gate had its detector boxed these marks
    (the shipped detector already turns most non-digits away; the gate must too)."""
    grey, factor, margin = working_image(frame)
    assert factor == 1.0 and margin == 0
    found = []
    for box in boxes:
        blob = measure_ink(grey, box)
        assert blob is not None, f"no ink measured at {box}: the picture no longer tests the gate"
        found.append(
            Candidate(blob.box, mnist_image(blob), context_patch(grey, blob.box, blob.light_ink), False)
        )
    return found


def ink_boxes(frame: np.ndarray, darker_than: int = 100) -> List[Tuple[int, int, int, int]]:
    """The boxes of the connected dark marks of a frame."""
    ink = (frame.min(axis=2) < darker_than).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    return [tuple(int(v) for v in stats[i, :4]) for i in range(1, count) if stats[i, 4] > 50]  # type: ignore[misc]


def verdicts(found: List[Candidate]) -> np.ndarray:
    return G.accepts(np.stack([c.image28 for c in found]), np.stack([c.context28 for c in found]))


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
        found = best_match(find_candidates(frame), (left, top, right - left + 1, bottom - top + 1))
        scores.append(float(G.handwriting_scores(found.image28, found.context28)[0]))
    assert min(scores) >= G.load_gate().threshold, scores


def test_a_pen_lying_across_the_view_is_rejected() -> None:
    frame = surface(190, seed=1)
    cv2.line(frame, (150, 100), (450, 380), (40, 40, 40), 14, cv2.LINE_AA)
    assert not verdicts(marks_at(frame, ink_boxes(frame))).any()


def test_printed_digits_are_rejected() -> None:
    frame = surface(235, seed=2)
    for row, text in enumerate(("1 2 3 4 5", "6 7 8 9 10")):
        cv2.putText(
            frame, text, (90, 150 + 130 * row), cv2.FONT_HERSHEY_DUPLEX, 3.0, (30, 30, 30), 6, cv2.LINE_AA
        )
    found = marks_at(frame, ink_boxes(frame))
    assert len(found) >= 9
    assert verdicts(found).mean() <= 0.2


def test_keep_returns_the_accepted_candidates_in_order(mnist_test_digits: List[np.ndarray]) -> None:
    frame = surface(232, seed=3)
    write_mnist(frame, mnist_test_digits[4], 30, 140, 150)
    cv2.line(frame, (300, 100), (600, 380), (40, 40, 40), 14, cv2.LINE_AA)
    found = marks_at(frame, ink_boxes(frame))
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
