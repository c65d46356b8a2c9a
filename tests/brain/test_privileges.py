"""exercise.brain.privileges: as root, the student's code runs as nobody and cannot touch the server.

The server here is a stand-in process running a real BrainRunner under Debian's Python
(``.venv-ros``), whose files every user can read, as in the Docker image; the project's
own ``.venv`` Python lives under /root, where the code could not switch users and still
import, so there the code runs as the server's user (see ``dropping``; the PID namespace
of ``tests/brain/test_namespace.py`` still fences it in).
"""

from __future__ import annotations

import os

import pytest

from tests.brain.conftest import ROOT, run_stand_in

DEBIAN_PYTHON = ROOT / ".venv-ros" / "bin" / "python"

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and DEBIAN_PYTHON.exists()),
    reason="needs root and the Debian-Python venv (make .venv-ros/.ready)",
)

#: ``SERVER`` is the stand-in server's process id. Reading its output or environment is
#: refused whether by the user switch (PermissionError) or, where there is one, by the PID
#: namespace (FileNotFoundError: the process is not there).
ATTACKS = """
import os, HAL, numpy as np
print("uid", os.getuid())
for name in ("fd/1", "environ"):
    try:
        print("read", name, open(f"/proc/SERVER/{name}").read(10))
    except OSError as exc:
        print("reading", name, "refused")
print("digit", int(HAL.predict(np.zeros((1, 1, 28, 28), np.float32)).argmax()) in range(10))
os.kill(SERVER, 9)
"""


def test_the_code_runs_as_nobody_and_cannot_read_or_kill_the_server() -> None:
    report = run_stand_in(DEBIAN_PYTHON, ATTACKS)
    assert report["alive"]  # the kill did not reach the server
    assert "uid 65534" in report["lines"]
    assert "reading fd/1 refused" in report["lines"]
    assert "reading environ refused" in report["lines"]
    assert "digit True" in report["lines"]  # the model still works as nobody
    # The kill itself failed: refused to nobody, or no such process in the namespace.
    assert len(report["failures"]) == 1
    assert report["failures"][0].startswith(("PermissionError", "ProcessLookupError")), report["failures"]
