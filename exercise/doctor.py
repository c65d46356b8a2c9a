"""The model doctor: how a model reads 100 MNIST test digits, and what to change when the
answer is poor (issue 15).

A model that scores 99% on its own test set and reads nonsense in the exercise was almost
always fed differently in training: digits scaled another way, dark on light instead of
white on black, pixel values 0-255. The doctor runs the bundled sample
(:mod:`exercise.mnist_sample`) through the model as the exercise feeds it (the scaling its
metadata declares) and through every other convention, and when one reads markedly
better, says which and exactly what to change. Each piece of advice is one sentence a
student can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List

import numpy as np

from exercise.mnist_sample import load_sample
from exercise.model import DigitModel
from exercise.preprocess import SCALING_FACTORS, Scaling, scale_batch

#: A convention is advised when it reads at least this many more of the 100 digits...
MARKEDLY_BETTER = 20
#: ...and the declared one reads fewer than this many.
GOOD_ENOUGH = 95
#: Below this, in every convention, the model has not learnt MNIST at all.
NOT_LEARNT = 50

#: Every input convention tried: name -> the batch it makes from uint8 white-on-black digits.
CONVENTIONS: Dict[str, Callable[[np.ndarray, Scaling], np.ndarray]] = {
    Scaling.UNIT.value: lambda images, declared: scale_batch(images, Scaling.UNIT),
    Scaling.MNIST.value: lambda images, declared: scale_batch(images, Scaling.MNIST),
    Scaling.SYMMETRIC.value: lambda images, declared: scale_batch(images, Scaling.SYMMETRIC),
    "inverted": lambda images, declared: scale_batch(255 - images, declared),
    "0-255": lambda images, declared: images.astype(np.float32)[:, None, :, :],
}


@dataclass(frozen=True)
class Diagnosis:
    """What the doctor found; ``to_dict()`` is what ``check --json`` and the upload answers
    carry: ``{"mnist_sample": {...}, "advice": [...]}``."""

    #: Sample digits read right with the declared scaling.
    read_right: int
    of: int
    #: The declared scaling (the model's ``normalization`` metadata, ``unit`` if none).
    scaling: str
    #: Digits read right in each convention tried.
    by_convention: Dict[str, int] = field(default_factory=dict)
    advice: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, object]:
        sample = {"read_right": self.read_right, "of": self.of, "scaling": self.scaling}
        return {"mnist_sample": sample, "advice": list(self.advice)}


def diagnose(model: DigitModel) -> Diagnosis:
    """Run the bundled MNIST test sample through ``model`` in every input convention."""
    images, labels = load_sample()
    declared = model.spec.normalization
    counts: Dict[str, int] = {}
    for name, make in CONVENTIONS.items():
        probabilities = np.asarray(model.predict(make(images, declared))).reshape(len(images), -1)
        counts[name] = int(np.sum(probabilities.argmax(axis=1) == labels))
    read_right = counts[declared.value]
    return Diagnosis(read_right, len(images), declared.value, counts, _advice(counts, declared, len(images)))


def _advice(counts: Dict[str, int], declared: Scaling, total: int) -> List[str]:
    own = counts[declared.value]
    if own >= GOOD_ENOUGH:
        return []
    best = max(counts, key=lambda name: counts[name])
    if counts[best] - own >= MARKEDLY_BETTER and best != declared.value:
        return [_how_to_fix(best, counts[best], own, declared, total)]
    if counts[best] < NOT_LEARNT:
        return [
            f"It reads only {counts[best]} of {total} MNIST test digits in any input convention, so it has "
            "not learnt MNIST digits yet: check its training (labels, epochs, learning rate) before "
            "trying it on a camera."
        ]
    return [
        f"It reads {own} of {total} MNIST test digits; a model trained on MNIST reads 98 or more, so "
        "train it longer or with augmentation (small shifts and rotations) before trying it on a camera."
    ]


def _how_to_fix(best: str, better: int, own: int, declared: Scaling, total: int) -> str:
    reads = f"It reads {better} of {total} MNIST test digits"
    if best == "inverted":
        return (
            f"{reads} when they are dark on a light ground and {own} as the exercise gives them (white "
            "on black, as MNIST stores them): it was trained on inverted digits, so train it on MNIST "
            "as it is, or make x -> 1 - x the first step of its forward() before exporting."
        )
    if best == "0-255":
        return (
            f"{reads} when given pixel values 0-255 and {own} when given 0-1: it expects raw pixels, "
            "so divide by 255 at the start of its forward() (x = x / 255) before exporting, or train "
            "it on inputs scaled to 0..1."
        )
    offset, divisor = SCALING_FACTORS[Scaling(best)]
    formula = "x / 255" if (offset, divisor) == (0.0, 1.0) else f"(x / 255 - {offset:g}) / {divisor:g}"
    return (
        f"{reads} with its input scaled '{best}' ({formula}) and {own} scaled '{declared.value}' as it "
        f"declares: declare it in the ONNX file's metadata with normalization = {best} "
        f"(onnx.helper.set_model_props(model, {{'normalization': '{best}'}}), then onnx.save)."
    )
