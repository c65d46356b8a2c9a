"""``serve`` as a program runs it: in its own process, ended by signals or by ``stop``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Serves with a ``stop`` event (the ROS node's way), presses Play, prints the brain
#: child's pid; once ``serve`` returned, prints what is left running.
SCRIPT = """
import json, sys, threading
from pathlib import Path
from exercise.server.serving import ServerConfig, serve

seen = {}

def ready(exercise):
    seen["exercise"] = exercise
    exercise.play()
    print(json.dumps({"child": exercise.brain_pid}), flush=True)

config = ServerConfig(camera="demo:seed=1", model=Path(sys.argv[1]), port=0, state_dir=Path(sys.argv[2]))
serve(config, on_ready=ready, stop=threading.Event())
exercise = seen["exercise"]
print(json.dumps({"camera": exercise.camera.status.state.value, "brain": exercise.brain_state.value,
                  "child": exercise.brain_pid}), flush=True)
"""


def _alive(pid: int) -> bool:
    """True unless ``pid`` is gone or a zombie waiting for a parent that is not us."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_serve_cleanly(sig, digit_model_path, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(digit_model_path), str(tmp_path / "state")],
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        started = next(line for line in lines if line.startswith("{"))
        child = json.loads(started)["child"]
        assert child is not None and _alive(child)
        process.send_signal(sig)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, f"serve did not end cleanly on {sig.name}"
    after = json.loads(rest.strip().splitlines()[-1])
    assert after == {"camera": "stopped", "brain": "stopped", "child": None}
    assert not _alive(child)


def test_serve_puts_back_the_signal_handlers_it_found(digit_model_path, tmp_path):
    script = (
        "import signal, sys, threading\n"
        "from pathlib import Path\n"
        "from exercise.server.serving import ServerConfig, serve\n"
        "def mine(signum, frame): pass\n"
        "signal.signal(signal.SIGTERM, mine)\n"
        # What SIGINT had at start: Python's default handler, or SIG_IGN when the process
        # that started this one ignored it (a ROS test's roslaunch can leave pytest so).
        "found = signal.getsignal(signal.SIGINT)\n"
        "stop = threading.Event()\n"
        "config = ServerConfig(camera='demo', model=Path(sys.argv[1]), port=0, state_dir=Path(sys.argv[2]))\n"
        "serve(config, on_ready=lambda exercise: stop.set(), stop=stop)\n"
        "print(signal.getsignal(signal.SIGTERM) is mine,\n"
        "      signal.getsignal(signal.SIGINT) is found)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(digit_model_path), str(tmp_path / "state")],
        cwd=str(ROOT), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True True"


