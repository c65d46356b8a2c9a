"""Test reels: a camera session kept with its labels, to grade models on (docs/reels.md).

A reel is a folder::

    frames/       the frames, JPEG or PNG, played in name order
    labels.csv    frame,label  (frame: a file name in frames/; label: 0-9, or -1 for no digit)

Further columns are allowed and ignored, so any folder of that shape is a reel, whoever
made it. A row that cannot be used (a label of 12, a frame that is not in ``frames/``, a
frame named twice) is skipped and reported with its line number; only a reel that cannot
be read at all raises :class:`~exercise.exceptions.ReelError`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Union

from exercise.exceptions import ReelError

FRAMES_DIR = "frames"
LABELS_FILE = "labels.csv"
#: The label of a frame without a digit.
NO_DIGIT = -1
#: The columns every labels file starts with.
COLUMNS = ("frame", "label")
#: Suffixes of the frames a reel may hold.
FRAME_SUFFIXES = (".jpg", ".jpeg", ".png")
#: A labels file larger than this is not a reel's: an hour recorded at 10 frames a second
#: is 36,000 rows of about 15 bytes, half a megabyte.
MAX_LABELS_BYTES = 8 * 1000 * 1000
#: Skipped rows kept (and reported) one by one; past this only their number.
MAX_SKIPPED_LISTED = 100


@dataclass(frozen=True)
class ReelFrame:
    """One labelled frame of a reel."""

    name: str
    path: Path
    #: 0-9, or NO_DIGIT.
    label: int
    #: Its line in labels.csv (the header is line 1), for messages.
    line: int


@dataclass(frozen=True)
class Skipped:
    """A row of labels.csv, or a frame, that was left out, and why."""

    line: int
    frame: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "frame"
        return f"{LABELS_FILE} {where} ({self.frame or 'no frame named'}): {self.reason}"


@dataclass
class Reel:
    """A reel's labelled frames in name order, and the rows that were skipped."""

    folder: Path
    frames: List[ReelFrame]
    #: The first MAX_SKIPPED_LISTED rows left out, with why.
    skipped: List[Skipped] = field(default_factory=list)
    #: How many rows were left out in all.
    skipped_count: int = 0


def open_reel(folder: Union[str, Path]) -> Reel:
    """Read the reel in ``folder``.

    Raises:
        ReelError: no such folder, no ``frames/`` in it, no ``labels.csv``, a labels
            file that is not text or has no ``frame,label`` header.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ReelError(str(folder), "no such folder (a reel is a folder with frames/ and labels.csv)")
    frames_dir = folder / FRAMES_DIR
    if not frames_dir.is_dir():
        raise ReelError(
            str(folder), f"no {FRAMES_DIR}/ folder in it (a reel is a folder with frames/ and labels.csv)"
        )
    rows = _read_rows(folder / LABELS_FILE)
    present = {entry.name for entry in frames_dir.iterdir() if entry.is_file()}
    frames: Dict[str, ReelFrame] = {}
    skipped: List[Skipped] = []
    count = 0
    for line, row in rows:
        name, text = (row + ["", ""])[:2]
        name, text = name.strip(), text.strip()
        reason = _row_problem(name, text, present, frames)
        if reason:
            count += 1
            if len(skipped) < MAX_SKIPPED_LISTED:
                skipped.append(Skipped(line, name, reason))
            continue
        frames[name] = ReelFrame(name, frames_dir / name, int(text), line)
    return Reel(folder, sorted(frames.values(), key=lambda frame: frame.name), skipped, count)


def _read_rows(path: Path) -> List[tuple]:
    """(line number, cells) of every row after the header, blank rows left out."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReelError(
            str(path), "missing: a reel needs a labels.csv with the columns frame,label"
        ) from None
    except OSError as exc:
        raise ReelError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    if size > MAX_LABELS_BYTES:
        raise ReelError(
            str(path), f"{size / 1e6:.1f} MB is more than a reel's labels ({MAX_LABELS_BYTES / 1e6:.0f} MB)"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ReelError(str(path), "not a text file (expected CSV in UTF-8: frame,label)") from None
    except OSError as exc:
        raise ReelError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        if [cell.strip().lower() for cell in header[:2]] != list(COLUMNS):
            raise ReelError(
                str(path),
                f"line 1 must be the header frame,label (further columns allowed), not {','.join(header)!r}",
            )
        return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ReelError(str(path), f"line {reader.line_num}: not CSV: {exc}") from exc


def _row_problem(name: str, text: str, present: set, frames: Dict[str, ReelFrame]) -> str:
    """Why a row cannot be used, or "" if it can."""
    if not name:
        return "no frame named"
    if "/" in name or "\\" in name or name.startswith("."):
        return f"a frame is a file name inside {FRAMES_DIR}/, not a path"
    if Path(name).suffix.lower() not in FRAME_SUFFIXES:
        return f"not a JPEG or PNG file name ({', '.join(FRAME_SUFFIXES)})"
    try:
        label = int(text)
    except ValueError:
        return f"label {text!r} is not a whole number (0-9, or {NO_DIGIT} for no digit)"
    if not (label == NO_DIGIT or 0 <= label <= 9):
        return f"label {label} is not a digit (0-9, or {NO_DIGIT} for no digit)"
    if name not in present:
        return f"no such file in {FRAMES_DIR}/"
    if name in frames:
        return f"named twice (first on line {frames[name].line})"
    return ""
