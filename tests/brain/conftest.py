"""Fixtures for the brain tests: a pushed camera, an event recorder and a runner that is
always closed, so no test leaves a child process behind."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Type, TypeVar

import numpy as np
import pytest

from exercise.brain.events import BrainEvent, ConsoleLine, ConsoleStream
from exercise.brain.runner import BrainRunner
from exercise.cameras.base import CameraSource

E = TypeVar("E")

#: How long a test waits for something the child should do (generous: loaded 2-core CI).
WAIT = 20.0


class PushedCamera(CameraSource):
    """A real pushed source (like ``browser``): the test publishes the frames."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class Recorder:
    """The runner's ``on_event``: keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.events: List[BrainEvent] = []

    def __call__(self, event: BrainEvent) -> None:
        with self._condition:
            self.events.append(event)
            self._condition.notify_all()

    def mark(self) -> int:
        """Index to pass as ``since`` to only consider events from now on."""
        with self._condition:
            return len(self.events)

    def wait_for(
        self, kind: Type[E], predicate: Callable[[E], bool] = lambda e: True, *, since: int = 0,
        timeout: float = WAIT,
    ) -> E:
        """The first event of ``kind`` after ``since`` that matches; fails the test on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                for event in self.events[since:]:
                    if isinstance(event, kind) and predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"no {kind.__name__} matching within {timeout} s; got:\n{self.dump()}")
                self._condition.wait(remaining)

    def after(self, event: object) -> int:
        """The ``since`` index just past ``event`` (found by identity)."""
        with self._condition:
            return next(i for i, e in enumerate(self.events) if e is event) + 1

    def wait_line(self, text: str, *, since: int = 0, timeout: float = WAIT) -> ConsoleLine:
        return self.wait_for(ConsoleLine, lambda e: text in e.text, since=since, timeout=timeout)

    def of(self, kind: Type[E], since: int = 0) -> List[E]:
        with self._condition:
            return [e for e in self.events[since:] if isinstance(e, kind)]

    def lines(self, stream: Optional[ConsoleStream] = None, since: int = 0) -> List[str]:
        return [e.text for e in self.of(ConsoleLine, since) if stream is None or e.stream is stream]

    def dump(self) -> str:
        return "\n".join(repr(e)[:200] for e in self.events[-40:])


def process_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (containers may never reap zombies)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def wait_gone(pid: int, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def camera() -> PushedCamera:
    source = PushedCamera("test")
    frame = np.zeros((48, 64, 3), np.uint8)
    frame[:, :, 2] = 200
    source.publish(frame)
    return source


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(params=["thread", "loop"])
def reading_loop(request: pytest.FixtureRequest) -> Iterator[Optional[asyncio.AbstractEventLoop]]:
    """How runners read their child: None, in a thread (the CLI); or on this running event
    loop, in a thread of its own (the server's way, ``BrainRunner.read_on``)."""
    if request.param == "thread":
        yield None
        return
    loop = asyncio.new_event_loop()
    running = threading.Event()
    loop.call_soon(running.set)
    thread = threading.Thread(target=loop.run_forever, name="test loop", daemon=True)
    thread.start()
    running.wait(WAIT)
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(WAIT)
    loop.close()


@pytest.fixture
def make_runner(
    camera: PushedCamera, recorder: Recorder, reading_loop: Optional[asyncio.AbstractEventLoop]
) -> Iterator[Callable[..., BrainRunner]]:
    """``make_runner(model_path=None, **options) -> BrainRunner`` on ``camera`` and ``recorder``,
    reading its child in a thread and, a second time, on an event loop."""
    runners: List[BrainRunner] = []

    def make(model_path: Optional[Path] = None, **options: Any) -> BrainRunner:
        runner = BrainRunner(camera, model_path, recorder, **options)
        runner.read_on(reading_loop)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()


@pytest.fixture
def runner(make_runner: Callable[..., BrainRunner]) -> BrainRunner:
    return make_runner()


#: A server in its own process: plays argv[1] (with ``SERVER`` replaced by its own process
#: id) as brain code for 4 s, then prints the console, the failures and that it is alive.
SERVER_STAND_IN = """
import json, os, sys, time
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
runner.play(sys.argv[1].replace("SERVER", str(os.getpid())))
time.sleep(4)
runner.close()
print(json.dumps({"lines": lines, "failures": failures, "alive": True}))
"""

ROOT = Path(__file__).resolve().parents[2]


def run_stand_in(python: Path, code: str, user_prefix: Sequence[str] = ()) -> Dict[str, Any]:
    """Run :data:`SERVER_STAND_IN` with ``python`` (as another user after ``user_prefix``,
    e.g. ``setpriv ...``) on ``code``; its report, whose ``alive`` says the code did not kill it."""
    result = subprocess.run(
        [*user_prefix, str(python), "-c", SERVER_STAND_IN, code],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": tempfile.gettempdir()},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: Dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report
