"""Brain events -> the plain values the exercise node publishes. Pure: no rospy here.

Topics (relative to the node's private namespace, see docs/ros.md):

* ``~digit`` (std_msgs/Int32): the digit, ``NO_DIGIT`` (-1) when none is shown;
* ``~probabilities`` (std_msgs/Float32MultiArray): the 10 probabilities, empty when the
  brain showed no probabilities;
* ``~frequency`` (std_msgs/Float32): the brain's measured iterations per second;
* ``~image`` (sensor_msgs/Image): the newest camera frame with the digit's box drawn.
"""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

from exercise.brain.events import DigitShown

#: What ``~digit`` carries when the brain shows "no digit".
NO_DIGIT = -1


def digit_value(event: DigitShown) -> int:
    """The Int32 to publish for a ``GUI.showDigit`` call."""
    return NO_DIGIT if event.digit is None else int(event.digit)


def probability_values(event: DigitShown) -> List[float]:
    """The Float32MultiArray data: 10 floats, or [] when there are none (or any is not finite)."""
    if event.probabilities is None:
        return []
    values = [float(p) for p in event.probabilities]
    if not all(math.isfinite(v) for v in values):
        return []
    return values


def box_of(event: DigitShown) -> Optional[Tuple[int, int, int, int]]:
    """The x, y, w, h box to draw on ``~image``, or None when no digit is shown."""
    if event.digit is None or event.box is None:
        return None
    x, y, w, h = event.box
    return int(x), int(y), int(w), int(h)


def confidence_of(event: DigitShown) -> Optional[float]:
    """The probability of the digit shown, for its label; None without digit or probabilities."""
    values = probability_values(event)
    if event.digit is None or len(values) <= event.digit:
        return None
    return values[event.digit]
