"""exercise/training/finetune.py: train --finetune MODEL --extra DIR, on real MNIST and real onnxruntime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from exercise.examples import ExampleSet
from exercise.exceptions import DatasetError, ModelFormatError, UsageError
from exercise.idx import load_split
from exercise.model import DEFAULT_MODEL_PATH, DigitModel
from exercise.training import finetune
from tests.conftest import build_onnx_model

from .conftest import train_args


def cornered_examples(mnist_dir: Path, directory: Path, count: int) -> ExampleSet:
    """``count`` MNIST test digits shrunk into the top-left corner, with their labels: a
    placement MNIST never shows. A model trained on MNIST alone reads about one in seven of
    them wrong, the bundled one (fine-tuned on webcam digits too) one in fifteen."""
    images, labels = load_split(mnist_dir, "test")
    cornered = np.zeros((count, 28, 28), np.uint8)
    for index, image in enumerate(images[-count:]):
        cornered[index, :16, :16] = cv2.resize(image, (16, 16), interpolation=cv2.INTER_AREA)
    examples = ExampleSet(directory)
    examples.extend(list(cornered), [int(label) for label in labels[-count:]])
    return examples


def test_the_default_onnx_model_becomes_the_same_network_again(mnist_dir: Path) -> None:
    net, arch, normalization = finetune.load_model(DEFAULT_MODEL_PATH)
    assert (arch, normalization) == ("digitnet", "unit")
    images, _ = load_split(mnist_dir, "test")
    batch = images[:200, None].astype(np.float32) / 255.0
    with torch.inference_mode():
        ours = torch.softmax(net.eval()(torch.from_numpy(batch)), 1).numpy()
    theirs = DigitModel.load(DEFAULT_MODEL_PATH).predict(batch)
    assert np.abs(ours - np.asarray(theirs)).max() < 1e-4


def test_finetuning_learns_the_examples_and_keeps_mnist(tmp_path: Path, mnist_dir: Path) -> None:
    cornered_examples(mnist_dir, tmp_path / "examples", 200)
    out = tmp_path / "out"
    args = train_args(
        "--finetune", str(DEFAULT_MODEL_PATH), "--extra", str(tmp_path / "examples"),
        "--data", str(mnist_dir), "--out", str(out), "--steps", "80", "--subset", "2000",
        "--threads", "2", "--quiet",
    )  # fmt: skip
    assert finetune.main(args) == 0
    summary = json.loads((out / finetune.SUMMARY).read_text())
    before, after = summary["before"], summary["after"]
    # It learns them: at least half the mistakes on them go, and 95% are read right.
    assert 1.0 - after["examples"] <= (1.0 - before["examples"]) / 2 and after["examples"] >= 0.95, summary
    assert after["mnist_test"] >= 0.98 and after["mnist_test"] >= before["mnist_test"] - 0.01, summary
    assert summary["examples"] == 200 and summary["export_verified"] is True

    model = DigitModel.load(out / finetune.ONNX_FILE)  # the runtime's own check accepts it
    assert model.spec.normalization.value == "unit"
    again, arch, _ = finetune.load_model(out / finetune.ONNX_FILE)  # and it can be fine-tuned again
    assert arch == "digitnet"


def test_a_checkpoint_can_be_finetuned_too(tmp_path: Path, mnist_dir: Path, short_run: Path) -> None:
    cornered_examples(mnist_dir, tmp_path / "examples", 20)
    args = train_args(
        "--finetune", str(short_run / "best.pt"), "--extra", str(tmp_path / "examples"),
        "--data", str(mnist_dir), "--out", str(tmp_path / "out"), "--steps", "5", "--subset", "500",
        "--quiet",
    )  # fmt: skip
    assert finetune.main(args) == 0
    assert (tmp_path / "out" / finetune.CHECKPOINT).is_file()


def test_a_model_from_elsewhere_gets_a_sentence_saying_what_can_be_finetuned(tmp_path: Path) -> None:
    foreign = tmp_path / "keras.onnx"
    foreign.write_bytes(build_onnx_model())
    with pytest.raises(ModelFormatError, match="only checkpoints of `digit-classifier train`"):
        finetune.load_model(foreign)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    with pytest.raises(ModelFormatError, match="not an ONNX model"):
        finetune.load_model(garbage)


def test_no_examples_says_where_to_save_some(tmp_path: Path, mnist_dir: Path) -> None:
    args = train_args(
        "--finetune", str(DEFAULT_MODEL_PATH), "--extra", str(tmp_path / "none"),
        "--data", str(mnist_dir), "--out", str(tmp_path / "out"), "--quiet",
    )  # fmt: skip
    with pytest.raises(DatasetError, match="holds no examples: save some in the page"):
        finetune.main(args)


def test_finetune_and_extra_go_together() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exercise", "train", "--finetune", str(DEFAULT_MODEL_PATH)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "--finetune MODEL and --extra DIR go together" in result.stderr


def test_dry_run_takes_one_step_and_device_is_refused(tmp_path: Path, mnist_dir: Path) -> None:
    cornered_examples(mnist_dir, tmp_path / "examples", 10)
    common = ["--finetune", str(DEFAULT_MODEL_PATH), "--extra", str(tmp_path / "examples")]
    common += ["--data", str(mnist_dir), "--out", str(tmp_path / "out"), "--subset", "300", "--quiet"]
    assert finetune.main(train_args(*common, "--dry-run")) == 0
    assert json.loads((tmp_path / "out" / finetune.SUMMARY).read_text())["args"]["steps"] == 1
    with pytest.raises(UsageError, match="runs on the CPU"):
        finetune.main(train_args(*common, "--device", "cuda"))
