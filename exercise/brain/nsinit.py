"""The first process of the brain child's PID namespace: ``python -S nsinit.py PROGRAM ARGS...``.

The first process of a PID namespace is its init: signals it has no handler for are
dropped, even its own ``os.kill(os.getpid(), SIGSEGV)``, and orphans come to it. The
student's code must not run as that, so this starts it as the second process, reaps every
orphan until it ends, and exits with its status: its exit code, or 128 + the signal that
killed it (init cannot be killed by a signal of its own to pass that on), which
:class:`exercise.brain.process.ChildProcess` reads back. When this exits, the kernel kills
whatever is left in the namespace.

Run by path, with no imports beyond ``os`` and ``sys``: it costs a few milliseconds at Play.
"""

import os
import sys

#: Added to a signal's number in the exit status, as shells do.
SIGNAL_BASE = 128


def main() -> None:
    program = sys.argv[1:]
    child = os.fork()
    if child == 0:
        try:
            os.execv(program[0], program)
        finally:
            os._exit(127)
    while True:
        pid, status = os.wait()
        if pid == child:
            break
    if os.WIFSIGNALED(status):
        os._exit(SIGNAL_BASE + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
