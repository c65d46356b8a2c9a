"""A cap on a process's own memory: the brain child and the model check run under one."""

from __future__ import annotations


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
