"""Run the student's code as an unprivileged user when the server runs as root.

In the Docker image the server runs as root. A brain child of the same user could signal
the server (``os.kill(os.getppid(), 9)``) and read what the server holds open
(``/proc/<server>/fd/1``, where the access token is printed). As another user it can do
neither: the kernel lets a process signal or look into only its own user's processes.
So the child, once it has imported what it needs and loaded the model, switches to
``nobody`` before the student's first line runs. Models it is told to load later must be
files that user can read: :func:`readable_copy` puts one where it can.

When the server does not run as root the child stays the server's user (no other user to
switch to); its own PID namespace (:mod:`exercise.brain.namespace`), where the kernel
allows one, still keeps it from signalling the server. ``docs/isolation.md`` says what
holds when.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import List

from exercise.files import write_atomically

#: The user and group the brain's code runs as when the server is root (``nobody``).
UNPRIVILEGED_UID = 65534
UNPRIVILEGED_GID = 65534
#: Where models are copied for the unprivileged child to read.
SHARED_MODELS = Path(tempfile.gettempdir()) / "digit-classifier-models"


def dropping() -> bool:
    """Whether the brain's code will run as another user: the server is root, and the
    Python installation the code imports from is readable by other users (a Python under
    /root, as pyenv puts it, is not: the code could not even ``import random`` there)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and all(map(_others_can_read, _import_roots()))


def _import_roots() -> List[str]:
    """The folders the brain's code and its libraries import from."""
    import numpy

    roots = [os.path.dirname(os.__file__), os.path.dirname(numpy.__file__), str(Path(__file__).parents[1])]
    return [os.path.realpath(root) for root in roots]


def _others_can_read(folder: str) -> bool:
    """Whether a user other than the owner can list ``folder`` and reach it."""
    path = Path(folder)
    try:
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
        return all(os.stat(part).st_mode & stat.S_IXOTH for part in [path, *path.parents])
    except OSError:
        return False


def drop_privileges() -> None:
    """Become ``nobody`` for good (real, effective and saved ids). The runner decides
    (:func:`dropping`, in the server: in a user namespace the child itself looks like root).

    Raises:
        OSError: the switch failed; the caller must not run the student's code then.
    """
    os.setgroups([])
    os.setresgid(UNPRIVILEGED_GID, UNPRIVILEGED_GID, UNPRIVILEGED_GID)
    os.setresuid(UNPRIVILEGED_UID, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
    # Libraries that cache under $HOME would try the server's (root's) home.
    os.environ["HOME"] = tempfile.gettempdir()


def readable_copy(path: Path) -> Path:
    """``path`` itself, or when the code runs as another user, a world-readable copy of it
    (named by its content, made once) that user can open."""
    if not dropping():
        return path
    data = path.read_bytes()
    SHARED_MODELS.mkdir(mode=0o755, exist_ok=True)
    os.chmod(SHARED_MODELS, 0o755)
    copy = SHARED_MODELS / f"{hashlib.sha256(data).hexdigest()[:16]}{path.suffix}"
    if not copy.exists():
        write_atomically(copy, data, mode=0o644)
    return copy
