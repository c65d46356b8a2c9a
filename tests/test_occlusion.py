"""Tests for exercise.occlusion: the map points at the stroke, not the ground."""

from __future__ import annotations

import numpy as np

from exercise.mnist_sample import load_sample
from exercise.model import load_default_model
from exercise.occlusion import occlusion_map


def test_the_map_lights_up_the_stroke_and_not_the_ground() -> None:
    model = load_default_model()
    images, labels = load_sample()
    for image, label in zip(images[::10], labels[::10]):
        found = occlusion_map(model, image)
        assert found.digit == label and found.probability > 0.5
        assert found.importance.shape == (28, 28) and found.importance.max() <= 1.0
        ink = image > 128
        near = np.zeros_like(ink)
        ys, xs = np.nonzero(ink)
        near[max(0, ys.min() - 3) : ys.max() + 4, max(0, xs.min() - 3) : xs.max() + 4] = True
        # Covering far from the digit changes nothing; the stroke carries the choice.
        assert found.importance[~near].max() < 0.05
        assert (
            found.importance[ink].mean() > 5 * max(found.importance[~ink].mean(), 1e-6)
            or found.importance.max() == 0
        )


def test_a_chosen_digit_can_be_asked_about() -> None:
    model = load_default_model()
    images, labels = load_sample()
    found = occlusion_map(model, images[0], digit=(int(labels[0]) + 1) % 10)
    assert found.digit == (int(labels[0]) + 1) % 10 and found.probability < 0.5
