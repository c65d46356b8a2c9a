"""Where a trained file came from: the command that remakes it, when, and from which commit.

Every ONNX file the project ships carries these in its metadata, so a model card's figures
can be traced to the run that measured them.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
from pathlib import Path
from typing import Dict, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]


def _git(*args: str, check: bool = True) -> str:
    """What ``git ARGS`` prints in the checkout, stripped.

    Raises:
        OSError, subprocess.SubprocessError: no git, or it timed out (or failed, with ``check``).
    """
    done = subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=check
    )
    return done.stdout.strip()


def git_commit() -> str:
    """The checkout's commit (with ``+dirty`` if files differ), or ``unknown``."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no", check=False)
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def now() -> str:
    """The current UTC time, to the second, ISO 8601."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def command_line(
    command: str, args: argparse.Namespace, parser: argparse.ArgumentParser, always: Sequence[str]
) -> str:
    """``command`` with the options that reproduce this run: those named in ``always``, and
    the others of ``parser`` when they differ from their defaults; flags when set."""
    defaults = vars(parser.parse_args([]))
    parts = [command]
    for name, default in defaults.items():
        value = getattr(args, name, None)
        if isinstance(default, bool) or name in ("func", "command"):
            if value is True and isinstance(default, bool):
                parts.append(f"--{name.replace('_', '-')}")
            continue
        if value is not None and (name in always or value != default):
            parts.append(f"--{name.replace('_', '-')} {value}")
    return " ".join(parts)


def provenance(
    command: str, args: argparse.Namespace, parser: argparse.ArgumentParser, always: Sequence[str]
) -> Dict[str, str]:
    """The ``command``, ``date`` and ``commit`` metadata of a file this run made."""
    return {"command": command_line(command, args, parser, always), "date": now(), "commit": git_commit()}
