"""Check an uploaded model in a child process whose memory is capped, before the server uses it.

The server runs the model in use itself (``POST /api/digit``, the drawing pad) with no
memory bound of its own, so a model must first show, where a cap applies, that running it
on a few 28x28 images stays within ``MEMORY_LIMIT_MB``: one whose every run expands to a
2 GB tensor is refused with that reason instead of taking the server's memory.

    python -m exercise.model_guard NAME MEGABYTES < model.onnx    # the child's side
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import List

from exercise.exceptions import ModelError, ModelFormatError

#: What checking a model may use on top of the interpreter and onnxruntime, as the brain
#: child's code may (exercise/brain/runner.py's default).
MEMORY_LIMIT_MB = 1024
#: Longest a check may take (loading, probing and timing a model takes well under a second).
TIMEOUT_S = 60.0
#: The child's exit status when the model was refused for its own reasons (a ModelError).
REFUSED = 3


def check_isolated(data: bytes, name: str, memory_limit_mb: int = MEMORY_LIMIT_MB) -> None:
    """Load and probe ``data`` as :meth:`DigitModel.load` does, in a capped child process.

    Raises:
        ModelError: the model was refused (the child's reason), needs more memory than the
            cap, or took longer than ``TIMEOUT_S`` to check.
    """
    command = [sys.executable, "-m", "exercise.model_guard", name, str(memory_limit_mb)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        reason = f"checking it took over {TIMEOUT_S:.0f} s; the exercise refuses it"
        raise ModelFormatError(reason, source=name) from None
    if done.returncode == 0:
        return
    if done.returncode == REFUSED:
        refusal = json.loads(done.stdout)
        error = ModelError(refusal["reason"], source=name)
        error.code = refusal["code"]
        raise error
    raise ModelFormatError(
        f"running it on one 28x28 image needs more than {memory_limit_mb} MB of memory (or crashed "
        "onnxruntime); the exercise refuses it: keep the model's tensors small",
        source=name,
    )


def main(argv: List[str]) -> int:
    from exercise.memory import set_memory_limit
    from exercise.model import DigitModel

    name, megabytes = argv[0], int(argv[1])
    data = sys.stdin.buffer.read()
    set_memory_limit(megabytes)
    try:
        DigitModel.load(data, name=name)
    except ModelError as exc:
        if "bad_alloc" in exc.reason or "allocate" in exc.reason.lower():
            return 1  # out of memory inside onnxruntime: the parent says so
        print(json.dumps({"code": exc.code, "reason": exc.reason}))
        return REFUSED
    except MemoryError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
