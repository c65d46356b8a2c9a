"""A cap on a process's own memory: the brain child and the model check run under one."""

from __future__ import annotations

from typing import Dict

#: Numeric libraries at one thread each, for a process under the cap: every extra thread
#: reserves address space there (and these processes share the machine with the server).
ONE_THREAD: Dict[str, str] = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def set_memory_limit(megabytes: int) -> None:
    """Cap the address space at what the process maps now plus ``megabytes`` (Linux)."""
    import resource  # Unix only; imported here so that importing this module works anywhere

    try:
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        current = int(fields["VmSize"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return
    limit = current + megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
