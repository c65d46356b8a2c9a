"""Tests for exercise.reels: reading a reel's folder and its labels file."""

from __future__ import annotations

from pathlib import Path

import pytest

from exercise.exceptions import ReelError
from exercise.reels import MAX_LABELS_BYTES, MAX_SKIPPED_LISTED, NO_DIGIT, open_reel


def make_reel(folder: Path, labels: str, frames=("a.jpg", "b.png", "c.jpg")) -> Path:
    (folder / "frames").mkdir(parents=True)
    for name in frames:
        (folder / "frames" / name).write_bytes(b"not read until graded")
    (folder / "labels.csv").write_text(labels, encoding="utf-8")
    return folder


def test_a_reel_lists_its_labelled_frames_in_name_order(tmp_path: Path) -> None:
    # A byte-order mark (spreadsheets write one), further columns, blank lines, spaces.
    reel = open_reel(make_reel(tmp_path, "\ufeffframe,label,who\nc.jpg,-1,me\n\n b.png , 7 ,me\na.jpg,0,\n"))
    assert [(f.name, f.label, f.line) for f in reel.frames] == [
        ("a.jpg", 0, 5),
        ("b.png", 7, 4),
        ("c.jpg", NO_DIGIT, 2),
    ]
    assert reel.frames[0].path == tmp_path / "frames" / "a.jpg"
    assert reel.skipped == []


def test_rows_that_cannot_be_used_are_skipped_with_their_line(tmp_path: Path) -> None:
    labels = (
        "frame,label\n"
        "a.jpg,3\n"  # line 2: good
        "b.png,12\n"  # line 3
        "gone.jpg,4\n"  # line 4
        "a.jpg,5\n"  # line 5: a second label for a.jpg
        "c.jpg,seven\n"  # line 6
        "../labels.csv,1\n"  # line 7
        "notes.txt,1\n"  # line 8
        ",2\n"  # line 9
    )
    reel = open_reel(make_reel(tmp_path, labels))
    assert [(f.name, f.label) for f in reel.frames] == [("a.jpg", 3)]
    reasons = {entry.line: str(entry) for entry in reel.skipped}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "line 3" in reasons[3] and "label 12 is not a digit" in reasons[3]
    assert "no such file in frames/" in reasons[4]
    assert "named twice (first on line 2)" in reasons[5]
    assert "'seven' is not a whole number" in reasons[6]
    assert "not a path" in reasons[7]
    assert "not a JPEG or PNG" in reasons[8]
    assert "no frame named" in reasons[9]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no folder", "no such folder"),
        ("no frames", "no frames/ folder"),
        ("no labels", "missing: a reel needs a labels.csv"),
        ("bad header", "line 1 must be the header frame,label"),
        ("not text", "not a text file"),
    ],
)
def test_a_reel_that_cannot_be_read_says_why(tmp_path: Path, setup: str, message: str) -> None:
    folder = tmp_path / "reel"
    if setup != "no folder":
        make_reel(folder, "frame,label\na.jpg,1\n")
    if setup == "no frames":
        for child in (folder / "frames").iterdir():
            child.unlink()
        (folder / "frames").rmdir()
    elif setup == "no labels":
        (folder / "labels.csv").unlink()
    elif setup == "bad header":
        (folder / "labels.csv").write_text("image;digit\na.jpg;1\n")
    elif setup == "not text":
        (folder / "labels.csv").write_bytes(b"\xff\xfe\x00\x81frame")
    with pytest.raises(ReelError, match=message) as caught:
        open_reel(folder)
    assert str(folder) in str(caught.value)


def test_a_labels_file_too_large_for_a_reel_is_refused(tmp_path: Path) -> None:
    make_reel(tmp_path, "frame,label\n")
    with (tmp_path / "labels.csv").open("a") as labels:
        labels.write("a.jpg,1,padding\n" * (MAX_LABELS_BYTES // 16 + 1))
    with pytest.raises(ReelError, match="more than a reel's labels"):
        open_reel(tmp_path)


def test_only_the_first_skipped_rows_are_listed_but_all_are_counted(tmp_path: Path) -> None:
    rows = "".join(f"missing{i}.jpg,1\n" for i in range(MAX_SKIPPED_LISTED + 50))
    reel = open_reel(make_reel(tmp_path, "frame,label\na.jpg,2\n" + rows))
    assert len(reel.frames) == 1
    assert len(reel.skipped) == MAX_SKIPPED_LISTED and reel.skipped_count == MAX_SKIPPED_LISTED + 50
