"""exercise/training/nets.py: every architecture maps [N,1,28,28] to [N,10]."""

from __future__ import annotations

import pytest
import torch

from exercise.training import nets
from exercise.training.options import ARCH_NAMES


@pytest.mark.parametrize("arch", ARCH_NAMES)
def test_forward_shape(arch: str) -> None:
    net = nets.build(arch).eval()
    with torch.inference_mode():
        assert net(torch.rand(3, 1, 28, 28)).shape == (3, 10)


def test_parameter_counts_match_the_tutorials() -> None:
    assert nets.count_parameters(nets.build("mlp")) == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert nets.count_parameters(nets.build("cnn")) == 1_199_882  # pytorch/examples mnist
    # The default model must stay small: under 2 MB of float32 weights.
    assert nets.count_parameters(nets.build(nets.DEFAULT_ARCH)) * 4 < 2_000_000


def test_unknown_arch_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="mlp, lenet, cnn, digitnet"):
        nets.build("resnet-152")
