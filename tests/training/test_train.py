"""exercise/training/train.py: a short real run learns, writes its outputs, and resumes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch

from exercise.training import checkpoints
from exercise.training import train as train_module
from exercise.training.options import add_train_arguments
from exercise.training.train import main


def test_short_run_beats_chance_by_far(short_run: Path) -> None:
    log = [json.loads(line) for line in (short_run / "log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in log] == [1]
    assert log[0]["val_accuracy"] > 0.7
    run = json.loads((short_run / "run.json").read_text())
    assert run["test_accuracy"] > 0.7 and len(run["test_per_class_accuracy"]) == 10
    assert {"best.pt", "last.pt", "predictions.npz"} <= {p.name for p in short_run.iterdir()}


def test_best_checkpoint_records_arch_normalization_and_epoch(short_run: Path) -> None:
    state = checkpoints.load(short_run / checkpoints.BEST)
    assert (state["arch"], state["normalization"], state["epoch"]) == ("mlp", "unit", 1)


def train_args(*argv: str) -> argparse.Namespace:
    return add_train_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def _run_args(out: Path, mnist_dir: Path, *extra: str):  # type: ignore[no-untyped-def]
    return train_args(
        "--arch", "lenet", "--data", str(mnist_dir), "--out", str(out), "--subset", "600",
        "--val-size", "300", "--epochs", "2", "--batch-size", "64",
        "--quiet", "--no-plots", "--seed", "5", *extra,
    )  # fmt: skip


def test_resume_continues_from_the_saved_epoch_as_if_never_stopped(
    tmp_path: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    assert main(args=_run_args(tmp_path / "straight", mnist_dir)) == 0

    # Interrupt a second, identical run during epoch 2, as Ctrl-C would.
    real_test = train_module.test
    calls = []

    def interrupted_test(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_test(*args, **kwargs)

    monkeypatch.setattr(train_module, "test", interrupted_test)
    with pytest.raises(KeyboardInterrupt):
        main(args=_run_args(tmp_path / "resumed", mnist_dir))
    assert checkpoints.load(tmp_path / "resumed" / checkpoints.LAST)["epoch"] == 1
    monkeypatch.setattr(train_module, "test", real_test)

    capsys.readouterr()
    assert main(args=_run_args(tmp_path / "resumed", mnist_dir, "--resume")) == 0
    assert "after epoch 1" in capsys.readouterr().out
    log = [json.loads(line) for line in (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in log] == [1, 2]
    straight = checkpoints.load(tmp_path / "straight" / checkpoints.LAST)["model"]
    resumed = checkpoints.load(tmp_path / "resumed" / checkpoints.LAST)["model"]
    for name, tensor in straight.items():
        assert torch.allclose(tensor, resumed[name], atol=1e-6), name


def test_resume_without_a_checkpoint_names_the_file(tmp_path: Path, mnist_dir: Path) -> None:
    from exercise.exceptions import ModelFormatError

    with pytest.raises(ModelFormatError, match="last.pt"):
        main(args=_run_args(tmp_path, mnist_dir, "--resume"))


def test_dry_run_trains_one_batch(tmp_path: Path, mnist_dir: Path) -> None:
    assert main(args=_run_args(tmp_path, mnist_dir, "--dry-run")) == 0
    log = (tmp_path / "log.jsonl").read_text().splitlines()
    assert len(log) == 1 and json.loads(log[0])["epoch"] == 1


def test_train_help_works_without_importing_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys, exercise.cli as c\n"
        "try:\n    c.main(['train', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules, 'train --help imported torch'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--patience" in result.stdout and "--no-augment" in result.stdout
