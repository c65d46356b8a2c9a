"""exercise.idx: MNIST-format IDX files written by the tests, plain and gzipped."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from exercise.exceptions import DatasetError
from exercise.idx import find_idx_file, load_split, parse_idx, read_idx


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file's bytes, written here independently of conftest's copy."""
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.tobytes()


def test_parse_round_trips_uint8():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    parsed = parse_idx(idx_bytes(images))
    assert parsed.shape == (3, 28, 28) and parsed.dtype == np.uint8
    np.testing.assert_array_equal(parsed, images)


def test_parse_big_endian_types():
    values = np.array([1, -2, 70000], dtype=">i4")
    parsed = parse_idx(idx_bytes(values, 0x0C))
    assert parsed.dtype == np.dtype("int32") and parsed.dtype.byteorder in ("=", "<", "|")
    assert parsed.tolist() == [1, -2, 70000]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x01\x02\x08\x01", "magic number"),
        (b"\x00\x00\x42\x01", "unknown IDX data type 0x42"),
        (b"\x00\x00\x08\x03\x00\x00", "truncated IDX header"),
        (idx_bytes(np.zeros((2, 28, 28), np.uint8))[:-10], "truncated: header promises 1568 bytes"),
    ],
)
def test_parse_refuses_broken_data(data, message):
    with pytest.raises(DatasetError, match=message):
        parse_idx(data, "broken")


def test_read_gzipped_and_plain(tmp_path):
    labels = np.array([3, 1, 4], np.uint8)
    (tmp_path / "plain").write_bytes(idx_bytes(labels))
    (tmp_path / "packed.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    np.testing.assert_array_equal(read_idx(tmp_path / "plain"), labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed.gz"), labels)


def test_read_reports_corrupt_gzip_and_missing_files(tmp_path):
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + b"\x00" * 20)
    with pytest.raises(DatasetError, match="corrupt gzip"):
        read_idx(tmp_path / "bad.gz")
    with pytest.raises(DatasetError, match="cannot read"):
        read_idx(tmp_path / "nothing")


def test_find_prefers_plain_and_falls_back_to_gz(tmp_path):
    (tmp_path / "a.gz").write_bytes(b"x")
    assert find_idx_file(tmp_path, "a") == tmp_path / "a.gz"
    (tmp_path / "a").write_bytes(b"x")
    assert find_idx_file(tmp_path, "a") == tmp_path / "a"
    with pytest.raises(DatasetError, match="put b or b.gz in"):
        find_idx_file(tmp_path, "b")


@pytest.mark.parametrize("gz", [False, True])
def test_load_split(tmp_path, write_idx, gz):
    images = np.random.default_rng(1).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([0, 9, 5, 5], np.uint8)
    write_idx(tmp_path, images, labels, gz=gz)
    got_images, got_labels = load_split(tmp_path, "test")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_load_split_refuses_disagreeing_files(tmp_path, write_idx):
    write_idx(tmp_path, np.zeros((4, 28, 28), np.uint8), np.zeros(3, np.uint8))
    with pytest.raises(DatasetError, match="3 labels for 4 images"):
        load_split(tmp_path)
    write_idx(tmp_path, np.zeros((4, 784), np.uint8), np.zeros(4, np.uint8))
    with pytest.raises(DatasetError, match=r"shape \(N, H, W\)"):
        load_split(tmp_path)


def test_load_split_names_the_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte"):
        load_split(tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_split(tmp_path, "validation")
