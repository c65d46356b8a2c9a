"""100 MNIST **test** digits bundled with the package, ten of each, for the model doctor.

``exercise/assets/mnist_sample.npz`` holds ``images`` (100, 28, 28) uint8, white digit on
black as MNIST stores them, ``labels`` (100,) uint8 and ``indices`` (100,) int32, each
digit's position in the MNIST test set: the first ten of each digit. Test digits, so a
model trained on MNIST's training set has never seen them. Rebuild it with::

    python -m exercise.mnist_sample /work/shared/data/mnist

MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges) is available under the
Creative Commons Attribution-Share Alike 3.0 license.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from exercise.exceptions import DatasetError
from exercise.idx import load_split

SAMPLE_PATH = Path(__file__).resolve().parent / "assets" / "mnist_sample.npz"
PER_DIGIT = 10


def load_sample(path: Path = SAMPLE_PATH) -> Tuple[np.ndarray, np.ndarray]:
    """(images (N, 28, 28) uint8, labels (N,) int64) of the bundled sample.

    Raises:
        DatasetError: the file is missing or not what this module writes.
    """
    try:
        with np.load(path) as data:
            images, labels = data["images"], data["labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise DatasetError(str(path), f"cannot read the bundled MNIST sample: {exc}") from exc
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(labels) != len(images):
        raise DatasetError(str(path), f"expected (N, 28, 28) images and N labels, found {images.shape}")
    return images.astype(np.uint8), labels.astype(np.int64)


def build(data_dir: Path, path: Path = SAMPLE_PATH) -> None:
    """Write the sample from the MNIST test files in ``data_dir``."""
    images, labels = load_split(data_dir, "test")
    chosen: List[int] = []
    for digit in range(10):
        chosen += [int(i) for i in np.flatnonzero(labels == digit)[:PER_DIGIT]]
    order = np.array(sorted(chosen), np.int32)
    np.savez_compressed(path, images=images[order], labels=labels[order].astype(np.uint8), indices=order)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write exercise/assets/mnist_sample.npz from MNIST's test files."
    )
    parser.add_argument("data", type=Path, help="folder with the MNIST IDX files (.gz or not)")
    args = parser.parse_args(argv)
    build(args.data)
    print(f"wrote {SAMPLE_PATH} ({SAMPLE_PATH.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
