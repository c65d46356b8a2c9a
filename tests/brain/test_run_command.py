"""``digit-classifier run``: headless brain runs from the terminal, as a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

from exercise.brain.events import DigitShown
from exercise.cli import main
from tests.brain.conftest import process_alive


def cli(*args: str) -> List[str]:
    return [sys.executable, "-m", "exercise", "run", *args]


def test_runs_code_for_a_duration_and_prints_its_output(tmp_path: Path) -> None:
    code = tmp_path / "brain.py"
    code.write_text("import GUI\nn = 0\nwhile True:\n    n += 1\n    GUI.showDigit(n // 20 % 10, None)\n")
    result = subprocess.run(
        cli(str(code), "--camera", "demo", "--frequency", "50", "--duration", "2.5"),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    digits = [line for line in result.stdout.splitlines() if line.startswith("[digit]")]
    assert digits[:2] == ["[digit] 0", "[digit] 1"]  # printed when the digit changes
    assert "[frequency]" in result.stderr and "target 50 Hz" in result.stderr


def test_a_failure_exits_with_status_1(tmp_path: Path) -> None:
    code = tmp_path / "brain.py"
    code.write_text("print('hello')\n\nprint(1 / 0)\n")
    result = subprocess.run(cli(str(code), "--camera", "demo"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "hello"
    assert "failed (line 3): ZeroDivisionError: division by zero" in result.stderr
    assert 'File "brain.py", line 3, in <module>' in result.stderr


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, capsys: object) -> None:
    code = tmp_path / "bad.py"
    code.write_text("while True\n")
    assert main(["run", str(code), "--camera", "demo"]) == 2
    assert main(["run", "--frequency", "5000", "--camera", "demo"]) == 2
    assert main(["run", str(tmp_path / "missing.py")]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "line 1: " in err and "between 1 and 1000" in err and "missing.py" in err


def test_ctrl_c_stops_the_brain_and_the_command(tmp_path: Path) -> None:
    code = tmp_path / "brain.py"
    code.write_text("import os\nprint('pid', os.getpid(), flush=True)\nwhile True:\n    pass\n")
    process = subprocess.Popen(
        cli(str(code), "--camera", "demo"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A non-interactive parent may have SIGINT ignored; a terminal user's shell does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("pid "), line
        brain_pid = int(line.split()[1])
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert process.wait(timeout=10) == 130
        assert time.monotonic() - started < 5.0
        assert not process_alive(brain_pid)
    finally:
        process.kill()
        process.wait()


def test_digit_format() -> None:
    from exercise.commands.run import format_digit

    assert format_digit(DigitShown(None, None, None)) == "none"
    probabilities = [0.0] * 10
    probabilities[4] = 0.97
    assert format_digit(DigitShown(4, probabilities, (1, 2, 3, 4))) == "4 (97%) at x=1 y=2 w=3 h=4"
