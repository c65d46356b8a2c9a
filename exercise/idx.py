"""Read MNIST-format IDX files (``*-idx3-ubyte``, ``*-idx1-ubyte``, gzipped or not).

Used by the runtime's ``evaluate`` and by the trainer, so it needs numpy only. Any
10-class dataset in this format (Fashion-MNIST, KMNIST...) reads the same way.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path
from typing import Dict, Tuple, Union

import numpy as np

from exercise.exceptions import DatasetError

#: IDX type byte -> numpy dtype (big-endian, as the format stores it).
_IDX_TYPES: Dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: split -> (images file stem, labels file stem)
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

PathLike = Union[str, Path]


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of one (uncompressed) IDX file into an array of its shape.

    Raises:
        DatasetError: bad magic number, unknown type, or fewer bytes than the header says.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DatasetError(source, "not an IDX file (the magic number must start with two zero bytes)")
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_TYPES:
        raise DatasetError(source, f"unknown IDX data type 0x{type_code:02x}")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetError(source, "truncated IDX header")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = _IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    available = len(data) - header_size
    if available < expected:
        raise DatasetError(
            source,
            f"truncated: header promises {expected} bytes of data for shape {shape}, file has {available}",
        )
    array = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=header_size)
    return array.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def idx_bytes(array: np.ndarray) -> bytes:
    """``array`` as an unsigned-byte IDX file (what :func:`parse_idx` reads back)."""
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, 0x08, array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def read_idx(path: PathLike) -> np.ndarray:
    """Read one IDX file; a ``.gz`` suffix (or gzip magic) means gzipped."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DatasetError(str(path), f"corrupt gzip data: {exc}") from exc
    return parse_idx(raw, str(path))


def find_idx_file(directory: PathLike, stem: str) -> Path:
    """``DIR/stem`` or ``DIR/stem.gz``, whichever exists.

    Raises:
        DatasetError: neither exists; the message names both paths tried.
    """
    directory = Path(directory)
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise DatasetError(str(directory / stem), f"missing: put {stem} or {stem}.gz in {directory}")


def load_split(directory: PathLike, split: str = "test") -> Tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 28, 28)`` uint8 (white digit on black) and labels ``(N,)`` uint8.

    Raises:
        DatasetError: a file is missing or broken, or images and labels disagree.
    """
    if split not in SPLIT_FILES:
        raise ValueError(f"split must be one of {sorted(SPLIT_FILES)}, not {split!r}")
    images_stem, labels_stem = SPLIT_FILES[split]
    images_path = find_idx_file(directory, images_stem)
    labels_path = find_idx_file(directory, labels_stem)
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise DatasetError(str(images_path), f"expected images of shape (N, H, W), found {images.shape}")
    if labels.ndim != 1:
        raise DatasetError(str(labels_path), f"expected labels of shape (N,), found {labels.shape}")
    if len(images) != len(labels):
        raise DatasetError(
            str(labels_path), f"{len(labels)} labels for {len(images)} images in {images_path.name}"
        )
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise DatasetError(str(images_path), "expected unsigned byte images and labels")
    return images, labels
