"""The packaged demo digits and the builder that makes them from MNIST's IDX files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exercise.cameras import demo_assets
from exercise.exceptions import DatasetError


def test_the_packaged_asset_is_small_balanced_mnist():
    images, labels = demo_assets.load()
    assert images.shape == (500, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == [50] * 10
    assert demo_assets.ASSET_PATH.stat().st_size < 300_000
    assert images[:, 0, :].max() == 0  # MNIST layout: white digit on black, empty border rows


def test_build_reproduces_the_packaged_asset_from_training_digits(tmp_path: Path, mnist_dir: Path):
    out = demo_assets.build(mnist_dir, tmp_path / "digits.npz")
    with np.load(out) as built, np.load(demo_assets.ASSET_PATH) as packaged:
        assert np.array_equal(built["indices"], packaged["indices"])
        assert np.array_equal(built["images"], packaged["images"])
        assert built["indices"].max() >= 10_000  # drawn from the 60k training set


def test_load_names_a_missing_asset(tmp_path: Path):
    with pytest.raises(DatasetError, match="demo_assets"):
        demo_assets.load(tmp_path / "gone.npz")
