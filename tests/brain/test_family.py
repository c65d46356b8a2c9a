"""exercise.brain.family: nothing the student's code starts outlives Stop, or the server."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

from exercise.brain.events import ConsoleStream
from exercise.brain.runner import BrainRunner
from tests.brain.conftest import Recorder, process_alive, wait_gone

ROOT = Path(__file__).resolve().parents[2]


def sleepers(seconds: int) -> List[int]:
    """Live processes running exactly ``sleep <seconds>``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if command[:2] == [b"sleep", str(seconds).encode()] and process_alive(int(entry)):
                found.append(int(entry))
    return found


def wait_for_sleeper(seconds: int, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while not sleepers(seconds):
        assert time.monotonic() < deadline, f"no 'sleep {seconds}' started"
        time.sleep(0.05)
    (pid,) = sleepers(seconds)
    return pid


def test_stop_ends_a_process_started_with_setsid_f(runner: BrainRunner, recorder: Recorder) -> None:
    seconds = random.randint(10_000, 99_999)
    # setsid -f forks and exits at once: without a subreaper the sleep's parent is init.
    runner.play(
        f"import subprocess\nsubprocess.run(['setsid', '-f', 'sleep', '{seconds}'])\nwhile True:\n    pass\n"
    )
    escaped = wait_for_sleeper(seconds)
    runner.stop()
    assert wait_gone(escaped), "the setsid -f process outlived Stop"
    assert recorder.lines(ConsoleStream.STDERR) == []


#: A server in its own process: a BrainRunner playing code that starts ``sleep <argv[1]>``.
SERVER_STAND_IN = """
import sys, time
from exercise.brain.runner import BrainRunner
from tests.brain.conftest import PushedCamera
camera = PushedCamera("test")
camera.start()
runner = BrainRunner(camera, None, lambda event: None)
code = "import subprocess\\nsubprocess.Popen(['sleep', '%s'])\\nwhile True:\\n    pass\\n"
runner.play(code % sys.argv[1])
print("playing", flush=True)
time.sleep(3600)
"""


def test_what_the_code_started_ends_when_the_server_is_killed() -> None:
    seconds = random.randint(10_000, 99_999)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_STAND_IN, str(seconds)],
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "playing"
        sleeper = wait_for_sleeper(seconds)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    assert wait_gone(sleeper, timeout=5.0), "the code's 'sleep' outlived the killed server"
