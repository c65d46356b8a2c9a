"""Start the brain child in its own PID namespace, where the kernel allows it.

In a PID namespace of its own the student's code sees only its own processes: the server's
process id does not exist there (its parent is the namespace's first process), so no signal of the code's can
reach the server, even when the code runs as the server's own user, and ``/proc`` (mounted
afresh) lists nothing of the server's. When the child exits, the kernel kills everything
left in the namespace, so nothing it started outlives it.

The namespace is made by util-linux's ``unshare`` (``--pid --fork --mount-proc
--kill-child``), which stays as the child's parent; inside it, :mod:`exercise.brain.nsinit`
is the namespace's first process and the child the second, with the usual signals.
Creating a PID namespace needs root, or an unprivileged user namespace
(``--user --map-root-user``) where the kernel allows those; a container without
``CAP_SYS_ADMIN`` (Docker's default) allows neither. Whether it works is tried once, with
``true``, and the child runs without a namespace when it does not (``docs/isolation.md``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Tuple

#: Own PID namespace; /proc remounted to show it; the child dies if ``unshare`` dies.
PID_NAMESPACE_FLAGS = ["--pid", "--fork", "--mount-proc", "--kill-child"]
#: For a server that is not root: a user namespace in which the child may make the others.
USER_NAMESPACE_FLAGS = ["--user", "--map-root-user"]
#: How long the one-off trial of ``unshare`` may take.
TRIAL_TIMEOUT = 5.0
#: The namespace's first process, run by path without the site packages.
INIT = (sys.executable, "-S", str(Path(__file__).with_name("nsinit.py")))


@functools.lru_cache(maxsize=None)
def namespace_prefix() -> Tuple[str, ...]:
    """The command words that start a program in its own PID namespace (under
    :mod:`exercise.brain.nsinit`), or () where the kernel (or a missing ``unshare``) does
    not allow it. Tried once per process."""
    unshare = shutil.which("unshare")
    if unshare is None or not hasattr(os, "geteuid"):
        return ()
    flags = PID_NAMESPACE_FLAGS if os.geteuid() == 0 else USER_NAMESPACE_FLAGS + PID_NAMESPACE_FLAGS
    prefix = (unshare, *flags, "--", *INIT)
    try:
        trial = subprocess.run(
            [*prefix, shutil.which("true") or "/bin/true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TRIAL_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return prefix if trial.returncode == 0 else ()
