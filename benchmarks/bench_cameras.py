"""What the camera sources cost: run by hand, prints a table.

    .venv/bin/python benchmarks/bench_cameras.py [--seconds 10]

* per-frame cost of the demo camera (composing a frame: shift + noise), median and p95;
* the cost of rendering a new sheet (once every few seconds);
* a running demo camera at its nominal 30 fps: delivered fps, and CPU use as process CPU
  time over wall time (1.0 = one core busy), with a consumer that takes every frame;
* the same for a file source playing a 640x480 MJPG video.

OpenCV is limited to one thread, as the exercise's budget (about 0.15 cores for camera,
preprocessing, inference, JPEG and server at 30 fps) assumes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Tuple

import cv2
import numpy as np

from exercise.cameras import open_camera
from exercise.cameras.base import CameraSource
from exercise.cameras.demo import DemoCamera, DemoOptions


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def time_calls(call: Callable[[], object], count: int) -> List[float]:
    """Milliseconds per call, one sample per call."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1e3)
    return samples


def demo_costs(frames: int, sheets: int) -> Tuple[List[float], List[float]]:
    camera = DemoCamera("demo", DemoOptions(seed=0))
    camera.open()
    step = iter(range(1, 1 << 30))
    compose = time_calls(lambda: camera._compose(next(step) / 30.0), frames)
    render = time_calls(lambda: camera._next_sheet(next(step)), sheets)
    return compose, render


def run_source(source: CameraSource, seconds: float) -> Tuple[float, float, int]:
    """(delivered fps, CPU cores used, frames skipped by the consumer) over ``seconds``."""
    with source:
        first = source.wait_newer(0, timeout=10.0)
        if first is None:
            raise RuntimeError(f"{source.spec} gave no frame")
        cpu0, wall0, seq0 = time.process_time(), time.perf_counter(), first.seq
        received, frame = 0, first
        while time.perf_counter() - wall0 < seconds:
            newer = source.wait_newer(frame.seq, timeout=1.0)
            if newer is not None:
                received += 1
                frame = newer
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    produced = frame.seq - seq0
    return produced / wall, cpu / wall, produced - received


def print_table(header: List[str], rows: List[List[str]]) -> None:
    """A Markdown table, columns as wide as their widest cell."""
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for index, row in enumerate([header, *rows]):
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


def write_test_video(path: Path, frames: int = 90) -> Path:
    camera = DemoCamera("demo", DemoOptions(seed=1, interval=1.0))
    camera.open()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (640, 480))
    for index in range(frames):
        writer.write(camera._compose(index / 30.0))
    writer.release()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each live run lasts")
    args = parser.parse_args()
    cv2.setNumThreads(1)

    compose, render = demo_costs(frames=600, sheets=30)
    demo_fps, demo_cpu, demo_skipped = run_source(open_camera("demo"), args.seconds)
    with tempfile.TemporaryDirectory() as folder:
        video = write_test_video(Path(folder) / "clip.avi")
        file_fps, file_cpu, file_skipped = run_source(open_camera(f"file:{video}"), args.seconds)

    print(f"camera sources, 640x480, OpenCV {cv2.__version__}, numpy {np.__version__}, cv2 threads 1")
    print()
    print_table(
        ["demo camera", "median", "p95"],
        [
            [
                "compose one frame (ms)",
                f"{statistics.median(compose):.3f}",
                f"{percentile(compose, 0.95):.3f}",
            ],
            [
                "render a new sheet (ms, every 3 s)",
                f"{statistics.median(render):.2f}",
                f"{percentile(render, 0.95):.2f}",
            ],
        ],
    )
    print()
    print(f"running sources, {args.seconds:.0f} s each, a consumer taking every frame:")
    print_table(
        ["source", "nominal fps", "delivered fps", "CPU (cores)", "frames skipped"],
        [
            ["demo", "30.0", f"{demo_fps:.2f}", f"{demo_cpu:.3f}", str(demo_skipped)],
            ["file: 640x480 MJPG .avi", "30.0", f"{file_fps:.2f}", f"{file_cpu:.3f}", str(file_skipped)],
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
