"""Fixtures for the ROS tests: the ROS interpreter, a private rosmaster per test, child nodes.

The suite runs under .venv (Python 3.11 without rospy); everything that needs rospy or
cv_bridge runs as a child process under .venv-ros (Debian's python3 with its ROS 1
packages, built by ``make .venv-ros/.ready``), talking to a real ``rosmaster`` on a free
port, with ROS_HOME and ROS_LOG_DIR in the test's temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
ROS_VENV = ROOT / ".venv-ros"
ROS_PYTHON = ROS_VENV / "bin" / "python"
HELPERS = Path(__file__).resolve().parent / "helpers"

def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.ros)


@pytest.fixture(scope="session")
def ros_python() -> Path:
    """.venv-ros's interpreter; the ROS tests fail (never skip) when it is missing."""
    missing = [tool for tool in ("rosmaster", "roslaunch", "rostopic") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"Debian's ROS packages are missing ({', '.join(missing)}): run `make system-deps`")
    if not ROS_PYTHON.exists():
        pytest.fail(f"{ROS_PYTHON} is missing: run `make .venv-ros/.ready`")
    return ROS_PYTHON


def wait_for_port(port: int, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    """Return once something accepts TCP connections on ``port``; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode} before opening port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)  # a port being opened by another process has no event to wait on
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


@pytest.fixture
def ros_env(tmp_path: Path, ros_python: Path) -> Iterator[Dict[str, str]]:
    """Environment of a fresh rosmaster on a free port, .venv-ros first on PATH.

    With .venv-ros/bin first on PATH, nodes whose shebang is ``/usr/bin/env python3``
    start under the ROS interpreter, as after ``source .venv-ros/bin/activate``.
    """
    port = free_port()
    home = tmp_path / "ros_home"
    home.mkdir()
    env = dict(os.environ)
    env.update(
        ROS_MASTER_URI=f"http://127.0.0.1:{port}",
        ROS_HOSTNAME="127.0.0.1",
        ROS_HOME=str(home),
        ROS_LOG_DIR=str(home / "log"),
        PATH=f"{ros_python.parent}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(ROS_VENV),
        PYTHONUNBUFFERED="1",
    )
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    master = subprocess.Popen(
        ["rosmaster", "--core", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, 20.0, master)
        yield env
    finally:
        # rosmaster ignores SIGINT when started without a terminal; SIGTERM stops it.
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=10)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()


class Child:
    """A child process with its output in a file, stopped (SIGINT, then harder) at teardown."""

    def __init__(self, argv: List[str], env: Dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def interrupt(self, timeout: float) -> int:
        """SIGINT, as Ctrl-C would; returns the exit status. Fails if it takes over ``timeout``."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            tail = self.output()[-3000:]
            raise AssertionError(f"still running {timeout} s after SIGINT:\n{tail}") from None

    def group_alive(self) -> bool:
        """True while any process of the child's session is left (a brain child, a node)."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        if self.group_alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


@pytest.fixture
def spawn(ros_env: Dict[str, str], tmp_path: Path) -> Iterator:
    """``spawn(argv, name)`` starts a child in the ROS environment; all are stopped at teardown."""
    children: List[Child] = []

    def start(argv: List[str], name: str) -> Child:
        child = Child([str(a) for a in argv], ros_env, tmp_path / f"{name}.log")
        children.append(child)
        return child

    yield start
    for child in reversed(children):
        child.stop()


def run_helper(ros_env: Dict[str, str], script: str, *args: object, timeout: float = 60.0) -> dict:
    """Run ``helpers/<script>`` under .venv-ros; return the JSON object it prints last."""
    result = subprocess.run(
        [str(ROS_PYTHON), str(HELPERS / script), *[str(a) for a in args]],
        env=ros_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"{script} printed nothing (status {result.returncode}):\n{result.stdout}\n{result.stderr}"
    return dict(json.loads(lines[-1]))

