"""How fast ``digit-classifier evaluate --reel`` grades: frames per second per model.

Run by hand (not a test): ``.venv/bin/python -m benchmarks.bench_evaluate [--frames N]``.
Writes a reel of generated webcam frames (the tuning scene families, JPEG) to a temporary
folder, then times finding the digits with one worker and with one per core, and the
models' reading of the same sights, and prints one table.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence

import cv2

from benchmarks.tables import print_table
from exercise.grading import grade, look
from exercise.model import load_default_model
from exercise.reels import NO_DIGIT, open_reel
from exercise.training.scenes import MNIST_DIR, TUNING_FAMILIES, generate, load_mnist


def write_reel(folder: Path, frames: int, data: Path) -> None:
    """``frames`` generated frames with at most one digit each, the families in turn."""
    (folder / "frames").mkdir(parents=True)
    digits = load_mnist("test", data)
    streams = [iter(generate(family, frames, 0, digits=digits)) for family in TUNING_FAMILIES]
    rows = ["frame,label"]
    while len(rows) <= frames:
        for family, stream in zip(TUNING_FAMILIES, streams):
            frame = next(stream)
            if len(frame.labels) > 1 or len(rows) > frames:
                continue
            name = f"{len(rows):05d}-{family}.jpg"
            cv2.imwrite(str(folder / "frames" / name), frame.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            rows.append(f"{name},{frame.labels[0] if frame.labels else NO_DIGIT}")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=600, help="frames in the reel (default: 600)")
    parser.add_argument("--data", type=Path, default=MNIST_DIR, help=f"MNIST folder (default: {MNIST_DIR})")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-evaluate-") as temporary:
        folder = Path(temporary) / "reel"
        write_reel(folder, args.frames, args.data)
        reel = open_reel(folder)
        model = load_default_model()
        rows: List[tuple] = []
        for workers in sorted({1, cores}):
            started = time.perf_counter()
            sights, _ = look(reel.frames, workers=workers)
            finding = time.perf_counter() - started
            started = time.perf_counter()
            grades = [grade(model, sights) for _ in range(2)]
            reading = (time.perf_counter() - started) / 2
            count = len(sights)
            rows.append(
                (
                    workers,
                    count,
                    f"{count / finding:.0f}",
                    f"{count / reading:.0f}",
                    f"{count / (finding + reading):.0f}",
                    f"{count / (finding + 2 * reading):.0f}",
                    f"{grades[0].latency()['median']:.2f}",
                )
            )
    print_table(
        f"evaluate --reel: {len(reel.frames)} generated 640x480 JPEG frames, {cores} cores, "
        f"load average {os.getloadavg()[0]:.2f}",
        ["workers", "frames", "finding fps", "reading fps", "1 model fps", "2 models fps", "latency ms"],
        rows,
    )
    print("target (issue 14): >= 300 frames per second per model on 2 cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
