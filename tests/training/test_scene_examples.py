"""exercise/training/scene_examples.py: digits as the webcam path reads them, saved for fine-tuning.

Real scenes, the real reading path (detector, gate, normalisation) and real MNIST train digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from exercise.cli import main as cli_main
from exercise.examples import ExampleSet
from exercise.idx import load_split
from exercise.model import DEFAULT_MODEL_PATH, DigitModel
from exercise.preprocess import preprocess
from exercise.training import scene_examples, scenes


def test_examples_are_the_candidates_found_on_written_digits_with_their_labels(mnist_dir: Path) -> None:
    digits = load_split(mnist_dir, "train")
    frames = list(scenes.generate("desk", 6, scene_examples.SEED, scene_examples.EMPTY_FRACTION, digits))
    for frame in frames:
        found = scene_examples.examples_in(frame)
        read = {candidate.image28.tobytes() for candidate in preprocess(frame.image)}
        assert len(found) <= len(frame.labels)
        assert all(image.tobytes() in read and label in frame.labels for image, label in found)
    assert sum(len(scene_examples.examples_in(frame)) for frame in frames) >= 4


def test_an_empty_scene_gives_no_example(mnist_dir: Path) -> None:
    digits = load_split(mnist_dir, "train")
    empty = [f for f in scenes.generate("lines", 8, scene_examples.SEED, 1.0, digits) if f.empty]
    assert empty and not any(scene_examples.examples_in(frame) for frame in empty)


def test_the_command_writes_idx_files_that_finetuning_reads(tmp_path: Path, mnist_dir: Path) -> None:
    out = tmp_path / "examples"
    argv = ["scene-examples", "--frames", "2", "--data", str(mnist_dir), "--out", str(out), "--quiet"]
    assert cli_main(argv) == 0
    summary = json.loads((out / scene_examples.SUMMARY).read_text())
    images, labels = ExampleSet(out).load()  # what train --finetune --extra reads
    assert images.shape == (summary["examples"], 28, 28) and images.dtype == np.uint8
    assert summary["examples"] >= len(scenes.TUNING_FAMILIES)
    # never the held-out family
    assert set(summary["per_family"]) <= {*scenes.TUNING_FAMILIES, scene_examples.PAD}
    assert np.bincount(labels, minlength=10).tolist() == summary["per_digit"]


def test_pad_drawings_give_their_digit_labelled_as_drawn(mnist_dir: Path) -> None:
    digits = load_split(mnist_dir, "train")
    examples = [example for index in range(30) for example in scene_examples.pad_examples(index, digits)]
    assert len(examples) >= 24  # one pad in ten is left empty
    model = DigitModel.load(DEFAULT_MODEL_PATH)
    read = [int(np.argmax(model.predict_image28(image))) for image, _ in examples]
    # The default model reads 98% of pad examples as labelled; wrong labels would read 10%.
    assert sum(digit == label for digit, (_, label) in zip(read, examples)) >= 0.9 * len(examples)


def test_no_frames_is_refused(tmp_path: Path) -> None:
    assert cli_main(["scene-examples", "--frames", "0", "--out", str(tmp_path)]) == 2
    assert not any(tmp_path.iterdir())
