"""Process control of one brain child: spawn, commands, signals, reaping, exit status.

:class:`ChildProcess` is the one class that starts and ends the child (as uvicorn keeps its
process control in one class): a fresh ``python -m exercise.brain.child`` through
``subprocess``, never a fork of the threaded server; in its own session and process group,
and in its own PID namespace where the kernel allows (:mod:`exercise.brain.namespace`);
terminate-then-kill of everything it started (:mod:`exercise.brain.family`); and the
meaning of its exit status.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, Optional, Set

from exercise.brain.family import descendants
from exercise.brain.messages import Command, Start
from exercise.brain.namespace import namespace_prefix
from exercise.brain.nsinit import SIGNAL_BASE
from exercise.brain.wire import encode_command, write_all
from exercise.exceptions import BrainError
from exercise.memory import ONE_THREAD

#: How long a child may take to die after SIGTERM before it gets SIGKILL.
TERM_GRACE = 0.2


def describe_exit(returncode: int) -> str:
    """The end of the sentence "the brain process ...", for an exit status from ``Popen``."""
    if returncode >= 0:
        return f"exited with status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    hints = {
        "SIGSEGV": " (it crashed: a segmentation fault, often in a C library)",
        "SIGABRT": " (it aborted: a C library gave up, sometimes for lack of memory)",
        "SIGKILL": " (killed from outside, for example by the system when memory ran out)",
        "SIGBUS": " (it crashed: a bus error)",
        "SIGFPE": " (it crashed: an arithmetic fault in a C library)",
    }
    return f"was killed by {name}{hints.get(name, '')}"


def _child_environment() -> Dict[str, str]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(ONE_THREAD)
    env["MALLOC_ARENA_MAX"] = "2"
    return env


class ChildProcess:
    """One brain child process, from spawn to reaping. Every signal and wait lives here.

    One reading (:mod:`exercise.brain.reader`) reads ``events_fd`` and ``output_fd`` and
    watches ``wake_fd``, which becomes readable once the process has exited; it closes all
    three with :meth:`close_reading` when it is done. Nobody else may close them: the next
    child's pipes would reuse their numbers while the reader still reads them.
    """

    def __init__(self, start: Start) -> None:
        control_read, control_write = os.pipe()
        events_read, events_write = os.pipe()
        wake_read, wake_write = os.pipe()
        prefix = namespace_prefix()
        #: In its own PID namespace the child cannot see or signal the server, and SIGTERM
        #: would not reach it (nor ``unshare`` above it): it is ended by SIGKILL alone.
        self.namespaced = bool(prefix)
        try:
            fds = (control_read, events_write, start.frames_fd)
            self._process = subprocess.Popen(
                [*prefix, sys.executable, "-m", "exercise.brain.child", *(str(fd) for fd in fds)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=fds,
                start_new_session=True,  # its own process group: Stop kills what it forks
                env=_child_environment(),
                close_fds=True,
            )
        except OSError as exc:
            for fd in (control_read, control_write, events_read, events_write, wake_read, wake_write):
                os.close(fd)
            raise BrainError(f"could not start the brain process: {exc}") from exc
        os.close(control_read)
        os.close(events_write)
        assert self._process.stdout is not None
        self.pid: int = self._process.pid
        self.events_fd = events_read
        self.output_fd = self._process.stdout.fileno()
        self.wake_fd = wake_read
        self._control = control_write
        self._wake_write = wake_write
        self._send_lock = threading.Lock()
        #: Set once the process has exited (it may not be reaped yet).
        self.exited = threading.Event()
        self._closed = False
        threading.Thread(target=self._wait_for_exit, name=f"brain {self.pid} waiter", daemon=True).start()
        self.send(start)

    def send(self, command: Command) -> None:
        """Write one command to the child; silently nothing if it is already gone."""
        data = encode_command(command)
        with self._send_lock:
            if self._closed:
                return
            # BrokenPipeError: the child died; its reader reports why.
            with contextlib.suppress(OSError):
                write_all(self._control, data)

    def terminate(self, grace: float = TERM_GRACE) -> int:
        """End the child and everything it forked: SIGTERM, then SIGKILL after ``grace``.

        Returns the child's exit status (negative: killed by that signal). Blocks until the
        child is reaped; with a child that ignores SIGTERM that is ``grace`` plus a few ms.
        """
        family = descendants(self.pid)
        if not self.exited.is_set() and not self.namespaced:
            self._signal_all(signal.SIGTERM, family)
            self.exited.wait(grace)
            family |= descendants(self.pid)
        # Always: a grandchild may ignore SIGTERM, or outlive a child that exited by itself.
        self._signal_all(signal.SIGKILL, family)
        try:
            self._process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # stuck in the kernel (D state); give up waiting
            return -int(signal.SIGKILL)
        status = self.returncode
        assert status is not None
        return status

    def kill_now(self) -> None:
        """SIGKILL the whole group at once (the child broke the message format)."""
        self._signal_all(signal.SIGKILL, descendants(self.pid))

    @property
    def returncode(self) -> Optional[int]:
        """The child's exit status once reaped; negative: killed by that signal."""
        status = self._process.returncode
        if self.namespaced and status is not None and status > SIGNAL_BASE:
            return SIGNAL_BASE - status  # nsinit's way of saying "killed by a signal"
        return status

    def close(self) -> None:
        """Close the ends we write to. Call after :meth:`terminate`; idempotent."""
        with self._send_lock:
            if self._closed:
                return
            self._closed = True
            for fd in (self._control, self._wake_write):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def close_reading(self) -> None:
        """Close the ends the reader reads; only the reader calls this, once, when done."""
        for fd in (self.events_fd, self.wake_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._process.stdout is not None:
            self._process.stdout.close()

    def _signal_all(self, sig: int, family: Set[int]) -> None:
        # The child and every process still in its group:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)
        for pid in family:  # descendants that left the group with setsid
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    def _wait_for_exit(self) -> None:
        try:
            # WNOWAIT: learn of the exit without reaping, so the process group id stays
            # reserved until terminate() has killed what is left in it.
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:
            pass  # already reaped by terminate()
        except OSError as exc:  # pragma: no cover
            if exc.errno != errno.EINTR:
                raise
        self.exited.set()
        # Under the lock: once close() has run, this number may be the next child's pipe.
        with self._send_lock:
            if not self._closed:
                with contextlib.suppress(OSError):
                    os.write(self._wake_write, b"x")
