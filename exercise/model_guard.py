"""Check an uploaded model in a child process whose memory is capped, before the server uses it.

The server runs the model in use itself (``POST /api/digit``, the drawing pad) with no
memory bound of its own, so a model must first show, where a cap applies, that running it
on a few 28x28 images stays within ``MEMORY_LIMIT_MB``: one whose every run expands to a
2 GB tensor is refused with that reason instead of taking the server's memory.

A fresh Python spends a quarter of a second importing numpy, OpenCV and onnxruntime, more
than the check itself. So one helper process does that once (``python -m
exercise.model_guard --serve``, started by :func:`warm_up` or the first check) and forks a
child per model; the child caps its own memory, loads and probes the model, and exits. The
helper never runs a model, so it holds no onnxruntime threads a fork could catch mid-lock.
It ends when the server does (its stdin closes).

Requests (server to helper): ``>IQI`` (name length, model length, megabytes), the name,
the model. Replies: one JSON line ``{"status": N, "out": TEXT}``: the child's exit status
(or :data:`TIMED_OUT`) and what it wrote.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import IO, Any, BinaryIO, Dict, List, Optional, Tuple

from exercise.exceptions import ModelError, ModelFormatError
from exercise.memory import ONE_THREAD

#: What checking a model may use on top of the interpreter and onnxruntime, as the brain
#: child's code may (exercise/brain/runner.py's default).
MEMORY_LIMIT_MB = 1024
#: Longest a check may take (loading, probing and timing a model takes well under a second).
TIMEOUT_S = 60.0
#: The child's exit status when the model was refused for its own reasons (a ModelError).
REFUSED = 3
#: The status the helper reports for a child it killed for taking longer than ``TIMEOUT_S``.
TIMED_OUT = -1
_REQUEST = struct.Struct(">IQI")


def check_isolated(data: bytes, name: str, memory_limit_mb: int = MEMORY_LIMIT_MB) -> None:
    """Load and probe ``data`` as :meth:`DigitModel.load` does, in a capped child process.

    Raises:
        ModelError: the model was refused (the child's reason), needs more memory than the
            cap, or took longer than ``TIMEOUT_S`` to check.
    """
    reply = _HELPER.check(data, name, memory_limit_mb)
    status = reply["status"]
    if status == 0:
        return
    if status == TIMED_OUT:
        reason = f"checking it took over {TIMEOUT_S:.0f} s; the exercise refuses it"
        raise ModelFormatError(reason, source=name)
    if status == REFUSED:
        refusal = json.loads(reply["out"])
        error = ModelError(refusal["reason"], source=name)
        error.code = refusal["code"]
        raise error
    raise ModelFormatError(
        f"running it on one 28x28 image needs more than {memory_limit_mb} MB of memory (or crashed "
        "onnxruntime); the exercise refuses it: keep the model's tensors small",
        source=name,
    )


def warm_up() -> None:
    """Start the helper now, in the background, so that the first upload does not wait for it."""
    threading.Thread(target=_HELPER.start, name="model check warm-up", daemon=True).start()


class _Helper:
    """The server's side: one helper process, started on demand, one check at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> None:
        with self._lock:
            self._ensure_started()

    def check(self, data: bytes, name: str, megabytes: int) -> Dict[str, Any]:
        encoded = name.encode("utf-8", "replace")
        request = _REQUEST.pack(len(encoded), len(data), megabytes) + encoded + data
        with self._lock:
            for attempt in range(2):  # a helper that died since the last check is replaced once
                process = self._ensure_started()
                try:
                    assert process.stdin is not None and process.stdout is not None
                    process.stdin.write(request)
                    process.stdin.flush()
                    return _read_reply(process.stdout, TIMEOUT_S + 10.0)
                except (OSError, ValueError) as exc:
                    self._stop()
                    if attempt == 1:
                        raise ModelFormatError(
                            f"the model could not be checked ({exc})", source=name
                        ) from None
        raise AssertionError("unreachable")

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            # The helper forks, and never computes anything: no thread pools to be caught mid-lock.
            env = {**os.environ, **ONE_THREAD}
            self._process = subprocess.Popen(
                [sys.executable, "-m", "exercise.model_guard", "--serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                start_new_session=True,  # Ctrl-C in the terminal is the server's to handle
            )
        return self._process

    def _stop(self) -> None:
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.kill()
            self._process.wait()
            self._process = None


_HELPER = _Helper()


def _read_reply(stream: IO[bytes], timeout: float) -> Dict[str, Any]:
    """One reply line from the helper, or ValueError when none comes in time."""
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        raise ValueError("the checking process did not answer")
    line = stream.readline()
    if not line:
        raise ValueError("the checking process ended")
    reply: Dict[str, Any] = json.loads(line)
    return reply


# --- the helper process ---------------------------------------------------------------------------


def serve(requests: BinaryIO, replies: BinaryIO) -> int:
    """The helper's loop: a forked, capped child per model, until ``requests`` ends."""
    import exercise.model  # noqa: F401 - imported once here, inherited by every child

    while True:
        header = _read_exact(requests, _REQUEST.size)
        if header is None:
            return 0
        name_length, data_length, megabytes = _REQUEST.unpack(header)
        name_bytes = _read_exact(requests, name_length)
        data = _read_exact(requests, data_length)
        if name_bytes is None or data is None:
            return 0
        status, out = _check_in_child(data, name_bytes.decode("utf-8", "replace"), megabytes)
        replies.write(json.dumps({"status": status, "out": out}).encode("utf-8") + b"\n")
        replies.flush()


def _check_in_child(data: bytes, name: str, megabytes: int) -> Tuple[int, str]:
    """Fork, check in the child, and return its exit status and what it wrote."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        status = 1
        try:
            with os.fdopen(write_end, "w") as stream:
                status = _check_here(data, name, megabytes, stream)
        finally:
            os._exit(status)
    os.close(write_end)
    out = _read_until_eof(read_end, time.monotonic() + TIMEOUT_S)
    if out is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return TIMED_OUT, ""
    _, status = os.waitpid(pid, 0)
    return (os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1), out


def _check_here(data: bytes, name: str, megabytes: int, out: Any) -> int:
    from exercise.memory import set_memory_limit
    from exercise.model import DigitModel

    set_memory_limit(megabytes)
    try:
        DigitModel.load(data, name=name)
    except ModelError as exc:
        if "bad_alloc" in exc.reason or "allocate" in exc.reason.lower():
            return 1  # out of memory inside onnxruntime: the server says so
        out.write(json.dumps({"code": exc.code, "reason": exc.reason}))
        return REFUSED
    except MemoryError:
        return 1
    return 0


def _read_until_eof(fd: int, deadline: float) -> Optional[str]:
    """Everything written to ``fd`` until its writer closes it; None past ``deadline``."""
    chunks: List[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks).decode("utf-8", "replace")
            chunks.append(chunk)
    finally:
        os.close(fd)


def _read_exact(stream: BinaryIO, size: int) -> Optional[bytes]:
    data = stream.read(size) if size else b""
    return data if data is not None and len(data) == size else None


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))
    sys.exit("usage: python -m exercise.model_guard --serve (started by the server)")
