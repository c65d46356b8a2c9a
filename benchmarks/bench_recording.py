"""Does recording a reel, or comparing a second model, slow the brain's loop?

Run by hand (not a test): ``.venv/bin/python -m benchmarks.bench_recording [--seconds 10]``.
Starts ``digit-classifier serve --camera demo`` on a free port, plays the default brain at
30 Hz, and measures for ``--seconds`` each: with nothing else running, while the page's
Record runs, and while a second model is compared. For each it prints the brain's measured
frequency (from the server's ``frequency`` messages), the digits shown per second and the
whole exercise's CPU (server and brain child, from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from websockets.asyncio.client import connect

from benchmarks.bench_server import send, tree_cpu_seconds
from benchmarks.tables import print_table
from tests.conftest import build_digit_model, free_port

ROOT = Path(__file__).resolve().parents[1]


async def window(url: str, pid: int, seconds: float) -> Dict[str, float]:
    """Brain Hz (median and lowest of the once-a-second reports), digits a second, CPU cores."""
    hz: List[float] = []
    digits = 0
    async with connect(url, max_size=None) as ws:
        cpu_start, wall_start = tree_cpu_seconds(pid)[0], time.monotonic()
        end = wall_start + seconds
        while time.monotonic() < end:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.05, end - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if isinstance(raw, bytes):
                continue
            message = json.loads(raw)
            if message["type"] == "frequency":
                hz.append(message["brain"]["measured"])
            elif message["type"] == "digit":
                digits += 1
        wall = time.monotonic() - wall_start
        cpu = tree_cpu_seconds(pid)[0] - cpu_start
    return {
        "hz_median": statistics.median(hz) if hz else 0.0,
        "hz_lowest": min(hz) if hz else 0.0,
        "digits": digits / wall,
        "cores": cpu / wall,
    }


async def control(url: str, **fields: Any) -> None:
    async with connect(url, max_size=None) as ws:
        await send(ws, **fields)
        await asyncio.sleep(0.3)


def post(http: str, path: str, body: Optional[bytes] = None, method: str = "POST") -> None:
    request = urllib.request.Request(http + path, data=body, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


async def main(seconds: float) -> None:
    port = free_port()
    state = tempfile.mkdtemp(prefix="bench-recording-")
    command = [sys.executable, "-m", "exercise", "serve", "--camera", "demo", "--port", str(port)]
    command += ["--state-dir", state]
    server = subprocess.Popen(command, cwd=str(ROOT), stdout=subprocess.PIPE, text=True)
    url, http = f"ws://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}"
    rows = []
    try:
        assert server.stdout is not None
        server.stdout.readline()  # the URL line: the server is up
        await control(url, type="set_frequency", hz=30)
        await control(url, type="play")
        await asyncio.sleep(3.0)
        measured = {"brain alone": await window(url, server.pid, seconds)}
        await control(url, type="record", label=-1)
        measured["recording (10 frames/s to disk)"] = await window(url, server.pid, seconds)
        await control(url, type="record_stop")
        post(http, "/api/second-model", build_digit_model())
        measured["comparing a second model (5 frames/s)"] = await window(url, server.pid, seconds)
        post(http, "/api/second-model", method="DELETE")
        for name, figures in measured.items():
            rows.append(
                (
                    name,
                    f"{figures['hz_median']:.1f}",
                    f"{figures['hz_lowest']:.1f}",
                    f"{figures['digits']:.1f}",
                    f"{figures['cores']:.3f}",
                )
            )
    finally:
        server.terminate()
        server.wait(15)
    print_table(
        f"Brain at 30 Hz on the demo camera, {seconds:g} s each; 2 cores, load average "
        f"{os.getloadavg()[0]:.2f}",
        ["while", "brain Hz median", "brain Hz lowest", "digits shown /s", "CPU cores (all)"],
        rows,
    )


def run(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each window (default: 10)")
    args = parser.parse_args(argv)
    asyncio.run(main(args.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
