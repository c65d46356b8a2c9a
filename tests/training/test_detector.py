"""exercise/training/detector.py: a dry run draws frames, trains, exports and checks a
detector end to end; targets put each digit's centre where decoding finds it; the
threshold keeps the promised share of empty frames clean; the command's help needs no torch."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx

from exercise import detector as runtime
from exercise.training import detector as training
from exercise.training.options import add_detector_arguments


def detector_args(*argv: str) -> argparse.Namespace:
    """The namespace ``digit-classifier train-detector ARGV`` would produce."""
    return add_detector_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def test_dry_run_writes_a_detector_the_runtime_loads(tmp_path: Path, mnist_dir: Path) -> None:
    args = detector_args("--out", str(tmp_path), "--data", str(mnist_dir), "--dry-run", "--workers", "1")
    assert training.main(args=args) == 0

    path = tmp_path / "digit_detector.onnx"
    detector = runtime.DigitDetector.load(path)
    metadata = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert float(metadata[runtime.THRESHOLD_KEY]) == detector.threshold
    assert metadata["command"].startswith("digit-classifier train-detector --out")
    assert "--dry-run" in metadata["command"] and metadata["date"] and metadata["commit"]
    assert isinstance(detector.detect(np.zeros((480, 640), np.uint8)), list)
    assert "| source |" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "detector.pt").is_file()


def test_targets_decode_back_to_the_boxes_they_were_made_from() -> None:
    boxes = [(40, 60, 30, 44), (200, 100, 18, 26)]
    sample = training.Sample(np.zeros((training.HEIGHT, training.WIDTH), np.uint8), boxes)
    heat, regression, weights = training.targets(sample)
    logits = np.full((runtime.OUTPUTS, *training.GRID), -20.0, np.float32)
    logits[0] = np.where(heat[0] == 1.0, 20.0, -20.0)
    offsets = np.clip(regression[:2], 1e-4, 1 - 1e-4)
    logits[1:3] = np.log(offsets / (1 - offsets))
    logits[3:5] = regression[2:4]
    found = sorted(d.box for d in runtime.decode(logits, 0.5))
    assert len(found) == 2
    for got, want in zip(found, sorted(boxes)):
        assert all(abs(a - b) <= 1 for a, b in zip(got, want))
    assert weights[1].sum() == 2  # size and offset are learnt at the centres only


def test_ignored_digits_are_neither_found_nor_missed() -> None:
    sample = training.Sample(
        np.zeros((training.HEIGHT, training.WIDTH), np.uint8), [], ignore=[(80, 80, 40, 40)]
    )
    _, _, weights = training.targets(sample)
    assert weights[0, 10:15, 10:15].sum() == 0 and weights[0, 0, 0] == 1


def test_threshold_finds_the_target_share_of_digits() -> None:
    digits = (0.3 + 0.7 * np.random.default_rng(0).random(1000)).astype(np.float32)
    threshold = training.pick_threshold(digits)
    assert (digits >= threshold).mean() >= training.KEEP_TARGET
    assert (digits > threshold).mean() < training.KEEP_TARGET  # and is the highest that does
    assert training.pick_threshold(np.zeros(50, np.float32)) == training.MIN_THRESHOLD


def test_train_detector_help_works_without_importing_torch() -> None:
    code = (
        "import sys, exercise.cli as c\n"
        "try:\n    c.main(['train-detector', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules, 'train-detector --help imported torch'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--frames" in result.stdout and "detector-card" in result.stdout
