"""exercise/training/gate.py: a dry run mines, trains, exports and checks a gate end to end;
the marks picked on purpose lie on the drawn non-digits and away from the digits; the
threshold keeps the share of digits it promises; the command's help needs no torch."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest

from exercise.gate import THRESHOLD_KEY, HandwritingGate
from exercise.training import gate as training_gate
from exercise.training.options import add_gate_arguments
from exercise.training.scoring import iou


def gate_args(*argv: str) -> argparse.Namespace:
    """The namespace ``digit-classifier train-gate ARGV`` would produce."""
    return add_gate_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def test_dry_run_writes_a_gate_the_runtime_loads(tmp_path: Path, mnist_dir: Path) -> None:
    args = gate_args(
        "--out", str(tmp_path), "--frames", "7", "--data", str(mnist_dir), "--dry-run", "--quiet"
    )
    assert training_gate.main(args=args) == 0

    path = tmp_path / "handwriting_gate.onnx"
    gate = HandwritingGate.load(path)
    metadata = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert float(metadata[THRESHOLD_KEY]) == gate.threshold
    assert metadata["command"].startswith("digit-classifier train-gate --out")
    assert "--dry-run" in metadata["command"] and metadata["date"]
    scores = gate.scores(np.zeros((3, 28, 28), np.uint8), np.zeros((3, 28, 28), np.uint8))
    assert scores.shape == (3,)

    run = json.loads((tmp_path / "run.json").read_text())
    assert run["threshold"] == gate.threshold
    assert {row["family"] for row in run["validation"]} >= {"all"}
    assert "Held-out family" in (tmp_path / "table.md").read_text()
    assert (tmp_path / "gate.pt").is_file()
    # A dry run never writes the mined-candidates cache a real run would reuse.
    assert not (tmp_path / "candidates.npz").exists()


def test_marks_picked_on_purpose_are_parts_of_the_drawn_non_digits() -> None:
    rng = np.random.default_rng(3)
    digits = np.zeros((1, 28, 28), np.uint8)
    for kind in training_gate.KINDS:
        frame, objects = training_gate.drawn_frame(rng, kind, digits)
        assert objects, kind
        looks = training_gate.parts_of(rng, objects, frame.image.shape)
        assert len(looks) == len(objects) * (1 + training_gate.PARTS_PER_OBJECT)
        height, width = frame.image.shape[:2]
        for x, y, w, h in looks:
            assert min(x, y) >= 0 and x + w <= width and y + h <= height
            assert any(iou((x, y, w, h), box) > 0 for box in objects)


def test_places_picked_in_a_scene_keep_away_from_its_digits() -> None:
    image = np.full((480, 640, 3), 200, np.uint8)
    digit = (300, 200, 40, 60)
    frame = training_gate.Frame(image, [digit], "desk", partial=[(50, 50, 30, 40)])
    for seed in range(20):
        for box in training_gate.places_in(np.random.default_rng(seed), frame):
            assert iou(box, digit) == 0
            assert iou(box, (50, 50, 30, 40)) == 0


def test_mining_labels_the_purposely_picked_marks_apart_from_the_proposals() -> None:
    image = np.full((480, 640, 3), 215, np.uint8)
    cv2.line(image, (100, 100), (110, 300), (30, 30, 30), 4)  # a pen
    miner = training_gate.Miner(["desk"])
    miner.add(training_gate.Frame(image, [], "desk"), looks=[(90, 90, 40, 220)])
    mined = miner.result()
    assert (~mined.proposed).sum() == 1
    assert not mined.digit.any()
    assert len(mined.only_proposed()) == int(mined.proposed.sum())


def test_each_epoch_trains_on_every_proposal_and_a_fresh_draw_of_looks() -> None:
    import torch

    proposed = np.array([True] * 10 + [False] * 200)
    generator = torch.Generator().manual_seed(0)
    first, second = (training_gate.epoch_order(proposed, 2.0, generator).numpy() for _ in range(2))
    for order in (first, second):
        assert len(order) == len(set(order.tolist())) == 30
        assert proposed[order].sum() == 10  # every proposal, once
    assert set(first[~proposed[first]]) != set(second[~proposed[second]])  # other looks each epoch
    assert len(training_gate.epoch_order(proposed, 50.0, generator)) == 210  # no more looks than there are


def test_a_negative_share_of_looks_is_refused(tmp_path: Path) -> None:
    from exercise.exceptions import UsageError

    args = add_gate_arguments(argparse.ArgumentParser()).parse_args(
        ["--out", str(tmp_path), "--looks-per-proposal", "-1", "--dry-run"]
    )
    with pytest.raises(UsageError, match="looks-per-proposal"):
        training_gate.main(args=args)
    assert not any(tmp_path.iterdir())


def test_threshold_keeps_at_least_the_target_share_of_digits() -> None:
    scores = np.random.default_rng(0).random(1000).astype(np.float32)
    threshold = training_gate.pick_threshold(scores, keep=0.995)
    assert (scores >= threshold).mean() >= 0.995
    # ...and is the highest that does: one step up loses one digit too many.
    assert (scores > threshold).mean() < 0.995


def test_train_gate_help_works_without_importing_torch() -> None:
    code = (
        "import sys, exercise.cli as c\n"
        "try:\n    c.main(['train-gate', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules, 'train-gate --help imported torch'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--frames" in result.stdout and "--install" in result.stdout
