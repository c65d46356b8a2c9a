"""Brain runner figures: loop frequency accuracy and jitter, Stop latency, CPU use.

Run by hand (it takes about a minute and uses real child processes)::

    .venv/bin/python benchmarks/bench_brain.py [--model MODEL.onnx] [--quick]

Prints three tables:

* frequency: the runner's FrequencyMeasured reports and the tick intervals the student's
  code itself timed (``time.perf_counter`` at the top of each tick), at 10/30/100/500 Hz;
  jitter is how far an interval is from the period;
* Stop latency: how long ``BrainRunner.stop()`` takes to return with the child gone, for a
  tight loop, a blocked call, and a tight loop that ignores SIGTERM (the SIGKILL path);
* CPU: parent (this process: runner threads, plus the camera where one runs) and child, as
  a percentage of one core, from os.times() and /proc/PID/stat.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exercise.brain.events import BrainEvent, ConsoleLine, FrequencyMeasured, StateChanged  # noqa: E402
from exercise.brain.family import descendants  # noqa: E402
from exercise.brain.runner import BrainRunner, default_code  # noqa: E402
from exercise.cameras.base import CameraSource  # noqa: E402

# Timed inside the child; only the summary comes back (console lines are cut at 2000 chars).
TICK_TIMER = """
import json, time
import numpy as np
N = {ticks}
stamps = []
while True:
    stamps.append(time.perf_counter())
    if len(stamps) == N:
        intervals = np.diff(stamps)
        jitter = np.abs(intervals - {period}) * 1000.0
        summary = [len(intervals) / (stamps[-1] - stamps[0]), *np.percentile(jitter, [50, 99]), jitter.max()]
        print("SUMMARY", json.dumps([float(v) for v in summary]))
        break
"""


class StillCamera(CameraSource):
    """One pushed frame: enough for loops that do not look at the image."""

    def start(self) -> None:
        self.publish(np.zeros((480, 640, 3), np.uint8))

    def stop(self) -> None:
        pass


class Collector:
    def __init__(self) -> None:
        self.events: List[BrainEvent] = []
        self.changed = threading.Condition()

    def __call__(self, event: BrainEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def wait(self, predicate: Callable[[BrainEvent], bool], timeout: float = 60.0) -> BrainEvent:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join(repr(e)[:160] for e in self.events[-20:])
                    raise TimeoutError(f"no such event; the last ones:\n{seen}")
                self.changed.wait(left)


def bench_frequency(targets: List[float], seconds: float) -> List[Tuple[Any, ...]]:
    rows = []
    camera = StillCamera("still")
    camera.start()
    for hz in targets:
        events = Collector()
        runner = BrainRunner(camera, None, events, frequency_hz=hz)
        ticks = int(hz * seconds) + 1
        runner.play(TICK_TIMER.format(ticks=ticks, period=1.0 / hz))
        line = events.wait(
            lambda e: isinstance(e, ConsoleLine) and e.text.startswith("SUMMARY"), timeout=seconds + 60
        )
        assert isinstance(line, ConsoleLine)
        measured, p50, p99, worst = json.loads(line.text.split(" ", 1)[1])
        runner.close()
        reports = [e.measured_hz for e in events.events if isinstance(e, FrequencyMeasured)][1:]
        rows.append((
            hz,
            f"{statistics.median(reports):.2f}" if reports else "-",
            f"{measured:.3f}",
            f"{(measured / hz - 1) * 100:+.2f}%",
            f"{p50:.3f}",
            f"{p99:.3f}",
            f"{worst:.3f}",
        ))
    camera.stop()
    return rows


STOP_CASES = {
    "tight loop": "print('ready')\nwhile True:\n    while True:\n        pass\n",
    "blocked call (time.sleep(1000))": "import time\nprint('ready')\ntime.sleep(1000)\n",
    "tight loop ignoring SIGTERM": (
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready')\n"
        "while True:\n    while True:\n        pass\n"
    ),
}


def bench_stop(runs: int) -> List[Tuple[Any, ...]]:
    camera = StillCamera("still")
    camera.start()
    rows = []
    for name, code in STOP_CASES.items():
        durations = []
        for _ in range(runs):
            events = Collector()
            runner = BrainRunner(camera, None, events)
            runner.play(code)
            events.wait(lambda e: isinstance(e, ConsoleLine) and e.text == "ready")
            pid = runner.pid
            started = time.perf_counter()
            runner.stop()
            durations.append((time.perf_counter() - started) * 1000.0)
            assert pid is not None and not os.path.exists(f"/proc/{pid}/cmdline") or _zombie(pid)
            runner.close()
        rows.append((name, runs, f"{statistics.median(durations):.1f}", f"{max(durations):.1f}"))
    camera.stop()
    return rows


def _zombie(pid: Optional[int]) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except OSError:
        return True


def child_cpu(pid: Optional[int]) -> float:
    """CPU seconds of the brain child and what is below it (``pid`` may be ``unshare``,
    with nsinit and the child under it)."""
    if pid is None:
        return 0.0
    total = 0.0
    for member in {pid} | descendants(pid):
        try:
            with open(f"/proc/{member}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def parent_cpu() -> float:
    times = os.times()
    return times.user + times.system


def measure_cpu(seconds: float, pid: Optional[int]) -> Tuple[float, float]:
    """(parent %, child %) of one core over ``seconds``."""
    parent0, child0, wall0 = parent_cpu(), child_cpu(pid), time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - wall0
    return (parent_cpu() - parent0) / wall * 100.0, (child_cpu(pid) - child0) / wall * 100.0


def bench_cpu(model: Path, seconds: float) -> List[Tuple[Any, ...]]:
    from exercise.cameras import open_camera

    rows = []
    events = Collector()
    idle_camera = StillCamera("still")
    runner = BrainRunner(idle_camera, model, events)
    parent, _ = measure_cpu(seconds, None)
    rows.append(("runner idle, never played (no camera running)", f"{parent:.2f}", "-"))
    runner.play("x = 1\n")
    events.wait(lambda e: isinstance(e, StateChanged) and e.reason != "")
    parent, _ = measure_cpu(seconds, None)
    rows.append(("runner idle after a run (no camera running)", f"{parent:.2f}", "-"))
    runner.close()

    demo = open_camera("demo")
    demo.start()
    parent, _ = measure_cpu(seconds, None)
    rows.append(("demo camera alone, no brain", f"{parent:.2f}", "-"))
    events = Collector()
    runner = BrainRunner(demo, model, events, frequency_hz=30)
    runner.play(default_code())
    events.wait(lambda e: isinstance(e, FrequencyMeasured))
    parent, child = measure_cpu(seconds, runner.pid)
    reports = [e.measured_hz for e in events.events if isinstance(e, FrequencyMeasured)][-3:]
    rows.append((
        f"default template at 30 Hz on demo (measured {statistics.median(reports):.1f} Hz)",
        f"{parent:.2f}", f"{child:.2f}",
    ))
    runner.pause()
    time.sleep(0.5)
    parent, child = measure_cpu(seconds, runner.pid)
    rows.append(("same, paused", f"{parent:.2f}", f"{child:.2f}"))
    runner.close()
    demo.stop()
    return rows


def table(title: str, header: Tuple[str, ...], rows: List[Tuple[Any, ...]]) -> str:
    cells = [tuple(str(c) for c in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(cells[0], widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells[1:]]
    return "\n".join(lines)


def resolve_model(path: Optional[str]) -> Path:
    if path:
        return Path(path)
    from exercise.model import DEFAULT_MODEL_PATH

    if DEFAULT_MODEL_PATH.exists():
        return DEFAULT_MODEL_PATH
    # Not trained yet: the tests' template-matching model reads the demo's printed digits too.
    from tests.conftest import build_digit_model

    handle, name = tempfile.mkstemp(suffix=".onnx")
    os.write(handle, build_digit_model())
    os.close(handle)
    return Path(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model for the CPU run (default: the bundled one)")
    parser.add_argument("--quick", action="store_true", help="shorter runs (rougher figures)")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 5.0
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f}, Python {sys.version.split()[0]}")
    print()
    print(table(
        "Brain loop frequency (intervals between tick starts, timed inside the student's code)",
        ("target Hz", "runner reports (median)", "measured Hz", "error", "jitter p50 ms", "jitter p99 ms",
         "jitter max ms"),
        bench_frequency([10.0, 30.0, 100.0, 500.0], seconds),
    ))
    print()
    print(table("Stop latency (stop() returns with the child gone)", ("code", "runs", "median ms", "max ms"),
                bench_stop(3 if args.quick else 7)))
    print()
    print(table("CPU use, % of one core", ("situation", "parent %", "child %"),
                bench_cpu(resolve_model(args.model), seconds)))


if __name__ == "__main__":
    main()
