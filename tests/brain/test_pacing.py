"""The pure scheduler and frequency meter, driven with made-up times."""

from __future__ import annotations

import pytest

from exercise.brain.pacing import FrequencyMeter, Pacer
from exercise.limits import check_frequency


def test_deadlines_are_absolute_so_lateness_does_not_drift() -> None:
    pacer = Pacer(100, now=0.0)
    starts = []
    for k in range(1000):
        deadline = pacer.next_deadline()
        start = deadline + (0.004 if k % 3 else 0.0)  # every tick 0..4 ms late (sleep overshoot)
        pacer.tick_started(start)
        starts.append(start)
    assert pacer.next_deadline() == pytest.approx(10.0)  # 1000 ticks at 100 Hz: no drift


def test_an_overrun_reanchors_instead_of_bursting() -> None:
    pacer = Pacer(10, now=0.0)
    pacer.tick_started(0.0)
    pacer.tick_started(0.35)  # the first body took 350 ms: 2.5 periods late
    # The next tick is one period after the late one, not three catch-up ticks at once.
    assert pacer.next_deadline() == pytest.approx(0.45)


def test_a_slightly_late_tick_keeps_the_schedule() -> None:
    pacer = Pacer(10, now=0.0)
    pacer.tick_started(0.0)
    pacer.tick_started(0.15)  # half a period late
    assert pacer.next_deadline() == pytest.approx(0.2)


def test_set_frequency_and_reanchor() -> None:
    pacer = Pacer(10, now=0.0)
    pacer.tick_started(0.0)
    pacer.set_frequency(1000, now=0.05)
    assert pacer.next_deadline() == pytest.approx(0.05)
    pacer.tick_started(0.05)
    assert pacer.next_deadline() == pytest.approx(0.051)
    assert pacer.period == pytest.approx(0.001)


@pytest.mark.parametrize("bad", [0, 0.5, 1000.5, float("nan"), -3])
def test_frequency_range(bad: float) -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        check_frequency(bad)
    with pytest.raises(ValueError):
        Pacer(bad, now=0.0)


def test_meter_reports_once_a_window_from_tick_intervals() -> None:
    meter = FrequencyMeter()
    reports = [meter.tick(k / 30) for k in range(95)]
    values = [r for r in reports if r is not None]
    assert values == [pytest.approx(30.0), pytest.approx(30.0), pytest.approx(30.0)]
    meter.restart()
    assert meter.tick(100.0) is None
    assert meter.tick(101.0) == pytest.approx(1.0)


def test_a_short_delay_at_a_high_rate_is_made_up_not_lost() -> None:
    pacer = Pacer(500.0, now=0.0)  # 2 ms period
    pacer.tick_started(0.0)
    pacer.tick_started(0.007)  # the scheduler held us 5 ms: within the catch-up window
    # The schedule is kept: the next tick is due at 4 ms (already past), so ticks follow at
    # once until the loop is back on time, and the average rate stays 500 Hz.
    assert pacer.next_deadline() == pytest.approx(0.004)


def test_a_long_delay_at_a_high_rate_reanchors() -> None:
    pacer = Pacer(500.0, now=0.0)
    pacer.tick_started(0.0)
    pacer.tick_started(0.050)  # 48 ms late: far past the catch-up window
    assert pacer.next_deadline() == pytest.approx(0.052)
