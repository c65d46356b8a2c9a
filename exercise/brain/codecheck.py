"""Check a student's brain code before it runs, and split it into setup, loop body and the rest.

The code a student writes looks like the original exercises::

    import HAL
    import GUI
    <setup, run once>
    while True:
        <body, run once per tick at the target frequency>
    <after the loop: runs only if the body breaks out>

:func:`check` is the pre-run check (syntax errors with the student's line numbers).
:func:`split_program` finds the first top-level ``while True:`` (or ``while 1:``) and
returns the three parts as code objects compiled with the original line numbers, so every
traceback points at the student's own lines.

How ``break`` and ``continue`` keep their meaning: the body is compiled as module code
(the names it assigns stay module globals, exactly as in the original loop) wrapped in a
one-pass ``for`` loop over a :class:`TickIterator` that the executor puts in the
namespace under :data:`TICK_NAME`::

    for __brain_pass__ in __brain_tick__:      # one pass
        <body>

``continue`` ends the pass early and ``break`` leaves it; the iterator tells the two apart
because only a pass that was *not* broken asks it for a second item. A broken body ends
the loop, then the code after the loop runs once, as in plain Python.

Code without a top-level ``while True:`` runs once, from top to bottom.
"""

from __future__ import annotations

import ast
import types
from dataclasses import dataclass
from typing import List, Optional

from exercise.exceptions import BrainError, BrainSyntaxError
from exercise.limits import MAX_CODE_BYTES

#: The name the student's tracebacks show for their code.
BRAIN_FILENAME = "brain.py"


#: Global the loop body iterates over once per tick (see the module docstring).
TICK_NAME = "__brain_tick__"


@dataclass(frozen=True)
class BrainProgram:
    """The student's code in three compiled parts; exec each in the same globals dict."""

    #: Everything before the loop (or the whole program when there is no loop).
    setup: types.CodeType
    #: The loop body wrapped in the one-pass for loop, or None when there is no loop.
    body: Optional[types.CodeType]
    #: Statements after the loop; run once if the body breaks out.
    after: Optional[types.CodeType]
    #: 1-based line of the ``while True:``, or None.
    loop_line: Optional[int]


class TickIterator:
    """Yields one item per pass; ``broke`` afterwards says whether the body used ``break``."""

    __slots__ = ("_given", "_finished")

    def __init__(self) -> None:
        self._given = False
        self._finished = False

    def reset(self) -> None:
        """Make ready for the next tick (cheaper than a new object at 1000 Hz)."""
        self._given = False
        self._finished = False

    def __iter__(self) -> TickIterator:
        return self

    def __next__(self) -> None:
        if not self._given:
            self._given = True
            return None
        self._finished = True  # asked again: the pass ended normally or by continue
        raise StopIteration

    @property
    def broke(self) -> bool:
        """True when the pass ended with ``break`` (or never ran, which cannot happen)."""
        return not self._finished


def check(code: str, filename: str = BRAIN_FILENAME) -> ast.Module:
    """Parse and compile ``code`` as the runner will; return its tree.

    Raises:
        BrainSyntaxError: with the 1-based line and column as the editor numbers them.
        BrainError: the code is over :data:`MAX_CODE_BYTES`.
    """
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > MAX_CODE_BYTES:
        raise BrainError(
            f"the code is {size // 1024} KiB, over the {MAX_CODE_BYTES // 1024} KiB limit; "
            "move data into files instead of pasting it into the code"
        )
    try:
        tree = ast.parse(code, filename=filename, mode="exec")
        # Some errors ('break' outside loop, 'return' outside function) only show up when
        # compiling, so compile the whole thing exactly as the child will.
        compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        message = exc.msg or "invalid syntax"
        if isinstance(exc, IndentationError) and "indent" not in message:
            message = f"indentation: {message}"
        raise BrainSyntaxError(message, exc.lineno, exc.offset) from None
    except ValueError as exc:  # "source code string cannot contain null bytes"
        raise BrainSyntaxError(str(exc), None) from None
    return tree


def is_forever_loop(node: ast.stmt) -> bool:
    """True for ``while True:`` and ``while 1:`` (the loop the runner paces)."""
    if not isinstance(node, ast.While):
        return False
    test = node.test
    return isinstance(test, ast.Constant) and test.value is not False and test.value in (True, 1)


def split_program(code: str, filename: str = BRAIN_FILENAME) -> BrainProgram:
    """Check ``code`` and compile its setup, paced loop body and after-loop parts.

    Raises the same errors as :func:`check`.
    """
    tree = check(code, filename)
    statements = tree.body
    index = next((i for i, node in enumerate(statements) if is_forever_loop(node)), None)
    if index is None:
        return BrainProgram(_compile(statements, filename), None, None, None)
    loop = statements[index]
    assert isinstance(loop, ast.While)
    one_pass = ast.For(
        target=ast.Name(id="__brain_pass__", ctx=ast.Store()),
        iter=ast.Name(id=TICK_NAME, ctx=ast.Load()),
        body=loop.body,
        orelse=[],
        type_comment=None,
    )
    ast.copy_location(one_pass, loop)
    one_pass.target = ast.copy_location(one_pass.target, loop)
    one_pass.iter = ast.copy_location(one_pass.iter, loop)
    after = statements[index + 1 :]
    return BrainProgram(
        setup=_compile(statements[:index], filename),
        body=_compile([one_pass], filename),
        after=_compile(after, filename) if after else None,
        loop_line=loop.lineno,
    )


def _compile(statements: List[ast.stmt], filename: str) -> types.CodeType:
    module = ast.Module(body=statements, type_ignores=[])
    ast.fix_missing_locations(module)
    return compile(module, filename, "exec", dont_inherit=True)
