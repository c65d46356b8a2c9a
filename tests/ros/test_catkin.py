"""``catkin_make install`` of the package in a fresh workspace, with Debian's catkin."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ros.conftest import ROOT

pytestmark = pytest.mark.ros


def sourced_env(setup: Path, env: dict) -> dict:
    """The environment after ``source setup.bash``."""
    output = subprocess.run(
        ["bash", "-c", f"source {setup} && env -0"], env=env, capture_output=True, check=True
    ).stdout.decode()
    return dict(line.split("=", 1) for line in output.split("\0") if "=" in line)


@pytest.fixture(scope="module")
def install_space(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("catkin_make") is None:
        pytest.fail("catkin_make is missing: run `make system-deps` (Debian's catkin)")
    workspace = tmp_path_factory.mktemp("catkin_ws")
    (workspace / "src").mkdir()
    (workspace / "src" / "dl_digit_classifier").symlink_to(ROOT)
    install = workspace / "install"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROS_", "CMAKE_PREFIX", "PYTHONPATH"))}
    env["PWD"] = str(workspace)  # catkin_make finds the workspace through $PWD
    # Debian's python3 has catkin_pkg; a pyenv python3 first on PATH would not.
    python = "-DPYTHON_EXECUTABLE=/usr/bin/python3"
    result = subprocess.run(
        ["catkin_make", "install", f"-DCMAKE_INSTALL_PREFIX={install}", python],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return install


def test_nodes_launch_files_and_page_are_installed(install_space: Path) -> None:
    nodes = install_space / "lib" / "dl_digit_classifier"
    for node in ("exercise_node", "webcam_publisher"):
        assert os.access(nodes / node, os.X_OK), node
    share = install_space / "share" / "dl_digit_classifier"
    assert (share / "package.xml").is_file()
    assert {p.name for p in (share / "launch").iterdir()} == {"exercise.launch", "exercise_demo.launch"}
    assert (share / "static" / "index.html").is_file()


def test_the_python_package_is_installed_with_its_assets(install_space: Path) -> None:
    installed = install_space / "lib" / "python3" / "dist-packages" / "exercise"
    for source in (ROOT / "exercise").rglob("*"):
        if source.is_file() and "__pycache__" not in source.parts and source.suffix != ".pyc":
            assert (installed / source.relative_to(ROOT / "exercise")).is_file(), source
    assert (installed / "static" / "index.html").is_file()  # where the wheel puts the page


def test_the_install_space_alone_finds_and_imports_everything(install_space: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROS_", "PYTHONPATH"))}
    env = sourced_env(install_space / "setup.bash", env)
    env["ROS_HOME"] = str(tmp_path)
    found = subprocess.run(
        ["rospack", "find", "dl_digit_classifier"], env=env, capture_output=True, text=True
    )
    assert Path(found.stdout.strip()) == install_space / "share" / "dl_digit_classifier"
    # Debian's python3 with only the install space on its path: no checkout, no venv.
    code = "import exercise, exercise.nodes.exercise_node, exercise.cameras.ros; print(exercise.__file__)"
    imported = subprocess.run(
        ["/usr/bin/python3", "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().startswith(str(install_space))
    listing = ["roslaunch", "--nodes", "dl_digit_classifier", "exercise.launch"]
    nodes = subprocess.run(listing, env=env, capture_output=True, text=True)
    assert nodes.returncode == 0, nodes.stderr
    assert set(nodes.stdout.split()) == {"/camera", "/exercise"}
