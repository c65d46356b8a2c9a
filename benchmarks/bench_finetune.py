"""How long fine-tuning on a student's hard examples takes, and what it teaches.

Run by hand (never in the test suite), on a quiet machine::

    .venv/bin/python -m benchmarks.bench_finetune [--examples 200] [--threads 2] [--model M]

The hard examples stand in for a student's: MNIST **test** digits held at a slant (rotated
30-45 degrees either way) and written with a thinner pen, as a card held askew in front of
a webcam gives them. ``--examples`` of them go into an example set (exercise.examples);
``train --finetune`` trains on it; then the model is measured on 1,000 *other* digits made
the same way (were the examples learnt, or only remembered?) and on the MNIST test set.
Prints a table: wall seconds of the whole command, accuracy before and after.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.tables import print_table
from exercise.evaluate import evaluate
from exercise.examples import ExampleSet
from exercise.idx import load_split
from exercise.model import DEFAULT_MODEL_PATH, DigitModel
from exercise.training import finetune
from exercise.training.options import add_train_arguments
from exercise.training.scenes import MNIST_DIR

UNSEEN = 1000


def slanted(images: np.ndarray, seed: int) -> np.ndarray:
    """Each digit rotated 30-45 degrees either way and thinned by a 2x2 erosion."""
    rng = np.random.default_rng(seed)
    out = np.empty_like(images)
    for index, image in enumerate(images):
        angle = rng.uniform(30, 45) * rng.choice([-1, 1])
        turn = cv2.getRotationMatrix2D((13.5, 13.5), angle, 1.0)
        out[index] = cv2.erode(cv2.warpAffine(image, turn, (28, 28)), np.ones((2, 2), np.uint8))
    return out


def accuracy(model: DigitModel, images: np.ndarray, labels: np.ndarray) -> float:
    return evaluate(model.predict, images, labels, model.spec.normalization).accuracy


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=200, help="hard examples to fine-tune on")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    parser.add_argument("--data", default=str(MNIST_DIR))
    options = parser.parse_args()

    images, labels = load_split(options.data, "test")
    hard = slanted(images, seed=0)
    train_part = slice(len(labels) - options.examples, len(labels))
    unseen = slice(0, UNSEEN)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "examples"
        ExampleSet(folder).extend(list(hard[train_part]), [int(label) for label in labels[train_part]])
        args = add_train_arguments(argparse.ArgumentParser()).parse_args(
            ["--finetune", options.model, "--extra", str(folder), "--data", options.data]
            + ["--out", str(Path(scratch) / "out"), "--threads", str(options.threads), "--quiet"]
        )
        before = DigitModel.load(Path(options.model))
        started = time.perf_counter()
        status = finetune.main(args)
        seconds = time.perf_counter() - started
        after = DigitModel.load(Path(scratch) / "out" / finetune.ONNX_FILE)
        summary = json.loads((Path(scratch) / "out" / finetune.SUMMARY).read_text())
    rows = [
        [
            "MNIST test (10,000)",
            f"{accuracy(before, images, labels):.2%}",
            f"{accuracy(after, images, labels):.2%}",
        ],
        [
            f"the examples trained on ({options.examples})",
            f"{summary['before']['examples']:.2%}",
            f"{summary['after']['examples']:.2%}",
        ],
        [
            f"other digits made the same way ({UNSEEN}, not trained on)",
            f"{accuracy(before, hard[unseen], labels[unseen]):.2%}",
            f"{accuracy(after, hard[unseen], labels[unseen]):.2%}",
        ],
    ]
    title = (
        f"train --finetune {options.model} on {options.examples} slanted, thin digits: "
        f"{seconds:.1f} s wall on {options.threads} thread(s) ({summary['args']['steps']} steps), "
        f"export {'verified' if status == 0 else 'FAILED'}"
    )
    print_table(title, ["measured on", "before", "after"], rows)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
