"""Side-by-side table of trained runs: accuracy, size, training time, inference latency.

Run by hand after training the runs (see docs/training.md), one core::

    .venv/bin/python -m benchmarks.bench_training RUN_DIR [RUN_DIR ...]

For each ``digit-classifier train --out`` directory: the architecture, epochs trained,
augmentation, parameters, test accuracy of best.pt (from run.json), PyTorch threads, the
training's wall time (its epochs), wall and CPU seconds per epoch (from log.jsonl; CPU
time is what compares on a busy shared machine), the exported ONNX file's size, and
onnxruntime's median latency for one image on one thread. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import onnxruntime as ort

from exercise.training import checkpoints
from exercise.training.export import export_checkpoint


def onnx_latency_ms(path: Path, runs: int = 300) -> float:
    """Median milliseconds of one batch-1 inference with onnxruntime on one thread."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    one = np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32)
    for _ in range(20):
        session.run(None, {"input": one})
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, {"input": one})
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def measure(run_dir: Path, scratch: Path) -> Dict[str, Any]:
    run = json.loads((run_dir / "run.json").read_text())
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line.strip()]
    onnx_path = scratch / f"{run_dir.name}.onnx"
    export_checkpoint(run_dir / checkpoints.BEST, onnx_path)
    cpu = [row["cpu_seconds"] for row in log if "cpu_seconds" in row]
    return {
        "arch": run["args"]["arch"],
        "epochs": len(log),
        "augment": "yes" if run["args"]["augment"] else "no",
        "parameters": run["parameters"],
        "test_accuracy": run["test_accuracy"],
        "threads": run["args"].get("threads", 1),
        "wall_total": sum(row["seconds"] for row in log),
        "wall_per_epoch": statistics.mean(row["seconds"] for row in log),
        "cpu_per_epoch": statistics.mean(cpu) if cpu else float("nan"),
        "onnx_kb": onnx_path.stat().st_size / 1000.0,
        "latency_ms": onnx_latency_ms(onnx_path),
    }


def format_table(rows: List[Dict[str, Any]]) -> str:
    lines = [
        "| network | epochs | augmentation | parameters | test accuracy | threads | training (wall) "
        "| s/epoch (wall) | s/epoch (CPU) | ONNX size | latency, batch 1, 1 thread |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['arch']} | {r['epochs']} | {r['augment']} | {r['parameters']:,} | "
            f"{100 * r['test_accuracy']:.2f}% | {r['threads']} | {r['wall_total'] / 60:.1f} min | "
            f"{r['wall_per_epoch']:.0f} | {r['cpu_per_epoch']:.0f} | "
            f"{r['onnx_kb']:.0f} kB | {r['latency_ms']:.3f} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        rows = [measure(run, Path(scratch)) for run in args.runs]
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
