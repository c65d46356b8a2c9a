"""Fixtures for the training tests: the real MNIST files and one short, shared training run.

Every test here is marked ``training`` (it imports PyTorch); the session-scoped run trains an
MLP for one epoch on 2,000 real MNIST images, a few seconds of CPU, once for all tests that
need a run directory or a checkpoint.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List

import pytest

pytest.importorskip("torch")

from exercise.training.options import add_train_arguments  # noqa: E402


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.training)


def train_args(*argv: str) -> argparse.Namespace:
    """The namespace ``digit-classifier train ARGV`` would produce."""
    return add_train_arguments(argparse.ArgumentParser()).parse_args(list(argv))


@pytest.fixture(scope="session")
def short_run(tmp_path_factory: pytest.TempPathFactory, mnist_dir: Path) -> Path:
    """The --out directory of a finished 1-epoch MLP run on 2,000 images (with plots)."""
    from exercise.training.train import main

    out = tmp_path_factory.mktemp("short_run")
    args = train_args(
        "--arch", "mlp", "--data", str(mnist_dir), "--out", str(out), "--subset", "2000",
        "--val-size", "1000", "--epochs", "1", "--batch-size", "32", "--no-augment", "--quiet",
    )  # fmt: skip
    assert main(args=args) == 0
    return out
