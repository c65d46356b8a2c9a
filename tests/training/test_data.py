"""exercise/training/data.py: IDX loading, the checksum-verified download, splits, augmentation."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import struct
import threading
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
import torch

from exercise.exceptions import DatasetError
from exercise.idx import load_split
from exercise.training import data


def _idx_bytes(array: np.ndarray) -> bytes:
    return (
        struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
        + struct.pack(f">{array.ndim}I", *array.shape)
        + array.tobytes()
    )


def _write_split(
    directory: Path, split_stems: tuple, images: np.ndarray, labels: np.ndarray, gz: bool
) -> None:
    for stem, array in zip(split_stems, (images, labels)):
        raw = _idx_bytes(array)
        if gz:
            (directory / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (directory / stem).write_bytes(raw)


def _make_dataset(directory: Path, n_train: int = 60, n_test: int = 20, gz: bool = False) -> None:
    rng = np.random.default_rng(0)
    _write_split(directory, ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                 rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
                 (np.arange(n_train) % 10).astype(np.uint8), gz)  # fmt: skip
    _write_split(directory, ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
                 rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
                 (np.arange(n_test) % 10).astype(np.uint8), not gz)  # fmt: skip


@pytest.mark.parametrize("gz", [False, True])
def test_load_splits_reads_plain_and_gzipped_files(tmp_path: Path, gz: bool) -> None:
    _make_dataset(tmp_path, gz=gz)
    splits = data.load_splits(tmp_path, val_size=10)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (50, 10, 20)
    image, label = splits.train[0]
    assert image.shape == (1, 28, 28) and image.dtype == torch.uint8 and label.dtype == torch.int64
    # Validation and training images come from the training file without overlap.
    train_rows = {bytes(x) for x in splits.train.images.numpy()}
    assert not train_rows & {bytes(x) for x in splits.val.images.numpy()}


def test_validation_split_is_the_same_for_every_load(tmp_path: Path) -> None:
    _make_dataset(tmp_path)
    first, second = data.load_splits(tmp_path, val_size=10), data.load_splits(tmp_path, val_size=10)
    assert torch.equal(first.val.images, second.val.images)


def test_subset_limits_every_split(tmp_path: Path) -> None:
    _make_dataset(tmp_path)
    splits = data.load_splits(tmp_path, val_size=10, subset=5)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (5, 5, 5)


def test_missing_file_error_names_it(tmp_path: Path) -> None:
    _make_dataset(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte"):
        data.load_splits(tmp_path)


def test_bad_magic_is_refused(tmp_path: Path) -> None:
    _make_dataset(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x89PNG" + bytes(100))
    with pytest.raises(DatasetError, match="not an IDX file") as caught:
        data.load_splits(tmp_path)
    assert "train-images-idx3-ubyte" in str(caught.value)


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    _make_dataset(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DatasetError, match="truncated"):
        data.load_splits(tmp_path)


def test_validation_size_must_leave_training_images(tmp_path: Path) -> None:
    _make_dataset(tmp_path)
    with pytest.raises(DatasetError, match="--val-size"):
        data.load_splits(tmp_path, val_size=60)


# --- the checksum-verifying download, against a real HTTP server on 127.0.0.1 ------------


@pytest.fixture()
def http_root(tmp_path: Path) -> Iterator[tuple]:
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_download_with_good_checksum_is_kept(tmp_path: Path, http_root: tuple) -> None:
    root, url = http_root
    raw = _idx_bytes(np.arange(10, dtype=np.uint8))
    (root / "labels.gz").write_bytes(gzip.compress(raw))
    target = tmp_path / "cache" / "labels.gz"
    assert data.download_verified([url + "labels.gz"], target, hashlib.md5(raw).hexdigest()) == target
    assert gzip.decompress(target.read_bytes()) == raw
    assert [p.name for p in target.parent.iterdir()] == ["labels.gz"]  # no leftover .part file


def test_download_with_bad_checksum_is_rejected_and_not_kept(tmp_path: Path, http_root: tuple) -> None:
    root, url = http_root
    (root / "labels.gz").write_bytes(gzip.compress(b"tampered"))
    target = tmp_path / "cache" / "labels.gz"
    with pytest.raises(DatasetError, match="checksum mismatch"):
        data.download_verified([url + "labels.gz"], target, hashlib.md5(b"genuine").hexdigest())
    assert list(target.parent.iterdir()) == []


def test_download_falls_back_to_the_next_mirror(tmp_path: Path, http_root: tuple) -> None:
    root, url = http_root
    (root / "b").mkdir()
    (root / "b" / "f").write_bytes(b"payload")
    target = tmp_path / "f"
    data.download_verified([url + "a/f", url + "b/f"], target, hashlib.md5(b"payload").hexdigest())
    assert target.read_bytes() == b"payload"


def test_ensure_mnist_downloads_missing_files_and_verifies_them(
    tmp_path: Path, http_root: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, url = http_root
    _make_dataset(root, gz=True)
    for path in root.iterdir():  # the test files, gzipped, as the mirrors serve them
        if not path.name.endswith(".gz"):
            path.write_bytes(gzip.compress(path.read_bytes()))
            path.rename(path.with_name(path.name + ".gz"))
    checksums = {stem: data.md5_of_idx(root / f"{stem}.gz") for stem in data.MNIST_MD5}
    monkeypatch.setattr(data, "MNIST_MD5", checksums)
    cache = tmp_path / "cache"
    data.ensure_mnist(cache, mirrors=[url])
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{stem}.gz" for stem in checksums)
    assert len(data.load_splits(cache, val_size=10).train) == 50


def test_offline_error_says_where_to_put_the_files(tmp_path: Path, http_root: tuple) -> None:
    _, url = http_root
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError) as caught:
        data.ensure_mnist(cache, mirrors=[url + "nothing-here/"])
    message = str(caught.value)
    assert str(cache) in message and "train-images-idx3-ubyte" in message and "--data" in message


def test_cache_dir_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.default_cache_dir() == tmp_path / "digit-classifier" / "mnist"


def test_official_checksums_match_the_shared_copy(mnist_dir: Path) -> None:
    assert (
        data.md5_of_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz") == data.MNIST_MD5["t10k-labels-idx1-ubyte"]
    )


# --- augmentation --------------------------------------------------------------------------


def _digit_batch(mnist_dir: Path, n: int = 64) -> torch.Tensor:
    images, _ = load_split(mnist_dir, "test")
    return data.to_float(torch.from_numpy(images[:n].copy()).unsqueeze(1))


def test_augmentation_changes_images_within_range_and_reproducibly(mnist_dir: Path) -> None:
    batch = _digit_batch(mnist_dir)
    augment = data.Augmenter()
    first = augment(batch, torch.Generator().manual_seed(3))
    again = augment(batch, torch.Generator().manual_seed(3))
    other = augment(batch, torch.Generator().manual_seed(4))
    assert first.shape == batch.shape and first.dtype == torch.float32
    assert float(first.min()) >= 0.0 and float(first.max()) <= 1.0
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert float((first - batch).abs().mean()) > 0.02
    # Still the same digits: most of the ink stays where it was (small distortions only).
    overlap = (first * batch).sum() / (batch * batch).sum()
    assert float(overlap) > 0.4


def test_thickness_dilates_and_erodes(mnist_dir: Path) -> None:
    batch = _digit_batch(mnist_dir, 8)
    ones = torch.ones(len(batch))
    thicker = data.Augmenter._thickness(batch, ones)
    thinner = data.Augmenter._thickness(batch, -ones)
    assert float(thicker.sum()) > 1.3 * float(batch.sum()) > 1.3 * 1.3 * float(thinner.sum())
