"""Examples of digits as the exercise's camera path hands them to a model.

``digit-classifier scene-examples --out DIR`` ends up in :func:`main`. It writes MNIST
*train* digits into generated webcam scenes (the tuning families of
:mod:`exercise.training.scenes`, never the held-out one, and never test digits, which the
benchmarks write) and draws as many on drawing pads, reads each picture with
:func:`exercise.preprocess.preprocess`, and keeps every candidate found on a written digit,
labelled with that digit: the 28x28 images a model meets live, with the stroke changes,
blur and stray ink of the webcam path and the even brush of the pad, which MNIST's own
scans never show. Fine-tuning on the scenes alone taught a model webcam digits and cost it
pad drawings.

DIR gets the two IDX files that ``train --finetune MODEL --extra DIR`` reads (and any
framework can), and ``scene-examples.json``: how many examples each family gave.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

import cv2
import numpy as np
from tqdm import tqdm

from exercise.idx import SPLIT_FILES, idx_bytes, load_split
from exercise.preprocess import preprocess
from exercise.training import scenes
from exercise.training.detector import pad_drawing
from exercise.training.scoring import MATCH_IOU, iou

Box = Tuple[int, int, int, int]

#: The files an example set and MNIST's training split are kept in (exercise/examples.py).
IMAGES_FILE, LABELS_FILE = SPLIT_FILES["train"]
SUMMARY = "scene-examples.json"
#: Frames with digits only: an empty frame gives no example.
EMPTY_FRACTION = 0.0
#: The scenes' seed: no benchmark's (0, 1, 7, 11) and not the gate's mining (1000-3000).
SEED = 4000
#: What the drawing pad's examples are counted under, beside the scene families.
PAD = "pad"


def examples_in(frame: scenes.SceneFrame) -> List[Tuple[np.ndarray, int]]:
    """(image28, label) of each candidate ``preprocess`` finds on a target digit of ``frame``.

    A candidate counts for the written digit it overlaps most (IoU at least MATCH_IOU, as the
    benchmarks score); candidates on nothing, or on digits the frame cuts or covers, give none.
    """
    return labelled(frame.image, frame.boxes, frame.labels)


def labelled(image: np.ndarray, boxes: Sequence[Box], labels: Sequence[int]) -> List[Tuple[np.ndarray, int]]:
    """(image28, label) of each candidate ``preprocess`` finds in ``image`` on one of the
    written digits' ``boxes`` (see :func:`examples_in`)."""
    found = []
    for candidate in preprocess(image):
        overlaps = [iou(candidate.box, box) for box in boxes]
        if overlaps and max(overlaps) >= MATCH_IOU:
            found.append((candidate.image28, int(labels[int(np.argmax(overlaps))])))
    return found


def pad_examples(index: int, digits: scenes.DigitSet, seed: int = SEED) -> List[Tuple[np.ndarray, int]]:
    """The examples of drawing pad picture ``index``: one digit drawn as the detector's
    trainer draws the pad (any size, brush width, place and pair of greys), or none."""
    rng = np.random.default_rng([seed, 5, index])
    images, labels = digits
    pick = int(rng.integers(len(images)))
    # pad_drawing draws one of the digits it is given: give it the one picked, to know its label.
    image, boxes = pad_drawing(rng, (images[pick : pick + 1], labels[pick : pick + 1]))
    return labelled(image, boxes, [int(labels[pick])] * len(boxes))


def pictures(
    frames_per_family: int, digits: scenes.DigitSet, seed: int = SEED
) -> Iterator[Tuple[str, List[Tuple[np.ndarray, int]]]]:
    """(source, its examples) for each scene frame of every tuning family, then each pad."""
    for family in scenes.TUNING_FAMILIES:
        for frame in scenes.generate(family, frames_per_family, seed, EMPTY_FRACTION, digits):
            yield family, examples_in(frame)
    for index in range(frames_per_family):
        yield PAD, pad_examples(index, digits, seed)


def collect(
    frames_per_family: int, digits: scenes.DigitSet, seed: int = SEED, quiet: bool = False
) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """(images ``(N, 28, 28)`` uint8, labels ``(N,)`` uint8, examples per family)."""
    images: List[np.ndarray] = []
    labels: List[int] = []
    per_family: Counter[str] = Counter()
    total = frames_per_family * (len(scenes.TUNING_FAMILIES) + 1)
    for source, examples in tqdm(
        pictures(frames_per_family, digits, seed),
        total=total,
        desc="scenes and pads",
        unit="picture",
        disable=quiet,
    ):
        for image, label in examples:
            images.append(image)
            labels.append(label)
        if examples:
            per_family[source] += len(examples)
    stacked = np.stack(images) if images else np.zeros((0, 28, 28), np.uint8)
    return stacked, np.array(labels, np.uint8), dict(per_family)


def main(args: argparse.Namespace) -> int:
    """Generate, read and write the examples as the arguments say; the exit status."""
    from exercise.training import data

    started = time.perf_counter()
    cv2.setNumThreads(1)
    data_dir = data.resolve_data_dir(args.data)
    digits = load_split(data_dir, "train")
    print(
        f"{args.frames:,} frames of each of {', '.join(scenes.TUNING_FAMILIES)} "
        f"(held out: {scenes.HELD_OUT}) and as many pad drawings, MNIST train digits from {data_dir}"
    )
    images, labels, per_family = collect(args.frames, digits, quiet=args.quiet)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / IMAGES_FILE).write_bytes(idx_bytes(images))
    (out / LABELS_FILE).write_bytes(idx_bytes(labels))
    summary = {
        "frames_per_family": args.frames,
        "seed": SEED,
        "examples": len(labels),
        "per_family": per_family,
        "per_digit": np.bincount(labels, minlength=10).tolist(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"wrote {len(labels):,} examples to {out} in {summary['seconds']:.0f} s "
        f"(per family {per_family}); fine-tune with: digit-classifier train --finetune MODEL --extra {out}"
    )
    return 0
