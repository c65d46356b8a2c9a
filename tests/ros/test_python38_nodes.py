"""The ROS nodes run on Noetic's Python 3.8: vermin must see them (they have no .py suffix)
and a real 3.8 interpreter must compile them and the ROS modules they import."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ros.conftest import ROOT

pytestmark = pytest.mark.ros

NODES = [ROOT / "scripts" / "exercise_node", ROOT / "scripts" / "webcam_publisher"]
ROS_MODULES = sorted((ROOT / "exercise" / "ros").glob("*.py")) + [ROOT / "exercise" / "cameras" / "ros.py"]
PYTHON38 = Path("/root/.pyenv/versions/3.8.18/bin/python3.8")


def vermin() -> str:
    beside = Path(sys.executable).parent / "vermin"
    found = str(beside) if beside.is_file() else shutil.which("vermin")
    assert found, "vermin is not installed: pip install -e '.[test]'"
    return found


def test_vermin_checks_both_nodes_and_finds_nothing_newer_than_3_8() -> None:
    result = subprocess.run(
        [vermin(), "-t=3.8-", "--no-tips", "--violations", "-vv", *map(str, NODES), *map(str, ROS_MODULES)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    analysed = re.search(r"Analyzing (\d+) files", result.stdout)
    assert analysed and int(analysed.group(1)) == len(NODES) + len(ROS_MODULES), result.stdout


def test_nodes_compile_under_python_3_8(tmp_path: Path) -> None:
    python38 = str(PYTHON38) if PYTHON38.is_file() else shutil.which("python3.8")
    if python38 is None:
        pytest.skip("no Python 3.8 interpreter here; vermin above still checks the nodes")
    for source in [*NODES, *ROS_MODULES]:
        target = tmp_path / (source.name + ".pyc")
        code = f"import py_compile; py_compile.compile({str(source)!r}, cfile={str(target)!r}, doraise=True)"
        result = subprocess.run([python38, "-c", code], capture_output=True, text=True)
        assert result.returncode == 0, f"{source}: {result.stderr}"
