"""The Noetic image's files, checked without a Docker engine: lint, structure, and that the
pinned Python 3.8 requirements resolve (the one test here that needs PyPI, about a minute)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ros.conftest import ROOT

pytestmark = pytest.mark.ros

DOCKER = ROOT / "docker"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        assert found, f"{name} is missing: `pip install -e .[test]` installs it"
        return found
    return str(path)


def requirements() -> dict:
    pins = {}
    for line in (DOCKER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([tool("hadolint"), str(DOCKER / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_entrypoint_passes_shellcheck() -> None:
    command = [tool("shellcheck"), str(DOCKER / "entrypoint.sh")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_on_noetic_and_copies_what_the_package_needs() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^FROM ros:noetic-ros-base\b", text, re.M)
    assert "ros-noetic-cv-bridge" in text
    assert "-r /tmp/requirements.txt" in text and "--no-deps" in text
    assert "catkin_make install" in text
    copied = set(re.findall(r"^COPY (\S+)", text, re.M))
    needs = ("exercise", "scripts", "launch", "static", "docker/requirements.txt", "docker/entrypoint.sh")
    for needed in needs:
        assert needed in copied, f"the image does not get {needed}"
        assert (ROOT / needed).exists()
    assert re.search(r"^ENTRYPOINT \[\"/entrypoint.sh\"\]", text, re.M)


def test_compose_maps_the_webcam_and_the_port() -> None:
    text = (DOCKER / "docker-compose.yml").read_text()
    assert "/dev/video0:/dev/video0" in text
    assert '"7164:7164"' in text
    assert "dockerfile: docker/Dockerfile" in text


def test_requirements_cover_the_runtime_dependencies_and_keep_numpy_1() -> None:
    import tomllib

    pins = requirements()
    runtime = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~ ;\[]", dep, maxsplit=1)[0].lower().replace("_", "-") for dep in runtime}
    # OpenCV comes from apt in the image (the one cv_bridge is built with), not from pip.
    assert names - set(pins) == {"opencv-python-headless"}
    assert pins["numpy"].startswith("1.")


@pytest.mark.timeout(600)
def test_requirements_resolve_for_python_38(tmp_path: Path) -> None:
    """Every pin exists as a Python 3.8 x86_64 wheel for focal's glibc (2.31). Needs PyPI."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--python-version", "3.8"]
    command += ["--only-binary=:all:", "--implementation", "cp"]
    for abi in ("cp38", "abi3", "none"):
        command += ["--abi", abi]
    for glibc in ("2014", "_2_27", "_2_28", "_2_31"):  # up to focal's glibc 2.31
        command += ["--platform", f"manylinux{glibc}_x86_64"]
    command += ["-r", str(DOCKER / "requirements.txt"), "-d", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, result.stderr[-3000:]
    downloaded = {re.split(r"-", wheel.name)[0].lower().replace("_", "-") for wheel in tmp_path.glob("*.whl")}
    assert downloaded == set(requirements())
