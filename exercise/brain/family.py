"""The brain child's process family: finding everything it started, keeping hold of it.

Stop ends the child and every process below it. A process that leaves the child's session
(``setsid``) is still found by walking /proc from the child; one whose parent exited
(``setsid -f``, a double fork) would be adopted by init and lost, so the child makes itself
a *subreaper*: orphans below it are adopted by it instead, and stay in its family.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from typing import Dict, List, Set

#: prctl(2) option: orphaned descendants are reparented to this process, not to init.
PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> bool:
    """Make this process a subreaper (Linux); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def descendants(root: int) -> Set[int]:
    """Every live process below ``root`` in the process tree (Linux /proc; empty elsewhere)."""
    children: Dict[int, List[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: Set[int] = set()
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def kill_descendants() -> None:
    """SIGKILL every process below this one (before it exits, so none is orphaned)."""
    for pid in descendants(os.getpid()):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
