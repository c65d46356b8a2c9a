"""Model loading and inference figures, and what onnxruntime's thread spinning costs.

Run by hand (not a test): ``.venv/bin/python -m benchmarks.bench_model [--model M.onnx]``.
Prints one table: load-and-check time, single-image latency, batch throughput, and the CPU
a session burns while a brain calls it at 30 Hz, with spinning allowed (onnxruntime's
default) and disabled (what exercise.model does).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np
import onnxruntime as ort

from exercise.model import DEFAULT_MODEL_PATH, DigitModel

#: Brain-like pacing: one inference per frame at this rate.
PACED_HZ = 30.0


def _session(data: bytes, threads: int, spinning: bool) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])


def paced_cpu_percent(session: ort.InferenceSession, seconds: float) -> float:
    """Process CPU time over wall time while running one image every 1/PACED_HZ s."""
    name = session.get_inputs()[0].name
    image = np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32)
    session.run(None, {name: image})
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    next_tick = start_wall
    while time.perf_counter() - start_wall < seconds:
        session.run(None, {name: image})
        next_tick += 1.0 / PACED_HZ
        time.sleep(max(0.0, next_tick - time.perf_counter()))
    return 100.0 * (time.process_time() - start_cpu) / (time.perf_counter() - start_wall)


def timed_ms(runs: int, call: Callable[[], object]) -> float:
    times: List[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def inference_rows(model: DigitModel, threads: int) -> List[tuple]:
    one = np.random.default_rng(1).random((1, 1, 28, 28), dtype=np.float32)
    batch = np.random.default_rng(2).random((256, 1, 28, 28), dtype=np.float32)
    latency = timed_ms(200, lambda: model.predict(one))
    batch_ms = timed_ms(10, lambda: model.predict(batch))
    return [
        (f"latency, 1 image, {threads} thread(s)", f"{latency:.3f} ms"),
        (f"throughput, batch 256, {threads} thread(s)", f"{256 / batch_ms * 1000:.0f} images/s"),
    ]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each paced run")
    args = parser.parse_args(argv)
    data = args.model.read_bytes()
    rows = []
    load_ms = timed_ms(3, lambda: DigitModel.load(data))
    rows.append(("load + check (median of 3)", f"{load_ms:.1f} ms"))
    for threads in (1, 2):
        rows += inference_rows(DigitModel.load(data, threads=threads), threads)
    for threads in (1, 2):
        for spinning in (True, False):
            percent = paced_cpu_percent(_session(data, threads, spinning), args.seconds)
            label = f"CPU at {PACED_HZ:.0f} Hz, {threads} thread(s), spinning {'on ' if spinning else 'off'}"
            rows.append((label, f"{percent:.1f} % of a core"))
    width = max(len(r[0]) for r in rows)
    print(f"model {args.model} ({len(data) / 1000:.0f} kB), onnxruntime {ort.__version__}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
