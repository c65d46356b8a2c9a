"""``digit-classifier record --camera SOURCE --out DIR``: record a test reel, labelled live.

While it records, a key sets the label of the frames that follow: ``0``-``9`` the digit
being held up, ``-`` none, ``q`` stops. On a terminal the keys act at once; from a pipe,
each line's first character is a key (``printf '7\\n'``). The label in force, the time,
the frames and the disk used are shown on stderr. The reel (docs/reels.md) is complete
after every frame, so Ctrl-C loses nothing; grade models on it with ``evaluate --reel``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import threading
from typing import Any, Iterator, Optional, TextIO

from exercise.cameras import SPEC_HELP, open_camera
from exercise.exceptions import UsageError
from exercise.recording import DEFAULT_FPS, DEFAULT_MAX_BYTES, Recorder, ReelWriter, label_for_key, label_name

#: Keys that end the recording.
STOP_KEYS = ("q", "Q", "\x1b")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "record",
        help="record a test reel from a camera, labelling it live with the keys 0-9 and -",
        description="Record a camera into a test reel (frames/ and labels.csv, docs/reels.md). Keys set the "
        "label of the frames that follow: 0-9 the digit held up, - no digit, q stops (from a pipe: one "
        "key per line). Grade models on the reel with: digit-classifier evaluate --reel DIR.",
    )
    parser.add_argument(
        "--camera",
        default="auto",
        metavar="SOURCE",
        help=SPEC_HELP,
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="a new (or empty) folder for the reel")
    parser.add_argument(
        "--seconds", type=float, metavar="N", help="stop after N seconds (default: at q or Ctrl-C)"
    )
    parser.add_argument(
        "--fps",
        type=float,
        default=DEFAULT_FPS,
        metavar="F",
        help=f"frames kept per second (default: {DEFAULT_FPS:g})",
    )
    parser.add_argument(
        "--label",
        default="-",
        metavar="L",
        help="label of the first frames, 0-9 or - for no digit, until a key changes it (default: -)",
    )
    parser.add_argument(
        "--max-mb",
        type=float,
        default=DEFAULT_MAX_BYTES / 1e6,
        metavar="MB",
        help=f"stop before the reel takes more than MB megabytes (default: {DEFAULT_MAX_BYTES / 1e6:.0f})",
    )
    parser.set_defaults(func=run, command="record")


def run(args: argparse.Namespace) -> int:
    label = label_for_key(args.label)
    if label is None:
        raise UsageError(f"--label must be a digit 0-9 or - for no digit, not {args.label!r}")
    if args.seconds is not None and not (math.isfinite(args.seconds) and args.seconds > 0):
        raise UsageError(f"--seconds must be a number more than 0, not {args.seconds:g}")
    if not (math.isfinite(args.fps) and 0 < args.fps <= 60):
        raise UsageError(f"--fps must be more than 0 and at most 60, not {args.fps:g}")
    if not (math.isfinite(args.max_mb) and args.max_mb > 0):
        raise UsageError(f"--max-mb must be a number more than 0, not {args.max_mb:g}")
    # The camera first: one that cannot open leaves no folder behind to refuse a retry.
    camera = open_camera(args.camera)
    camera.start()
    try:
        writer = ReelWriter(args.out, max_bytes=int(args.max_mb * 1e6))
    except BaseException:
        camera.stop()
        raise
    with writer:
        recorder = Recorder(camera, writer, args.fps, label)
        status = StatusLine(sys.stderr, args.max_mb)
        print(
            f"recording {camera.spec} into {args.out}: keys 0-9 the digit held up, - none, q stops",
            file=sys.stderr,
            flush=True,
        )
        try:
            with keys(sys.stdin) as pressed:
                threading.Thread(target=_follow_keys, args=(pressed, recorder), daemon=True).start()
                recorder.run(args.seconds, status)
        except KeyboardInterrupt:
            recorder.ended = "stopped"
        finally:
            camera.stop()
            status.close()
    print(
        f"{writer.frames} frames, {writer.bytes_written / 1e6:.1f} MB in {args.out} ({recorder.ended}); "
        f"grade a model on it: digit-classifier evaluate --reel {args.out}",
        file=sys.stderr,
    )
    return 0


class StatusLine:
    """``REC 00:12  label [ 7 ]  120 frames  4.8 of 500 MB`` on stderr, redrawn in place
    on a terminal, a line a second otherwise."""

    def __init__(self, stream: TextIO, max_mb: float) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._max_mb = max_mb
        self._shown_second = -1
        self._shown_label: Optional[int] = None

    def __call__(self, recorder: Recorder, elapsed: float) -> None:
        second, label = int(elapsed), recorder.label
        if not self._tty and second == self._shown_second and label == self._shown_label:
            return
        self._shown_second, self._shown_label = second, label
        writer = recorder.writer
        clock = f"{second // 60:02d}:{second % 60:02d}"
        text = (
            f"REC {clock}  label [ {label_name(label)} ]  {writer.frames} frames  "
            f"{writer.bytes_written / 1e6:.1f} of {self._max_mb:.0f} MB"
        )
        self._stream.write(f"\r\x1b[K{text}" if self._tty else f"{text}\n")
        self._stream.flush()

    def close(self) -> None:
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()


@contextlib.contextmanager
def keys(stream: TextIO) -> Iterator[Iterator[str]]:
    """The keys typed on ``stream``: one at a time on a terminal (put in cbreak mode for
    the while, and restored), else the first character of each line."""
    if not stream.isatty():
        yield (line[:1] for line in stream if line.strip())
        return
    import termios
    import tty

    saved = termios.tcgetattr(stream.fileno())
    tty.setcbreak(stream.fileno())
    try:
        yield iter(lambda: stream.read(1), "")
    finally:
        termios.tcsetattr(stream.fileno(), termios.TCSADRAIN, saved)


def _follow_keys(pressed: Iterator[str], recorder: Recorder) -> None:
    for key in pressed:
        if key in STOP_KEYS:
            recorder.stop()
            return
        label = label_for_key(key)
        if label is not None:
            recorder.set_label(label)
