"""exercise/training/scoring.py: box matching and the threshold that keeps a share of digits."""

from __future__ import annotations

import numpy as np
import pytest

from exercise.training import scoring


def test_iou_and_partial_digits() -> None:
    assert scoring.iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert scoring.iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    # A candidate on the visible half of a cut digit counts on neither side.
    assert scoring.on_partial((0, 0, 10, 10), (0, 0, 10, 40))
    assert not scoring.on_partial((0, 0, 10, 10), (8, 8, 40, 40))


def test_threshold_keeping_lets_the_share_through_and_is_the_highest_that_does() -> None:
    scores = np.random.default_rng(1).random(1000).astype(np.float32)
    threshold = scoring.threshold_keeping(scores, 0.97)
    assert (scores >= threshold).mean() >= 0.97
    assert (scores > threshold).mean() < 0.97
    with pytest.raises(ValueError, match="no digit scores"):
        scoring.threshold_keeping(np.zeros(0, np.float32), 0.97)
