"""exercise.brain.namespace: the brain child in its own PID namespace cannot see or signal
the server, even as the server's own user, and nothing it starts outlives it.

The stand-in server (``tests/brain/conftest.py``) runs a real BrainRunner. With the
project's ``.venv`` (a Python under /root) a root server's code stays root, so only the
namespace stands between it and the server; as ``nobody`` (``setpriv``) the server is not
root and makes the namespace inside a user namespace.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exercise.brain.namespace import PID_NAMESPACE_FLAGS, USER_NAMESPACE_FLAGS, namespace_prefix
from tests.brain.conftest import ROOT, run_stand_in

DEBIAN_PYTHON = ROOT / ".venv-ros" / "bin" / "python"
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

#: What a hostile brain tries; ``SERVER`` is the stand-in server's process id.
ATTACKS = """
import os, signal
print("uid", os.getuid(), "ppid", os.getppid())
print("server visible", os.path.exists("/proc/SERVER"))
print("processes", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
for target in (SERVER, -SERVER):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as exc:
        print("kill", target, type(exc).__name__)
os.kill(os.getppid(), signal.SIGKILL)  # the issue's attack: its parent is the namespace's init
print("after killing the parent", os.path.exists(f"/proc/{os.getppid()}"))
"""


def unshare_works(prefix: list) -> bool:
    return shutil.which("unshare") is not None and subprocess.run([*prefix, "true"]).returncode == 0


needs_root = pytest.mark.skipif(not (hasattr(os, "geteuid") and os.geteuid() == 0), reason="needs root")


@needs_root
@pytest.mark.skipif(not unshare_works(["unshare", *PID_NAMESPACE_FLAGS]), reason="no PID namespaces here")
def test_as_root_the_prefix_makes_a_pid_namespace() -> None:
    prefix = namespace_prefix()
    assert prefix[0].endswith("unshare") and prefix[-1].endswith("nsinit.py")
    seen = subprocess.run(
        [*prefix, sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    # The second process of its own namespace, under nsinit: no init's signal rules for it.
    assert seen.stdout.strip() == b"2"


@needs_root
@pytest.mark.skipif(not unshare_works(["unshare", *PID_NAMESPACE_FLAGS]), reason="no PID namespaces here")
def test_code_running_as_the_servers_own_user_cannot_see_or_kill_the_server() -> None:
    report = run_stand_in(Path(sys.executable), ATTACKS)
    assert report["alive"]
    lines = report["lines"]
    assert "uid 0 ppid 1" in lines  # still root (this Python is under /root), yet fenced in
    assert "server visible False" in lines
    assert "processes [1, 2]" in lines  # nsinit and itself, nothing else
    assert any(line.startswith("kill ") and line.endswith("ProcessLookupError") for line in lines), lines
    assert sum(line.startswith("kill ") for line in lines) == 2, lines
    assert "after killing the parent True" in lines  # an init ignores SIGKILL from inside


@needs_root
@pytest.mark.skipif(
    not (DEBIAN_PYTHON.exists() and shutil.which("setpriv")),
    reason="needs setpriv and the Debian-Python venv",
)
@pytest.mark.skipif(
    not unshare_works([*AS_NOBODY, "unshare", *USER_NAMESPACE_FLAGS, *PID_NAMESPACE_FLAGS]),
    reason="unprivileged user namespaces are not allowed here",
)
def test_a_server_that_is_not_root_gets_a_namespace_too() -> None:
    report = run_stand_in(DEBIAN_PYTHON, ATTACKS, user_prefix=AS_NOBODY)
    assert report["alive"]
    lines = report["lines"]
    assert "uid 0 ppid 1" in lines  # root of its user namespace only: the server's user outside
    assert "server visible False" in lines
    assert "processes [1, 2]" in lines


def test_no_namespace_where_unshare_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    namespace_prefix.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        assert namespace_prefix() == ()
    finally:
        namespace_prefix.cache_clear()
