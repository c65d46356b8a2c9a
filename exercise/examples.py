"""A student's own hard examples: 28x28 model inputs with the label the student gave.

The page's "Save this digit" and ``evaluate --reel --add-misread`` put examples here;
``digit-classifier train --finetune MODEL --extra DIR`` trains on them. They are kept as
MNIST's training files are, so every MNIST tool reads them too (``evaluate --data DIR
--split train``)::

    DIR/train-images-idx3-ubyte   N x 28 x 28 unsigned bytes, white digit on black
    DIR/train-labels-idx1-ubyte   N unsigned bytes, 0-9

Each change writes both new files in full beside the old ones, then renames the images,
then the labels, holding a lock file that the server and ``evaluate --add-misread`` both
take. A crash between the two renames is finished on the next read (the new labels are
already complete on disk); a crash before them leaves the old set. So a reader finds the
old set or the new one, never half of one. A set that cannot be read is never written over:
changing it says why and where it is, and leaves it for the student.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from exercise.evaluate import NUM_CLASSES
from exercise.exceptions import DatasetError
from exercise.idx import SPLIT_FILES, idx_bytes, load_split
from exercise.preprocess import MNIST_SIDE as SIDE

#: The page's set: this folder in the state directory.
EXAMPLES_DIR = "examples"
#: Examples one set may hold: more than fine-tuning needs, and few enough that the page
#: receives and draws the whole set at every change (1.6 MB).
MAX_EXAMPLES = 2_000
IMAGES_FILE, LABELS_FILE = SPLIT_FILES["train"]
#: A change's new files, complete before they are renamed over the set's.
NEW_SUFFIX = ".new"
LOCK_FILE = ".lock"


class ExampleMoved(LookupError):
    """The example at an index is not the one the caller meant: the set changed since."""


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
        with self._locked():
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
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images and {len(labels)} labels: one label per example")
        pictures = [_checked_image(image) for image in images]
        digits = [_checked_label(label) for label in labels]
        with self._locked(create=True):
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

    def delete(self, index: int, label: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Remove the example at ``index`` (if given, it must be an example of ``label``);
        returns the whole set after it.

        Raises:
            IndexError: no example has that index.
            ExampleMoved: the example there is not of ``label`` (the set changed meanwhile).
            DatasetError: the set on disk cannot be read (it is left as it is).
        """
        with self._locked():
            images, labels = self._load()
            if isinstance(index, bool) or not 0 <= index < len(labels):
                raise IndexError(f"no example number {index}: the set holds {len(labels)}")
            if label is not None and int(labels[index]) != label:
                raise ExampleMoved(
                    f"example number {index} is a {int(labels[index])}, not the {label} meant: "
                    "the set changed meanwhile (another tab?); nothing was deleted"
                )
            images, labels = np.delete(images, index, axis=0), np.delete(labels, index)
            self._write(images, labels)
            return images, labels

    @contextlib.contextmanager
    def _locked(self, create: bool = False) -> Iterator[None]:
        """This process's threads, and other processes, one at a time; ``create`` makes the
        folder first (a change), otherwise a folder not there yet has nothing to read."""
        with self._lock:
            if create:
                self.directory.mkdir(parents=True, exist_ok=True)
            elif not self.directory.is_dir():
                yield
                return
            with open(self.directory / LOCK_FILE, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self) -> Tuple[np.ndarray, np.ndarray]:
        images_path, labels_path = self.directory / IMAGES_FILE, self.directory / LABELS_FILE
        for packed in (images_path, labels_path):
            if packed.with_name(packed.name + ".gz").exists():
                raise DatasetError(
                    str(packed) + ".gz",
                    "this folder holds gzipped IDX files (is it MNIST's?): "
                    "keep examples in a folder of their own",
                )
        self._finish_interrupted_change()
        if not images_path.exists() and not labels_path.exists():
            return np.zeros((0, SIDE, SIDE), np.uint8), np.zeros(0, np.uint8)
        images, labels = load_split(self.directory, "train")
        if images.shape[1:] != (SIDE, SIDE):
            raise DatasetError(str(images_path), f"expected 28x28 images, found {images.shape[1:]}")
        if labels.size and int(labels.max()) >= NUM_CLASSES:
            raise DatasetError(str(labels_path), f"labels must be 0-9, found {int(labels.max())}")
        return images, labels

    def _finish_interrupted_change(self) -> None:
        """Complete a change whose images were renamed into place but not its labels; drop
        one that stopped before that (the old set is whole)."""
        new_images = self.directory / (IMAGES_FILE + NEW_SUFFIX)
        new_labels = self.directory / (LABELS_FILE + NEW_SUFFIX)
        if new_labels.exists() and not new_images.exists():
            os.replace(new_labels, self.directory / LABELS_FILE)
        for leftover in (new_images, new_labels):
            if leftover.exists():
                leftover.unlink()

    def _write(self, images: np.ndarray, labels: np.ndarray) -> None:
        new_images = self.directory / (IMAGES_FILE + NEW_SUFFIX)
        new_labels = self.directory / (LABELS_FILE + NEW_SUFFIX)
        _write_synced(new_images, idx_bytes(images))
        _write_synced(new_labels, idx_bytes(labels))
        os.replace(new_images, self.directory / IMAGES_FILE)
        os.replace(new_labels, self.directory / LABELS_FILE)


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


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
