"""exercise/training/plots.py: the four PNGs of a run, written by train and by ``plot``."""

from __future__ import annotations

from pathlib import Path

import pytest

from exercise.cli import main as cli_main
from exercise.exceptions import DatasetError
from exercise.training import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAMES = [plots.CURVES, plots.SAMPLES, plots.CONFUSION, plots.MISTAKES]


def test_train_writes_the_plots(short_run: Path) -> None:
    for name in NAMES:
        data = (short_run / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000, name


def test_plot_command_regenerates_them(short_run: Path) -> None:
    for name in NAMES:
        (short_run / name).unlink()
    assert cli_main(["plot", str(short_run)]) == 0
    for name in NAMES:
        assert (short_run / name).read_bytes().startswith(PNG_MAGIC), name


def test_plot_of_a_directory_that_is_not_a_run_says_so(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="log.jsonl"):
        plots.plot_run_dir(tmp_path)
