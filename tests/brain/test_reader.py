"""exercise.brain.reader: what the child writes to its raw descriptors, as console lines."""

from __future__ import annotations

from exercise.brain.events import ConsoleStream
from exercise.brain.reader import RawOutput


def test_raw_output_becomes_lines_even_when_a_read_splits_a_character() -> None:
    raw = RawOutput()
    data = "température 20 °C\nfin".encode()
    cut = data.index("é".encode()) + 1  # between the two bytes of é
    raw.feed(data[:cut])
    raw.feed(data[cut:])
    raw.finish()
    assert raw.limiter.take_all() == [
        (ConsoleStream.STDERR, "température 20 °C"),
        (ConsoleStream.STDERR, "fin"),
    ]
