"""The drift-free frame schedule."""

from __future__ import annotations

import threading

import pytest

from exercise.cameras.pacing import FrameClock, next_slot


def test_next_slot_follows_the_schedule_not_the_work():
    # Frame 3 finished late within its period: frame 4 is still due at 4/30 s, not 1/30 s later.
    assert next_slot(start=0.0, period=1 / 30, slot=3, now=0.12) == (4, pytest.approx(4 / 30))


def test_next_slot_skips_missed_slots_instead_of_bursting():
    slot, due = next_slot(start=0.0, period=0.1, slot=2, now=1.05)
    assert slot == 10 and due == pytest.approx(1.0)  # due already: produce at once, once


def test_next_slot_from_the_start():
    assert next_slot(start=5.0, period=0.5, slot=-1, now=5.0) == (0, 5.0)


class ManualClock:
    """A clock the test moves by hand: FrameClock's sleeps become zero-length waits."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_frame_clock_returns_false_once_stopping_is_set():
    stopping = threading.Event()
    clock = FrameClock(30.0, stopping, ManualClock())
    assert clock.wait() is True  # the first frame is due at once
    stopping.set()
    assert clock.wait() is False


def test_frame_clock_does_not_wait_for_slots_already_due():
    manual = ManualClock()
    clock = FrameClock(10.0, threading.Event(), manual)
    assert clock.wait()
    manual.now += 0.35  # work took three and a half periods
    assert clock.wait()  # returns at once with the newest due slot
    assert clock._slot == 3


def test_frame_clock_rejects_a_non_positive_rate():
    with pytest.raises(ValueError):
        FrameClock(0.0, threading.Event())
