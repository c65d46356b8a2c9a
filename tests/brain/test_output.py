"""The console rate limiter: first lines pass, the excess is dropped, the newest lines kept."""

from __future__ import annotations

from exercise.brain.events import ConsoleStream
from exercise.brain.output import MAX_LINE_CHARS, MAX_PARTIAL_CHARS, OutputLimiter, clip_line, split_lines

OUT = ConsoleStream.STDOUT


def test_lines_within_the_rate_pass_in_order() -> None:
    limiter = OutputLimiter(0.0, lines_per_second=10, keep=5)
    for i in range(3):
        limiter.add(OUT, str(i), 0.0)
    assert limiter.take(0.0) == [(OUT, "0"), (OUT, "1"), (OUT, "2")]
    assert limiter.next_due(0.0) is None


def test_a_flood_keeps_the_first_and_the_newest_lines_with_a_note() -> None:
    limiter = OutputLimiter(0.0, lines_per_second=10, keep=5)
    for i in range(1000):
        limiter.add(OUT, str(i), 0.0)
    assert [text for _, text in limiter.take(0.0)] == [str(i) for i in range(10)]
    due = limiter.next_due(0.0)
    assert due is not None and due > 0.0
    later = limiter.take(1.0)
    assert later[0][0] is ConsoleStream.SYSTEM and later[0][1].startswith("985 lines dropped")
    assert [text for _, text in later[1:]] == ["995", "996", "997", "998", "999"]
    assert limiter.dropped == 0 and limiter.next_due(1.0) is None


def test_bytes_are_limited_too() -> None:
    limiter = OutputLimiter(0.0, lines_per_second=1000, bytes_per_second=100, keep=50)
    for _ in range(10):
        limiter.add(OUT, "x" * 49, 0.0)
    assert len(limiter.take(0.0)) == 2  # 2 x 50 bytes


def test_take_all_ignores_the_limits() -> None:
    limiter = OutputLimiter(0.0, lines_per_second=1, keep=3)
    for i in range(10):
        limiter.add(OUT, str(i), 0.0)
    batch = limiter.take_all()
    assert [text for _, text in batch] == ["0", batch[1][1], "7", "8", "9"]
    assert "6 lines dropped" in batch[1][1]


def test_long_lines_are_cut() -> None:
    assert clip_line("a" * 10) == "a" * 10
    clipped = clip_line("a" * (MAX_LINE_CHARS + 5))
    assert clipped.startswith("a" * MAX_LINE_CHARS) and "5 more characters cut" in clipped


def test_split_lines_keeps_the_rest_until_its_newline_or_until_it_is_too_long() -> None:
    assert split_lines("", "a\r\nb\nc") == (["a", "b"], "c")
    assert split_lines("c", "d\n") == (["cd"], "")
    long = "x" * (MAX_PARTIAL_CHARS + 1)
    assert split_lines("", long) == ([long], "")
