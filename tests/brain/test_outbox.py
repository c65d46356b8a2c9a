"""The child's GUI rate limit (exercise/brain/outbox.py, GuiRate): pure, driven by fake times."""

from __future__ import annotations

import itertools
from typing import List

from exercise.brain.outbox import GuiRate


def sends(rate: GuiRate, times: List[float]) -> List[float]:
    """Offer one result at each of ``times``; the times at which one was let through."""
    sent = []
    for now in times:
        if rate.due(now) <= now:
            rate.take(now)
            sent.append(now)
    return sent


def test_the_first_result_goes_at_once() -> None:
    rate = GuiRate(30)
    assert rate.due(100.0) == 100.0


def test_a_brain_at_the_gui_rate_has_every_result_sent_at_once_despite_jitter() -> None:
    # Ticks every 1/30 s whose work (hence the call) ends 2 to 15 ms into the tick.
    work = itertools.cycle([0.002, 0.015, 0.004, 0.012, 0.002, 0.008, 0.015, 0.003])
    times = [k / 30 + next(work) for k in range(300)]
    assert sends(GuiRate(30), times) == times


def test_a_fast_brain_is_held_to_the_gui_rate_in_the_long_run() -> None:
    times = [k / 1000 for k in range(10_000)]  # 10 s at 1000 Hz
    sent = sends(GuiRate(30), times)
    assert 295 <= len(sent) <= 303  # 30 a second, plus the burst a fresh bucket allows


def test_results_are_never_closer_than_half_an_interval() -> None:
    times = [k / 1000 for k in range(2_000)]
    sent = sends(GuiRate(10), times)
    gaps = [b - a for a, b in zip(sent, sent[1:])]
    assert min(gaps) >= 0.05 - 1e-9


def test_due_says_when_a_held_result_may_go() -> None:
    rate = GuiRate(2)
    rate.take(0.0)
    rate.take(0.25)  # the burst: half an interval later
    due = rate.due(0.3)
    assert due > 0.3
    assert sends(rate, [due - 0.01, due]) == [due]
