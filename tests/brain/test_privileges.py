"""exercise.brain.privileges: as root, the student's code runs as nobody and cannot touch the server.

The server here is a stand-in process running a real BrainRunner under Debian's Python
(``.venv-ros``), whose files every user can read, as in the Docker image; the project's
own ``.venv`` Python lives under /root, where the code could not switch users and still
import, so there the code runs as the server's user (see ``dropping``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_PYTHON = ROOT / ".venv-ros" / "bin" / "python"

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and DEBIAN_PYTHON.exists()),
    reason="needs root and the Debian-Python venv (make .venv-ros/.ready)",
)

#: A server in its own process: plays argv[1] as brain code, prints the console, then
#: whether the stand-in is still alive.
SERVER_STAND_IN = """
import json, sys, time
from exercise.brain.events import BrainFailed, ConsoleLine
from exercise.brain.runner import BrainRunner
from tests.brain.conftest import PushedCamera
import numpy as np
lines, failures = [], []
def on_event(event):
    if isinstance(event, ConsoleLine):
        lines.append(event.text)
    elif isinstance(event, BrainFailed):
        failures.append(event.message)
camera = PushedCamera("test")
camera.start()
camera.publish(np.zeros((48, 64, 3), np.uint8))
runner = BrainRunner(camera, None, on_event)
runner.play(sys.argv[1])
time.sleep(4)
runner.close()
print(json.dumps({"lines": lines, "failures": failures, "alive": True}))
"""

ATTACKS = """
import os, HAL, numpy as np
print("uid", os.getuid())
try:
    print("token?", open(f"/proc/{os.getppid()}/fd/1").read(10))
except OSError as exc:
    print("reading the server's output:", type(exc).__name__)
try:
    print("environ?", open(f"/proc/{os.getppid()}/environ").read(10))
except OSError as exc:
    print("reading the server's environment:", type(exc).__name__)
print("digit", int(HAL.predict(np.zeros((1, 1, 28, 28), np.float32)).argmax()) in range(10))
os.kill(os.getppid(), 9)
"""


def test_the_code_runs_as_nobody_and_cannot_read_or_kill_the_server() -> None:
    result = subprocess.run(
        [str(DEBIAN_PYTHON), "-c", SERVER_STAND_IN, ATTACKS],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["alive"]  # the kill did not reach the server
    assert "uid 65534" in report["lines"]
    assert "reading the server's output: PermissionError" in report["lines"]
    assert "reading the server's environment: PermissionError" in report["lines"]
    assert "digit True" in report["lines"]  # the model still works as nobody
    assert any("PermissionError" in failure for failure in report["failures"])
