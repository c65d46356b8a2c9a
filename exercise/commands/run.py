"""``digit-classifier run [CODE.py]``: run brain code headless, printing what it shows.

The same runner as the browser's Play button (exercise.brain.runner), with the terminal as
the GUI: the code's output goes to stdout/stderr, each new digit is printed when it changes,
and the measured loop frequency once a second (on stderr, so stdout stays the code's own).
Ctrl-C stops the brain and the camera cleanly. Exit status: 0 when the code ended or
``--duration`` ran out, 1 when it failed, 130 after Ctrl-C.

With ``--json`` every stdout line is a JSON object, for a program watching the brain:
``{"type": "digit", "digit", "probabilities", "box", "frame"}`` for every digit shown
(``GUI.showDigit``, at most the GUI rate of 30 a second, newest first) and
``{"type": "stdout", "text"}`` for each line the code prints; stderr stays text. ``frame``
is the number of the camera frame the brain had read last (``HAL.getImage``), counted
from 1 at the camera's start: a ``file:FOLDER`` camera plays every image in turn, so its
frame n is image ``(n - 1) % count`` in name order, which tells on which picture each
digit was read.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Optional, TextIO

from exercise.brain.budget import explain
from exercise.brain.events import (
    BrainEvent,
    BrainFailed,
    BrainState,
    ConsoleLine,
    ConsoleStream,
    DigitShown,
    FrequencyMeasured,
    StateChanged,
)
from exercise.brain.runner import DEFAULT_BRAIN_PATH, BrainRunner, default_code
from exercise.cameras import SPEC_HELP, open_camera
from exercise.exceptions import BrainError
from exercise.limits import check_frequency
from exercise.reels import NO_DIGIT


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run brain code without the browser",
        description="Run brain code (default: the template the browser starts with) on a camera, "
        "printing its output, the digits it shows and the loop frequency. Ctrl-C stops it.",
    )
    parser.add_argument(
        "code", nargs="?", metavar="CODE.py", help=f"brain code (default: {DEFAULT_BRAIN_PATH.name})"
    )
    parser.add_argument(
        "--camera",
        default="auto",
        metavar="SOURCE",
        help=SPEC_HELP,
    )
    parser.add_argument("--model", metavar="MODEL", help="ONNX model file (default: the bundled model)")
    parser.add_argument(
        "--frequency", type=float, default=30.0, metavar="HZ", help="loop frequency, 1 to 1000 (default: 30)"
    )
    parser.add_argument(
        "--duration", type=float, metavar="S", help="stop after S seconds (default: run until Ctrl-C)"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='stdout as JSON lines: {"type": "digit", "digit", "probabilities", "box", "frame"} for '
        'every digit shown, "frame" the camera frame the brain had read last; {"type": "stdout", '
        '"text"} for the code\'s own output',
    )
    parser.set_defaults(func=run, command="run")


class TerminalView:
    """Prints brain events; remembers whether the brain failed and when it ended.

    ``json_lines``: stdout as JSON lines (see the module's docstring), every digit shown.
    """

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        json_lines: bool = False,
        label_of: Optional[Callable[[int], Optional[int]]] = None,
    ) -> None:
        self._out = out
        self._err = err
        self._json = json_lines
        self._label_of = label_of
        #: Digits shown on a labelled camera (``reel:DIR``), and how many matched the label.
        self.judged = 0
        self.right = 0
        self._digit: Optional[int] = None
        self._seen_digit = False
        self.failed = False
        #: Set when the brain stopped by itself (ended, failed, crashed).
        self.ended = threading.Event()

    def __call__(self, event: BrainEvent) -> None:
        if isinstance(event, ConsoleLine):
            if event.stream is ConsoleStream.STDOUT and self._json:
                self._print_json({"type": "stdout", "text": event.text})
            elif event.stream is ConsoleStream.STDOUT:
                print(event.text, file=self._out, flush=True)
            elif event.stream is ConsoleStream.STDERR:
                print(event.text, file=self._err, flush=True)
            else:
                print(f"[brain] {event.text}", file=self._err, flush=True)
        elif isinstance(event, DigitShown):
            self._show_digit(event)
        elif isinstance(event, FrequencyMeasured):
            text = f"[frequency] {event.measured_hz:.1f} Hz (target {event.target_hz:g} Hz)"
            why = explain(event.budget, event.measured_hz, event.target_hz)
            if why:
                text += f": {why}"
            print(text, file=self._err, flush=True)
        elif isinstance(event, BrainFailed):
            self.failed = True
            where = f" (line {event.line})" if event.line is not None else ""
            print(f"[brain] failed{where}: {event.message}", file=self._err, flush=True)
        elif isinstance(event, StateChanged) and event.state is BrainState.STOPPED and event.reason:
            self.ended.set()

    def _show_digit(self, event: DigitShown) -> None:
        label = self._label_of(event.frame_seq) if self._label_of is not None else None
        if label is not None:
            self.judged += 1
            self.right += is_right(event.digit, label)
        if self._json:
            record = digit_record(event)
            if label is not None:
                record["label"] = None if label == NO_DIGIT else label
            self._print_json(record)
        elif event.digit != self._digit or not self._seen_digit:
            self._digit, self._seen_digit = event.digit, True
            text = f"[digit] {format_digit(event)}"
            if label is not None:
                mark = "right" if is_right(event.digit, label) else "WRONG"
                held = "none" if label == NO_DIGIT else str(label)
                text += f"  held up {held}: {mark}, {self.right} of {self.judged} right so far"
            print(text, file=self._out, flush=True)

    def _print_json(self, record: Dict[str, Any]) -> None:
        print(json.dumps(record), file=self._out, flush=True)


def digit_record(event: DigitShown) -> Dict[str, Any]:
    """The ``--json`` line of a digit shown."""
    return {
        "type": "digit",
        "digit": event.digit,
        "probabilities": event.probabilities,
        "box": list(event.box) if event.box is not None else None,
        "frame": event.frame_seq,
    }


def is_right(digit: Optional[int], label: int) -> bool:
    """A reading matches a reel's label: the digit held up, or nothing when none was."""
    return digit == (None if label == NO_DIGIT else label)


def format_digit(event: DigitShown) -> str:
    """``4 (97%) at x=10 y=20 w=30 h=40``, or ``none``."""
    if event.digit is None:
        return "none"
    text = str(event.digit)
    if event.probabilities is not None:
        text += f" ({event.probabilities[event.digit] * 100:.0f}%)"
    if event.box is not None:
        x, y, w, h = event.box
        text += f" at x={x} y={y} w={w} h={h}"
    return text


def run(args: argparse.Namespace) -> int:
    code = _read_code(args.code)
    frequency = _checked(check_frequency, args.frequency)
    if args.duration is not None and args.duration <= 0:
        raise BrainError(f"--duration must be more than 0 seconds, got {args.duration:g}")
    model_path = None
    if args.model is not None:
        from exercise.model import DigitModel

        DigitModel.load(args.model)  # a bad model is refused here, with the reason
        model_path = Path(args.model)
    camera = open_camera(args.camera)
    view = TerminalView(sys.stdout, sys.stderr, json_lines=args.json, label_of=camera.label_of)
    camera.start()
    runner = BrainRunner(camera, model_path, view, frequency_hz=frequency)
    try:
        print(f"[brain] camera {camera.spec}, {frequency:g} Hz; Ctrl-C stops", file=sys.stderr, flush=True)
        runner.play(code)
        view.ended.wait(args.duration)
    except KeyboardInterrupt:
        print("[brain] stopping (Ctrl-C)", file=sys.stderr, flush=True)
        return 130
    finally:
        runner.close()
        camera.stop()
    return 1 if view.failed else 0


def _read_code(path: Optional[str]) -> str:
    if path is None:
        return default_code()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BrainError(f"cannot read the brain code {path}: {exc}") from None


def _checked(check: Any, value: float) -> float:
    try:
        return float(check(value))
    except ValueError as exc:
        raise BrainError(str(exc)) from None
