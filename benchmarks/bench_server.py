"""Benchmark the web exercise end to end: real server process, real websocket clients.

    .venv/bin/python -m benchmarks.bench_server [--seconds 5] [--cpu-seconds 10] [--windows 3]

Starts ``digit-classifier serve --camera demo`` as a subprocess on a free port and prints
a table: capture-to-client latency (1 and 5 clients, brain stopped / running the template
at 30 Hz), CPU of the whole exercise (server + brain child, from /proc/<pid>/stat) idle
and running (each running window followed by one of :mod:`benchmarks.bare_tick`, the
same per-frame work with no plumbing, to tell the host's price for the work from the
exercise's own overhead), model upload to first frame after it, frames skipped by a slow client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import List, Tuple

from websockets.asyncio.client import connect

from benchmarks import bare_tick
from tests.conftest import build_digit_model, free_port

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> Tuple[float, float]:
    """utime+stime in seconds of ``pid`` and its descendants, and of the descendants alone
    (the brain child)."""
    total = children_total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / TICKS
            total += seconds
            children_total += seconds if current != pid else 0.0
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
        except (OSError, IndexError):
            continue
    return total, children_total


async def send(ws, **fields) -> None:
    await ws.send(json.dumps({"v": 1, **fields}))


async def latencies(url: str, clients: int, seconds: float) -> List[float]:
    """Capture-to-receive times (ms) of every view every client got."""
    found: List[float] = []

    async def one() -> None:
        async with connect(url, max_size=None) as ws:
            end = time.time() + seconds
            while time.time() < end:
                try:
                    message = await asyncio.wait_for(ws.recv(), timeout=end - time.time())
                except asyncio.TimeoutError:
                    break
                if isinstance(message, bytes) and message[0] == 1:
                    captured = struct.unpack(">BBHIdd", message[:24])[4]
                    found.append((time.time() - captured) * 1000)

    await asyncio.gather(*(one() for _ in range(clients)))
    return found


async def cpu_while_connected(
    url: str, pid: int, seconds: float, windows: int
) -> Tuple[List[float], List[float]]:
    """Cores used per window (whole exercise; brain child alone) while one client reads
    every message, over ``windows`` back-to-back windows of ``seconds`` each.

    Several windows, because the machines are shared virtual ones: a neighbour's burst
    moves one window's figure by 10 % or more, and the spread shows how much.
    """
    totals: List[float] = []
    children: List[float] = []
    async with connect(url, max_size=None) as ws:
        await asyncio.sleep(1.0)
        for _ in range(windows):
            (start_cpu, start_child), start = tree_cpu_seconds(pid), time.monotonic()
            end = time.time() + seconds
            while time.time() < end:
                try:
                    await asyncio.wait_for(ws.recv(), timeout=max(0.01, end - time.time()))
                except asyncio.TimeoutError:
                    break
            end_cpu, end_child = tree_cpu_seconds(pid)
            elapsed = time.monotonic() - start
            totals.append((end_cpu - start_cpu) / elapsed)
            children.append((end_child - start_child) / elapsed)
    return totals, children


def bare_work_cores(seconds: float) -> float:
    """Cores used by :mod:`benchmarks.bare_tick` (the same per-frame work, no plumbing), in a
    process of its own so that nothing of this client's interpreter is counted."""
    command = [sys.executable, "-m", "benchmarks.bare_tick", "--seconds", str(seconds)]
    done = subprocess.run(command, cwd=str(ROOT), capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


async def cpu_running_against_bare(
    url: str, pid: int, seconds: float, windows: int
) -> Tuple[List[float], List[float], List[float]]:
    """Per window: cores of the running exercise (whole; brain child alone), then cores of
    the bare work measured right after it with the brain paused and no client connected.

    Alternating, so that each pair saw the same neighbours on the shared host: the
    difference is what the exercise's threads, processes and messages cost on top of the
    work, whatever the host is charging for the work itself at that moment.
    """
    totals: List[float] = []
    children: List[float] = []
    bare: List[float] = []
    loop = asyncio.get_running_loop()
    for _ in range(windows):
        total, child = await cpu_while_connected(url, pid, seconds, 1)
        totals += total
        children += child
        await control(url, type="pause")
        bare.append(await loop.run_in_executor(None, bare_work_cores, seconds))
        await control(url, type="resume")
        await asyncio.sleep(1.0)
    return totals, children, bare


async def latency_rows(url: str, brain: str, seconds: float) -> None:
    """Rows of capture-to-client latency with 1 and with 5 clients."""
    for clients in (1, 5):
        found = await latencies(url, clients, seconds)
        row(f"latency ms median/p95, {clients} client(s), {brain}", stats(found), "p95<=25", "34/52")


def spread(values: List[float]) -> str:
    """``median [min-max]`` of per-window CPU figures."""
    return f"{statistics.median(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


async def control(url: str, **fields) -> None:
    async with connect(url, max_size=None) as ws:
        await send(ws, id="b", **fields)
        while True:
            message = await ws.recv()
            if isinstance(message, str) and json.loads(message).get("id") == "b":
                return


def big_model() -> bytes:
    return build_digit_model(metadata={"padding": "x" * 1_200_000})


async def upload_to_first_frame(url: str, http: str) -> float:
    """Seconds from the start of POST /api/model to the first digit after the model message.

    "First frame" is the student's view: the first answer shown after the new model was
    announced (the ``model`` broadcast comes once the model passed its checks, was stored
    and the brain child was told to load it). The child swaps models on its control
    thread, so a tick already under way may still answer with the old model.
    """
    data = big_model()
    async with connect(url, max_size=None) as ws:
        loop = asyncio.get_running_loop()
        start = time.monotonic()
        request = urllib.request.Request(http + "/api/model?name=big.onnx", data=data, method="POST")
        post = loop.run_in_executor(None, lambda: urllib.request.urlopen(request, timeout=60).read())
        seen_model = False
        while True:
            message = await ws.recv()
            if isinstance(message, str):
                kind = json.loads(message)["type"]
                seen_model = seen_model or kind == "model"
                if seen_model and kind == "digit":
                    elapsed = time.monotonic() - start
                    await post
                    return elapsed


async def slow_client(port: int, seconds: float) -> Tuple[int, int, float]:
    """(views received, camera frames skipped between them by seq gaps, median age in s of
    the views of the second half) for a client reading 4 messages a second.

    The client keeps its own buffering small (a 4 KB receive buffer, one message read
    ahead): what a client buffers itself is out of the server's hands, and with the
    library's defaults (16 messages read ahead, an autotuned receive buffer) a client
    reading 4 views a second would read views of seconds ago whatever the server does.
    """
    received, skipped, last, ages = 0, 0, None, []
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    async with connect(f"ws://127.0.0.1:{port}/ws", max_size=None, max_queue=1, sock=sock) as ws:
        end = time.time() + seconds
        while time.time() < end:
            message = await ws.recv()
            if isinstance(message, bytes) and message[0] == 1:
                seq, captured = struct.unpack(">BBHIdd", message[:24])[3:5]
                if last is not None and seq > last + 1:
                    skipped += seq - last - 1
                last, received = seq, received + 1
                if time.time() > end - seconds / 2:
                    ages.append(time.time() - captured)
                await asyncio.sleep(0.25)
    return received, skipped, statistics.median(ages) if ages else float("nan")


def row(name: str, value: str, target: str = "", old: str = "") -> None:
    print(f"| {name:<52} | {value:>20} | {target:>10} | {old:>10} |")


def stats(values: List[float]) -> str:
    if not values:
        return "no views"
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    return f"{statistics.median(values):.1f} / {p95:.1f} n={len(values)}"


async def main(seconds: float, cpu_seconds: float, windows: int) -> None:
    port = free_port()
    state = tempfile.mkdtemp(prefix="bench-server-")
    command = [sys.executable, "-m", "exercise", "serve", "--camera", bare_tick.CAMERA, "--port", str(port)]
    command += ["--state-dir", state]
    if not (ROOT / "exercise" / "assets" / "default_model.onnx").exists():
        model = Path(state) / "model.onnx"
        model.write_bytes(build_digit_model())
        command += ["--model", str(model)]
    server = subprocess.Popen(command, cwd=str(ROOT), stdout=subprocess.PIPE, text=True)
    url, http = f"ws://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}"
    try:
        assert server.stdout is not None
        server.stdout.readline()  # the URL line: the server is up
        await asyncio.sleep(1.0)
        print("load average at start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
        print(f"| {'measure':<52} | {'value':>20} | {'target':>10} | {'replaced':>10} |")
        print(f"|{'-' * 54}|{'-' * 22}|{'-' * 12}|{'-' * 12}|")
        # Twice as long while stopped: at the idle view rate (3/s) a short window holds few
        # views, and one stall of a shared machine would be the p95.
        await latency_rows(url, "brain stopped", 2 * seconds)
        window = f"{windows}x{cpu_seconds:g} s"
        idle, _ = await cpu_while_connected(url, server.pid, cpu_seconds, windows)
        row(f"CPU cores idle (1 client, brain stopped), {window}", spread(idle), "<=0.01", "0.08")
        await control(url, type="set_frequency", hz=30)
        await control(url, type="play")
        await asyncio.sleep(2.0)
        await latency_rows(url, "brain at 30 Hz", seconds)
        totals, children, bare = await cpu_running_against_bare(url, server.pid, cpu_seconds, windows)
        servers = [total - child for total, child in zip(totals, children)]
        row(f"CPU cores running (30 Hz template, 30 fps), {window}", spread(totals), "<=0.15", "1.28")
        row("  of which the brain child (the student's code)", spread(children))
        row("  of which the server process", spread(servers))
        row("  the same work bare (bare_tick), window after each", spread(bare))
        row("  so the exercise's own threads and messages", spread([t - b for t, b in zip(totals, bare)]))
        row(
            "model upload (1.2 MB) to first digit after it, s",
            f"{await upload_to_first_frame(url, http):.3f}",
            "<=0.15",
            "1.14",
        )
        received, skipped, age = await slow_client(port, seconds)
        row("slow client (4 reads/s): views got / frames skipped", f"{received} / {skipped}")
        row("slow client: median age of the views it read, s", f"{age:.2f}")
        await control(url, type="stop")
        print("load average at end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="latency and slow-client windows")
    parser.add_argument("--cpu-seconds", type=float, default=10.0, help="length of one CPU window")
    parser.add_argument("--windows", type=int, default=3, help="CPU windows, idle and running each")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.cpu_seconds, arguments.windows))
