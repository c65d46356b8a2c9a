"""exercise/training/options.py: the runtime's CLI imports it on Python 3.8, without torch."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from exercise.training import options

ROOT = Path(__file__).resolve().parents[2]


def test_options_module_stays_python_3_8_compatible() -> None:
    # tests/test_python38.py skips exercise/training/; this one module is imported by the runtime.
    vermin = Path(sys.executable).parent / "vermin"
    result = subprocess.run(
        [str(vermin), "-t=3.8-", "--no-tips", "--violations", str(ROOT / "exercise/training/options.py")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_augment_flags_and_defaults() -> None:
    parser = options.add_train_arguments(argparse.ArgumentParser())
    assert parser.parse_args([]).augment is True
    assert parser.parse_args(["--no-augment"]).augment is False
    defaults = parser.parse_args([])
    assert (defaults.arch, defaults.device, defaults.normalization) == ("digitnet", "cpu", "unit")
