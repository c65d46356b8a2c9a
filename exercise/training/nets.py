"""The networks ``digit-classifier train --arch`` can build, all ``[N,1,28,28] -> [N,10]`` logits.

Softmax is not part of these modules: training uses ``cross_entropy`` on logits, and the
ONNX export wraps the network with a softmax so the exported file outputs probabilities.

``mlp``, ``lenet`` and ``cnn`` are the tutorials' reference networks (for the side-by-side
table in docs/training.md); ``digitnet`` is the bundled default model's architecture.
"""

from __future__ import annotations

from typing import Callable, Dict

import torch
from torch import nn

from exercise.training.options import ARCH_NAMES, DEFAULT_ARCH

__all__ = ["ARCHITECTURES", "DEFAULT_ARCH", "build", "count_parameters"]


class MLP(nn.Sequential):
    """784-128-64-10 with ReLU, as in the MXNet/Gluon MNIST tutorial (about 110k parameters)."""

    def __init__(self) -> None:
        super().__init__(
            nn.Flatten(),
            nn.Linear(784, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )


class LeNet(nn.Sequential):
    """LeNet-5 style: two 5x5 conv + max-pool stages (6 and 16 maps), then 120-84-10."""

    def __init__(self) -> None:
        super().__init__(
            nn.Conv2d(1, 6, 5, padding=2),  # padding keeps 28x28, like LeNet-5's 32x32 input
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )


class TutorialCNN(nn.Sequential):
    """The network of pytorch/examples mnist/main.py: 32 and 64 3x3 filters, fc 9216-128-10."""

    def __init__(self) -> None:
        super().__init__(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(0.25),
            nn.Flatten(),
            nn.Linear(9216, 128),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(128, 10),
        )


def _conv_bn(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 conv (no bias: BatchNorm has one), BatchNorm, ReLU; keeps the spatial size."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class DigitNet(nn.Sequential):
    """The default: a small VGG-style CNN with BatchNorm and global average pooling.

    28x28 -> 2 convs (16) -> pool 14x14 -> 2 convs (32) -> pool 7x7 -> 2 convs (64) ->
    global average -> dropout -> 10. About 73k parameters (0.3 MB as float32); the width
    is kept low at 28x28, where a conv costs the most, so a CPU trains it in minutes per epoch.
    """

    def __init__(self, width: int = 16) -> None:
        w = width
        super().__init__(
            _conv_bn(1, w),
            _conv_bn(w, w),
            nn.MaxPool2d(2),
            _conv_bn(w, 2 * w),
            _conv_bn(2 * w, 2 * w),
            nn.MaxPool2d(2),
            _conv_bn(2 * w, 4 * w),
            _conv_bn(4 * w, 4 * w),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(4 * w, 10),
        )


#: ``--arch`` name -> constructor.
ARCHITECTURES: Dict[str, Callable[[], nn.Module]] = {
    "mlp": MLP,
    "lenet": LeNet,
    "cnn": TutorialCNN,
    "digitnet": DigitNet,
}
assert list(ARCHITECTURES) == ARCH_NAMES, "options.ARCH_NAMES lists the --arch choices without torch"


def build(arch: str) -> nn.Module:
    """A freshly initialised network for ``arch`` (one of :data:`ARCHITECTURES`).

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    try:
        return ARCHITECTURES[arch]()
    except KeyError:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}") from None


def count_parameters(net: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def with_memory_format(net: nn.Module, memory_format: torch.memory_format) -> nn.Module:
    """``net`` with its 4-D weights in ``memory_format``: ``torch.channels_last`` makes CPU
    convolutions about a quarter faster (oneDNN's own layout); export wants the default."""
    return net.to(memory_format=memory_format)  # type: ignore[call-overload]  # torch takes it; its stub omits it
