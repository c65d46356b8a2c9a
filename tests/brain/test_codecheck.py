"""The pre-run check and the split into setup, paced body and after-loop code."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from exercise.brain.codecheck import (
    TICK_NAME,
    TickIterator,
    check,
    split_program,
)
from exercise.exceptions import BrainError, BrainSyntaxError
from exercise.limits import MAX_CODE_BYTES


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("x = (\n", 1),
        ("import HAL\n\nwhile True\n    pass\n", 3),
        ("if True:\nprint(1)\n", 2),
        ("a = 1\nb = 2\nbreak\n", 3),  # only the compiler sees this one
        ("def f():\n    pass\nreturn 5\n", 3),
    ],
)
def test_syntax_errors_carry_the_students_line(code: str, line: int) -> None:
    with pytest.raises(BrainSyntaxError) as caught:
        check(code)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")


def test_null_bytes_and_oversized_code_are_refused() -> None:
    with pytest.raises(BrainSyntaxError):
        check("x = 1\0\n")
    with pytest.raises(BrainError, match="KiB limit"):
        check("#" * (MAX_CODE_BYTES + 1))


def run(code: str, ticks: int = 100) -> Dict[str, Any]:
    """Execute a split program the way the child does (without pacing)."""
    program = split_program(code)
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    exec(program.setup, namespace)
    if program.body is None:
        return namespace
    tick = TickIterator()
    namespace[TICK_NAME] = tick
    for _ in range(ticks):
        tick.reset()
        exec(program.body, namespace)
        if tick.broke:
            if program.after is not None:
                exec(program.after, namespace)
            break
    return namespace


def test_setup_runs_once_and_the_body_per_tick_with_globals() -> None:
    namespace = run("setup = 0\nsetup += 1\nn = 0\nwhile True:\n    n += 1\n", ticks=7)
    assert namespace["setup"] == 1 and namespace["n"] == 7


def test_continue_ends_the_tick_and_break_ends_the_loop() -> None:
    namespace = run(
        "seen = []\nn = 0\nwhile True:\n    n += 1\n    if n % 2:\n        continue\n"
        "    seen.append(n)\n    if n == 6:\n        break\nafter = True\n",
    )
    assert namespace["seen"] == [2, 4, 6] and namespace["n"] == 6 and namespace["after"] is True


def test_only_the_first_top_level_forever_loop_is_paced() -> None:
    program = split_program("x = 1\nwhile x < 3:\n    x += 1\nwhile 1:\n    pass\nwhile True:\n    pass\n")
    assert program.loop_line == 4 and program.after is not None
    assert split_program("def main():\n    while True:\n        pass\n").body is None
    assert split_program("while False:\n    pass\n").body is None


def test_tracebacks_keep_the_original_line_numbers() -> None:
    program = split_program("import math\n\nwhile True:\n    pass\n    y = 1 / 0\n")
    namespace: Dict[str, Any] = {TICK_NAME: TickIterator()}
    exec(program.setup, namespace)
    with pytest.raises(ZeroDivisionError) as caught:
        exec(program.body, namespace)
    import traceback

    frames = [f for f in traceback.extract_tb(caught.value.__traceback__) if f.filename == "brain.py"]
    assert [f.lineno for f in frames] == [5]


def test_underscore_stays_the_students() -> None:
    assert run("_ = 'mine'\nwhile True:\n    break\n")["_"] == "mine"
