"""The demo camera's handwriting: a few hundred MNIST training digits stored in the package.

``exercise/assets/demo_digits.npz`` holds ``images`` (N, 28, 28) uint8, white digit on
black as MNIST stores them, ``labels`` (N,) uint8 and ``indices`` (N,) int32, the position
of each digit in the MNIST *training* set (so that evaluating on the test set never meets
a digit the demo camera shows). Rebuild it with::

    python -m exercise.cameras.demo_assets /work/shared/data/mnist

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

#: Where the package keeps the demo digits.
ASSET_PATH = Path(__file__).resolve().parent.parent / "assets" / "demo_digits.npz"

ATTRIBUTION = (
    "The demo camera shows handwritten digits from the MNIST database (Yann LeCun, Corinna "
    "Cortes, Christopher J.C. Burges), used under the Creative Commons Attribution-Share "
    "Alike 3.0 license."
)


def select_digits(images: np.ndarray, labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` digits of each class, drawn at random, in a shuffled order.

    The extremes of stroke weight are skipped (about the lightest and the heaviest 5%):
    faint scribbles and blots that, drawn with a pen on a sheet in front of a webcam,
    would not look like anyone's handwriting.
    """
    rng = np.random.default_rng(seed)
    ink = (images > 128).reshape(len(images), -1).sum(axis=1)
    usable = (ink >= 55) & (ink <= 165)
    chosen: List[np.ndarray] = []
    for digit in range(10):
        candidates = np.flatnonzero((labels == digit) & usable)
        if len(candidates) < per_class:
            raise DatasetError("labels", f"only {len(candidates)} usable digits of class {digit}")
        chosen.append(rng.choice(candidates, size=per_class, replace=False))
    indices = np.concatenate(chosen)
    rng.shuffle(indices)
    return indices.astype(np.int32)


def build(mnist_dir: Path, out: Path = ASSET_PATH, per_class: int = 50, seed: int = 0) -> Path:
    """Write the asset from MNIST's training IDX files in ``mnist_dir``; returns its path.

    Raises:
        DatasetError: the IDX files are missing or broken.
    """
    images, labels = load_split(mnist_dir, "train")
    indices = select_digits(images, labels, per_class, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, images=images[indices], labels=labels[indices], indices=indices)
    return out


def load(path: Path = ASSET_PATH) -> Tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8, white on black, and labels (N,) uint8 of the demo digits.

    Raises:
        DatasetError: the asset is missing (rebuild it with this module's ``main``).
    """
    try:
        with np.load(path) as data:
            return data["images"], data["labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise DatasetError(
            str(path), f"demo digits unreadable ({exc}); rebuild with python -m exercise.cameras.demo_assets"
        ) from exc


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Build the demo camera's digit asset from MNIST IDX files.")
    parser.add_argument("mnist_dir", type=Path, help="folder with train-images-idx3-ubyte(.gz) and labels")
    parser.add_argument("--out", type=Path, default=ASSET_PATH)
    parser.add_argument("--per-class", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = build(args.mnist_dir, args.out, args.per_class, args.seed)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB, {10 * args.per_class} digits)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
