"""The exercise's per-frame work with no plumbing: what the host charges for the work itself.

    .venv/bin/python -m benchmarks.bare_tick [--seconds 20] [--hz 30]

One thread in one process, one wake-up a tick, doing what one tick of the running exercise
does to a frame: the demo camera's frame, the copy ``HAL.getImage`` hands out,
``HAL.preprocess``, ``HAL.predict`` on the biggest digit, and the camera view's JPEG. No
threads, pipes, websocket or browser; the same libraries, settings and frames.

Why: the machines are shared virtual ones, and the same exercise measures anywhere from
0.13 to 0.18 cores running depending on what the neighbours do (each tick starts with
caches the neighbours emptied). ``bench_server`` runs this between its running windows,
so that "exercise minus bare work" shows what the exercise's own plumbing costs at the
moment of measuring, and the bare work shows how dear the host is making the work itself.
Prints the cores used (CPU seconds per second) on the last line.

Both this and ``bench_server`` show the same sheets (:data:`CAMERA`): with the demo
camera's random sheets, one in six is empty, and a window with more empty sheets reads
and sends less, enough to move the plumbing figure by half.
"""

from __future__ import annotations

import argparse
import threading
import time

import cv2

from exercise.cameras.demo import DemoCamera, DemoOptions
from exercise.model import load_default_model
from exercise.preprocess import preprocess
from exercise.server.views import encode_jpeg

#: The demo camera both benchmarks use: fixed sheets, none empty.
CAMERA_SEED = 7
CAMERA = f"demo:seed={CAMERA_SEED},empty=0"


def bare_cores(seconds: float, hz: float = 30.0) -> float:
    """CPU seconds per second of ``seconds`` of bare ticks at ``hz``."""
    cv2.setNumThreads(1)  # as the server and the brain child run OpenCV
    model = load_default_model()  # one onnxruntime thread, as HAL loads it
    scaling = model.spec.normalization
    camera = DemoCamera(CAMERA, DemoOptions(fps=hz, seed=CAMERA_SEED, empty_probability=0.0))
    camera.open()
    never = threading.Event()
    period = 1.0 / hz
    ticks = int(seconds * hz)
    start_cpu, start = time.process_time(), time.monotonic()
    for tick in range(ticks):
        frame = camera.read()
        assert frame is not None, "the demo camera always has a frame"
        image = frame.copy()  # HAL.getImage: the student's own copy
        digits = preprocess(image, scaling)
        if digits:
            biggest = max(digits, key=lambda digit: digit.box[2] * digit.box[3])
            model.predict(biggest.tensor)
        encode_jpeg(frame)  # the camera view
        # Sleep like the brain's pacing does: an Event wait until the next tick is due.
        delay = start + (tick + 1) * period - time.monotonic()
        if delay > 0:
            never.wait(delay)
    return (time.process_time() - start_cpu) / (time.monotonic() - start)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to tick")
    parser.add_argument("--hz", type=float, default=30.0, help="ticks (and camera frames) per second")
    arguments = parser.parse_args()
    print(f"{bare_cores(arguments.seconds, arguments.hz):.4f}")
