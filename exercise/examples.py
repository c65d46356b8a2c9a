"""A student's own hard examples: 28x28 model inputs with the label the student gave.

The page's "Save this digit" and ``evaluate --reel --add-misread`` put examples here;
``digit-classifier train --finetune MODEL --extra DIR`` trains on them. They are kept as
MNIST's training files are, so every MNIST tool reads them too (``evaluate --data DIR
--split train``)::

    DIR/train-images-idx3-ubyte   N x 28 x 28 unsigned bytes, white digit on black
    DIR/train-labels-idx1-ubyte   N unsigned bytes, 0-9

Each change rewrites both files through temporary files renamed into place, so a crash
leaves the old set or the new one, never half of one. A set that cannot be read is never
written over: adding to it says why and where it is, and leaves it for the student.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import List, Sequence, Tuple, Union

import numpy as np

from exercise.exceptions import DatasetError
from exercise.idx import SPLIT_FILES, idx_bytes, load_split

#: The page's set: this folder in the state directory.
EXAMPLES_DIR = "examples"
#: Examples one set may hold: far more than fine-tuning needs, small on disk (784 bytes each).
MAX_EXAMPLES = 10_000
SIDE = 28
NUM_CLASSES = 10
IMAGES_FILE, LABELS_FILE = SPLIT_FILES["train"]


class ExampleSet:
    """The examples in one folder; safe to use from several threads."""

    def __init__(self, directory: Union[str, Path]) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()

    def load(self) -> Tuple[np.ndarray, np.ndarray]:
        """Images ``(N, 28, 28)`` uint8 and labels ``(N,)`` uint8; empty when there are none yet.

        Raises:
            DatasetError: the files exist but cannot be read, or are not 28x28 digits 0-9.
        """
        with self._lock:
            return self._load()

    def add(self, image: np.ndarray, label: int) -> Tuple[np.ndarray, np.ndarray]:
        """Append one example; returns the whole set after it.

        Raises:
            ValueError: not a 28x28 image of bytes, a label outside 0-9, or the set is full.
            DatasetError: the set on disk cannot be read (it is left as it is).
        """
        return self.extend([image], [label])

    def extend(self, images: Sequence[np.ndarray], labels: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
        """Append several examples at once (all or none); returns the whole set after them.

        Raises: as :meth:`add`.
        """
        pictures = [_checked_image(image) for image in images]
        digits = [_checked_label(label) for label in labels]
        with self._lock:
            held, held_labels = self._load()
            if len(held_labels) + len(pictures) > MAX_EXAMPLES:
                raise ValueError(
                    f"{self.directory} holds {len(held_labels)} examples; {len(pictures)} more would pass "
                    f"{MAX_EXAMPLES}, the most a set may hold: delete some first"
                )
            if not pictures:
                return held, held_labels
            held = np.concatenate([held, np.stack(pictures)])
            held_labels = np.concatenate([held_labels, np.asarray(digits, np.uint8)])
            self._write(held, held_labels)
            return held, held_labels

    def delete(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        """Remove the example at ``index``; returns the whole set after it.

        Raises:
            IndexError: no example has that index.
            DatasetError: the set on disk cannot be read (it is left as it is).
        """
        with self._lock:
            images, labels = self._load()
            if isinstance(index, bool) or not 0 <= index < len(labels):
                raise IndexError(f"no example number {index}: the set holds {len(labels)}")
            images, labels = np.delete(images, index, axis=0), np.delete(labels, index)
            self._write(images, labels)
            return images, labels

    def _load(self) -> Tuple[np.ndarray, np.ndarray]:
        images_path, labels_path = self.directory / IMAGES_FILE, self.directory / LABELS_FILE
        if not images_path.exists() and not labels_path.exists():
            return np.zeros((0, SIDE, SIDE), np.uint8), np.zeros(0, np.uint8)
        images, labels = load_split(self.directory, "train")
        if images.shape[1:] != (SIDE, SIDE):
            raise DatasetError(str(images_path), f"expected 28x28 images, found {images.shape[1:]}")
        if labels.size and int(labels.max()) >= NUM_CLASSES:
            raise DatasetError(str(labels_path), f"labels must be 0-9, found {int(labels.max())}")
        return images, labels

    def _write(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        _replace(self.directory / IMAGES_FILE, idx_bytes(images))
        _replace(self.directory / LABELS_FILE, idx_bytes(labels))


def counts_per_class(labels: np.ndarray) -> List[int]:
    """How many examples of each digit 0-9."""
    return [int(n) for n in np.bincount(labels.astype(np.int64), minlength=NUM_CLASSES)[:NUM_CLASSES]]


def _checked_label(label: int) -> int:
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < NUM_CLASSES:
        raise ValueError(f"an example's label must be a digit 0-9, got {label!r}")
    return int(label)


def _checked_image(image: np.ndarray) -> np.ndarray:
    picture = np.asarray(image)
    if picture.shape != (SIDE, SIDE):
        raise ValueError(f"an example must be a 28x28 image, got shape {picture.shape}")
    if picture.dtype != np.uint8:
        if not np.issubdtype(picture.dtype, np.integer) or picture.min() < 0 or picture.max() > 255:
            raise ValueError("an example's pixels must be whole numbers 0-255")
        picture = picture.astype(np.uint8)
    return picture


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
