"""The timing budget (exercise.brain.budget) in a real brain child: its parts add up to the
loop's period, and a rate below the target is explained with the part to blame."""

from __future__ import annotations

import numpy as np

from exercise.brain.budget import BudgetMeter, LoopTimes, explain
from exercise.brain.events import FrequencyMeasured
from exercise.brain.runner import BrainRunner
from tests.brain.conftest import PushedCamera, Recorder

WORKING = """
import time
import GUI
import HAL

while True:
    image = HAL.getImage()
    digits = HAL.preprocess(image)
    time.sleep(0.03)
    GUI.showDigit(None)
"""


def budgets(recorder: Recorder, count: int, since: int) -> list:
    found: list = []
    while len(found) < count:
        event = recorder.wait_for(FrequencyMeasured, lambda e: bool(e.budget), since=since)
        since = recorder.after(event)
        found.append(event)
    return found


def test_the_parts_of_a_loop_add_up_to_its_period(
    runner: BrainRunner, recorder: Recorder, camera: PushedCamera
) -> None:
    camera.publish(np.full((480, 640, 3), 200, np.uint8))
    runner.set_frequency(10)
    runner.play(WORKING)
    first = budgets(recorder, 1, 0)[0]
    for event in budgets(recorder, 2, recorder.after(first)):
        times = LoopTimes.from_dict(event.budget)
        # The body sleeps 30 ms at 10 Hz: most of the period waits for the next loop.
        assert 28 <= times.other_ms <= 45
        assert times.preprocess_ms > 0 and times.get_image_ms >= 0 and times.gui_ms >= 0
        assert abs(times.loop_ms + times.idle_ms - times.period_ms) <= 0.1 * times.period_ms
        assert abs(times.period_ms - 1000.0 / event.measured_hz) < 0.01  # rounded to a microsecond
        assert times.frame_age_ms >= 0
        assert explain(event.budget, event.measured_hz, event.target_hz) == ""


def test_a_slow_loop_is_explained_with_the_part_to_blame(
    runner: BrainRunner, recorder: Recorder, camera: PushedCamera
) -> None:
    runner.set_frequency(20)
    runner.play("import time\nwhile True:\n    time.sleep(0.12)\n")
    event = budgets(recorder, 2, 0)[-1]
    assert event.measured_hz < 10
    why = explain(event.budget, event.measured_hz, event.target_hz)
    assert why.startswith("each loop takes 12") and "over the 50 ms a loop may take at 20 Hz" in why
    assert "the rest of your loop takes 12" in why


def test_the_meter_averages_per_loop_and_starts_again() -> None:
    meter = BudgetMeter()
    for _ in range(4):
        meter.add("preprocess", 0.010)
        meter.add("predict", 0.001)
        meter.loop_done(0.015)
    times = meter.take(measured_hz=25.0)
    assert times is not None
    assert round(times.preprocess_ms, 6) == 10.0 and round(times.predict_ms, 6) == 1.0
    assert round(times.other_ms, 6) == 4.0 and round(times.idle_ms, 6) == 25.0
    assert meter.take(measured_hz=25.0) is None  # nothing since
    assert LoopTimes.from_dict(times.to_dict()) == LoopTimes(**times.to_dict())
