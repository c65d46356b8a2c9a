"""``digit-classifier run``: headless brain runs from the terminal, as a real process."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

import cv2

from exercise.brain.events import ConsoleLine, ConsoleStream, DigitShown
from exercise.brain.family import descendants
from exercise.cli import main
from exercise.commands.run import TerminalView
from exercise.training import scenes
from exercise.training.scenes import SceneFrame
from tests.brain.conftest import process_alive


def cli(*args: str) -> List[str]:
    return [sys.executable, "-m", "exercise", "run", *args]


def test_runs_code_for_a_duration_and_prints_its_output(tmp_path: Path) -> None:
    code = tmp_path / "brain.py"
    code.write_text("import GUI\nn = 0\nwhile True:\n    n += 1\n    GUI.showDigit(n // 20 % 10, None)\n")
    result = subprocess.run(
        cli(str(code), "--camera", "demo", "--frequency", "50", "--duration", "2.5"),
        capture_output=True,
        text=True,
        timeout=60,
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
    code.write_text("print('running', flush=True)\nwhile True:\n    pass\n")
    process = subprocess.Popen(
        cli(str(code), "--camera", "demo"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A non-interactive parent may have SIGINT ignored; a terminal user's shell does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("running"), line
        brain = descendants(process.pid)  # the brain child (and unshare above it, if namespaced)
        assert brain
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert process.wait(timeout=10) == 130
        assert time.monotonic() - started < 5.0
        assert not any(process_alive(pid) for pid in brain)
    finally:
        process.kill()
        process.wait()


def test_digit_format() -> None:
    from exercise.commands.run import format_digit

    assert format_digit(DigitShown(None, None, None)) == "none"
    probabilities = [0.0] * 10
    probabilities[4] = 0.97
    assert format_digit(DigitShown(4, probabilities, (1, 2, 3, 4))) == "4 (97%) at x=1 y=2 w=3 h=4"


def test_json_lines_give_every_digit_shown_with_its_frame_and_the_codes_output() -> None:
    out, err = io.StringIO(), io.StringIO()
    view = TerminalView(out, err, json_lines=True)
    probabilities = [0.1] * 10
    view(DigitShown(4, probabilities, (1, 2, 3, 4), frame_seq=17))
    view(DigitShown(4, probabilities, (1, 2, 3, 4), frame_seq=18))  # the same digit: a line too
    view(ConsoleLine(ConsoleStream.STDOUT, "digit: 4"))
    view(DigitShown(None, None, None, frame_seq=19))
    view(ConsoleLine(ConsoleStream.STDERR, "a warning"))
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        {"type": "digit", "digit": 4, "probabilities": probabilities, "box": [1, 2, 3, 4], "frame": 17},
        {"type": "digit", "digit": 4, "probabilities": probabilities, "box": [1, 2, 3, 4], "frame": 18},
        {"type": "stdout", "text": "digit: 4"},
        {"type": "digit", "digit": None, "probabilities": None, "box": None, "frame": 19},
    ]
    assert err.getvalue() == "a warning\n"


# --- the live loop: the default brain on a folder of scenes ----------------------------------

#: Frames each scene is held in view; file:FOLDER plays 30 images a second.
SCENE_FRAMES = 12
#: A change must be on screen within 0.3 s of the scene's first frame: 9 frames at 30 fps.
SETTLE_FRAMES = 9
#: Digit scenes, each followed by an empty one.
DIGIT_SCENES = 8

Shown = Tuple[int, Optional[int]]  # (frame, digit shown)


def pick_scenes(count: int, mnist_dir: Path) -> List[SceneFrame]:
    """``count`` generated frames with exactly one digit, each followed by an empty one."""
    digits: List[SceneFrame] = []
    empties: List[SceneFrame] = []
    for frame in scenes.generate("desk", 10 * count, seed=3, digits=scenes.load_mnist("test", mnist_dir)):
        if frame.empty:
            empties.append(frame)
        elif len(frame.labels) == 1:
            digits.append(frame)
        if len(digits) >= count and len(empties) >= count:
            break
    return [scene for pair in zip(digits[:count], empties[:count]) for scene in pair]


def write_scenes(folder: Path, scenes: List[SceneFrame]) -> None:
    """Each scene as SCENE_FRAMES images in name order (hard links to one PNG: it is a held pose)."""
    for index, scene in enumerate(scenes):
        first = folder / f"{index:02d}-00.png"
        first.write_bytes(cv2.imencode(".png", scene.image)[1].tobytes())
        for repeat in range(1, SCENE_FRAMES):
            os.link(first, folder / f"{index:02d}-{repeat:02d}.png")


def shown_over(shown: List[Shown], first: int, last: int) -> List[Optional[int]]:
    """The digits on screen from frame ``first`` to ``last``: what was shown before ``first``
    (a digit stays until the next is shown), then each one shown in between."""
    before = [digit for frame, digit in shown if frame < first][-1:]
    return before + [digit for frame, digit in shown if first <= frame <= last]


def test_the_default_brain_shows_each_digit_within_0_3_s_and_nothing_on_empty_scenes(
    tmp_path: Path, mnist_dir: Path
) -> None:
    scenes = pick_scenes(DIGIT_SCENES, mnist_dir)
    folder = tmp_path / "scenes"
    folder.mkdir()
    write_scenes(folder, scenes)
    cycle = len(scenes) * SCENE_FRAMES  # the folder loops
    with open(tmp_path / "stderr.txt", "w+") as stderr:
        process = subprocess.Popen(
            cli("--camera", f"file:{folder}", "--json", "--duration", "60"),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        shown: List[Shown] = []
        try:
            assert process.stdout is not None
            # Until every scene was in view once from its first frame with the brain running.
            for line in process.stdout:
                record = json.loads(line)
                if record["type"] == "digit":
                    shown.append((record["frame"], record["digit"]))
                    if shown[-1][0] > shown[0][0] + cycle + SCENE_FRAMES:
                        break
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
        finally:
            process.kill()
            process.wait()
        stderr.seek(0)
        assert shown and shown[-1][0] > shown[0][0] + cycle + SCENE_FRAMES, stderr.read()

    failures = []
    for start in range(shown[0][0] + 1, shown[-1][0] - SCENE_FRAMES + 2):
        index, offset = divmod((start - 1) % cycle, SCENE_FRAMES)
        if offset:
            continue  # not a scene's first frame
        scene, name = scenes[index], f"scene {index} ({scenes[index].condition}"
        settling = shown_over(shown, start, start + SETTLE_FRAMES)
        settled = shown_over(shown, start + SETTLE_FRAMES + 1, start + SCENE_FRAMES - 1)
        if not scene.empty:
            digit = scene.labels[0]
            if digit not in settling[1:]:
                failures.append(f"{name}, a {digit}): shown {settling[1:]} in its first 0.3 s")
        else:
            # While the view settles the last scene's digit may linger; nothing new may come.
            if any(d is not None for d in settled) or set(settling[1:]) - {None, settling[0]}:
                failures.append(f"{name}, empty): shown {settling[1:]}, then {settled[1:]}")
    assert not failures, "\n".join(failures)
