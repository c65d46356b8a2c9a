"""The runtime stays Python 3.8 compatible: vermin over it, and a real 3.8 compile when available."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Runtime code; exercise/training may use newer Python (it runs where PyTorch does).
RUNTIME_DIRS = ["exercise", "scripts"]
EXCLUDE_REGEX = r"exercise/training/"
PYTHON38_CANDIDATES = ["/root/.pyenv/versions/3.8.18/bin/python3.8", "python3.8"]


def _runtime_dirs() -> list:
    return [d for d in RUNTIME_DIRS if (ROOT / d).is_dir()]


def _vermin() -> str:
    """vermin's script beside this interpreter (it has no ``python -m vermin``)."""
    beside = Path(sys.executable).parent / "vermin"
    found = str(beside) if beside.is_file() else shutil.which("vermin")
    assert found, "vermin is not installed: pip install -e '.[test]'"
    return found


def test_vermin_finds_nothing_newer_than_3_8():
    result = subprocess.run(
        [
            _vermin(),
            "-t=3.8-",
            "--no-tips",
            "--violations",
            "--exclude-regex",
            EXCLUDE_REGEX,
            *_runtime_dirs(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _python38() -> str:
    for candidate in PYTHON38_CANDIDATES:
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    pytest.skip("no Python 3.8 interpreter on this machine")


def test_runtime_compiles_under_python_3_8(tmp_path):
    """Syntax a 3.8 parser rejects (match, parenthesised context managers...) fails here."""
    python38 = _python38()
    files = [
        str(path)
        for directory in _runtime_dirs()
        for path in sorted((ROOT / directory).rglob("*.py"))
        if "training" not in path.relative_to(ROOT).parts[:2]
    ]
    script = (
        "import sys, py_compile\n"
        "bad = []\n"
        "for f in sys.argv[1:]:\n"
        "    try: py_compile.compile(f, cfile=sys.argv[0] + '.pyc', doraise=True)\n"
        "    except py_compile.PyCompileError as e: bad.append(str(e))\n"
        "print('\\n'.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    script_path = tmp_path / "compile38.py"
    script_path.write_text(script)
    result = subprocess.run([python38, str(script_path), *files], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_m_exercise_help_lists_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "exercise", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: digit-classifier")
    for command in ("predict", "check", "evaluate"):
        assert command in result.stdout
